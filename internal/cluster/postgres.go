package cluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"
)

// postgresUser is the database's superuser, which Temporal connects as. The server
// trusts connections on loopback only (a throwaway database, nothing beyond 127.0.0.1).
const postgresUser = "temporal"

// startPostgres runs initdb in a throwaway folder and starts PostgreSQL on a free port of
// 127.0.0.1 (no Unix socket). PostgreSQL refuses to run as root, so under root both run
// as the user "nobody", who owns the folder.
func startPostgres(logDir string) (*Process, int, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, 0, err
	}
	cred, err := unprivileged()
	if err != nil {
		return nil, 0, err
	}
	// a folder of its own outside the cluster's (whose parents nobody may not enter)
	dir, err := os.MkdirTemp("", "bcdr-cluster-postgres-")
	if err != nil {
		return nil, 0, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, 0, fmt.Errorf("give the PostgreSQL folder to the unprivileged user: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := newProcess("initdb", logDir, filepath.Join(bin, "initdb"),
		[]string{"-D", data, "-U", postgresUser, "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"}, []string{"PATH=" + os.Getenv("PATH")})
	initdb.dir, initdb.cred = dir, cred
	if err := initdb.start(); err != nil {
		return nil, 0, err
	}
	<-initdb.done
	if initdb.cmd.ProcessState.ExitCode() != 0 {
		return nil, 0, fmt.Errorf("initdb failed; its log %s ends:\n%s", initdb.Log, initdb.Tail(2000))
	}
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	pg := newProcess("postgres", logDir, filepath.Join(bin, "postgres"), []string{"-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
		// a throwaway database: durability buys nothing here
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300"}, []string{"PATH=" + os.Getenv("PATH")})
	pg.dir, pg.cred = dir, cred
	pg.cleanup = func() { _ = os.RemoveAll(dir) }
	if err := pg.start(); err != nil {
		return nil, 0, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if err := pg.waitFor("connections on "+addr, time.Minute, dialable(addr)); err != nil {
		pg.stop()
		return nil, 0, err
	}
	return pg, port, nil
}

// postgresBin is the folder of PostgreSQL's server programs: the one of postgres on PATH,
// else Debian's newest /usr/lib/postgresql/VERSION/bin (the package puts them there,
// off PATH).
func postgresBin() (string, error) {
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(found) == 0 {
		return "", errors.New("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
	}
	sort.Slice(found, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[j]))))
		return vi < vj
	})
	return filepath.Dir(found[len(found)-1]), nil
}

// unprivileged is the credential PostgreSQL runs with: none (this user) unless this is
// root, then the user "nobody".
func unprivileged() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL refuses to run as root, and there is no user \"nobody\" to run it as: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}
