package cluster

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is one OS process of the cluster (PostgreSQL, a Temporal service, a bcdr server
// or worker), in its own process group, its output appended to a log file. It can be
// SIGKILLed and started again with the same command.
type Process struct {
	// Name says what the process is: "postgres", "history", "region-a/worker-1".
	Name string
	// Log is the file its output goes to.
	Log string

	path string
	args []string
	env  []string
	dir  string
	cred *syscall.Credential
	// cleanup runs when the cluster stops, after the kill (removes its folder).
	cleanup func()

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func newProcess(name, logDir, path string, args, env []string) *Process {
	return &Process{Name: name, Log: filepath.Join(logDir, strings.ReplaceAll(name, "/", "-")+".log"),
		path: path, args: args, env: env}
}

// start starts the process; its output is appended to Log.
func (p *Process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	out, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: log file: %w", p.Name, err)
	}
	cmd := exec.Command(p.path, p.args...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = p.env, p.dir, out, out
	// its own process group, so that a kill reaches whatever it started; killed with the
	// test process should that die without cleaning up (a go test timeout)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: p.cred, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start %s (%s): %w", p.Name, p.path, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); out.Close(); close(done) }()
	p.cmd, p.done = cmd, done
	return nil
}

// Kill sends SIGKILL to the process's group (no clean shutdown) and waits until the
// process is gone. Killing a process that has exited does nothing.
func (p *Process) Kill() { p.signal(syscall.SIGKILL) }

func (p *Process) signal(sig syscall.Signal) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	<-done
}

// stop kills the process for good and removes what it leaves.
func (p *Process) stop() {
	p.Kill()
	if p.cleanup != nil {
		p.cleanup()
	}
}

// Restart starts the process again with the same command line and environment; the
// process must have exited (Kill it first).
func (p *Process) Restart() error {
	if !p.Exited() {
		return fmt.Errorf("restart %s: it is still running: kill it first", p.Name)
	}
	return p.start()
}

// Pid is the process's id while it runs (0 before it started), for reading its CPU time
// in /proc.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Exited says whether the process has exited (or was never started).
func (p *Process) Exited() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// Tail returns the last n bytes of the process's log, for a failure message.
func (p *Process) Tail(n int) string {
	b, err := os.ReadFile(p.Log)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// waitFor polls ready until it returns nil, the process exits or limit passes.
func (p *Process) waitFor(what string, limit time.Duration, ready func() error) error {
	deadline := time.Now().Add(limit)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if p.Exited() {
			return fmt.Errorf("%s exited before %s; its log %s ends:\n%s", p.Name, what, p.Log, p.Tail(3000))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no %s within %s (%v); its log %s ends:\n%s", p.Name, what, limit, err, p.Log, p.Tail(3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dialable is a readiness check: something accepts TCP connections on addr.
func dialable(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}
}

// answers200 is a readiness check: GET url answers 200 (a /readyz).
func answers200(url string) func() error {
	return func() error {
		c := http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
