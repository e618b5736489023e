package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

// benchBin returns how to run bcdr as a child process: the binary in BENCH_BCDR_BIN, or
// this test binary re-executed as bcdr (TestMain runs E2E_BCDR_ARGS).
func benchBin(args []string) (string, []string, []string) {
	if bin := os.Getenv("BENCH_BCDR_BIN"); bin != "" {
		return bin, args, nil
	}
	argv, _ := json.Marshal(args)
	env := []string{"E2E_BCDR_ARGS=" + string(argv)}
	if prefix := os.Getenv("BENCH_CPUPROFILE"); prefix != "" {
		env = append(env, childProfileEnv+"="+prefix)
	}
	return os.Args[0], nil, env
}

// benchHome is a child bcdr's environment: its own HOME, data folder and config, and the
// engine address its CLI commands talk to.
type benchHome struct {
	dir      string
	port     int // Temporal frontend
	httpPort int // bcdr HTTP server (/readyz)
}

func newBenchHome(b *testing.B) *benchHome {
	b.Helper()
	dir := b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(dir, "bcdr.yaml"), []byte("identity:\n  user: bench\n"), 0o600))
	return &benchHome{dir: dir, port: benchFreePort(b), httpPort: benchFreePort(b)}
}

// environ is this process's environment without its BCDR_ variables (bcdr rejects
// unknown ones), then the home's.
func (h *benchHome) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BCDR_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"HOME="+h.dir, "BCDR_CONFIG="+filepath.Join(h.dir, "bcdr.yaml"),
		"BCDR_DATA_DIR="+filepath.Join(h.dir, "data"),
		"BCDR_TEMPORAL_ADDRESS=127.0.0.1:"+strconv.Itoa(h.port),
	)
}

func (h *benchHome) address() string { return "127.0.0.1:" + strconv.Itoa(h.port) }

// command returns bcdr with args as a child process in this home.
func (h *benchHome) command(args ...string) *exec.Cmd {
	bin, argv, extra := benchBin(args)
	cmd := exec.Command(bin, argv...)
	cmd.Env = append(h.environ(), extra...)
	return cmd
}

// benchProc is a long-running bcdr child process (bcdr dev).
type benchProc struct {
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{}
	logs    *syncBuffer
}

// startDev starts `bcdr dev` in h, with the Web UI, and returns at once.
func (h *benchHome) startDev(b *testing.B) *benchProc {
	b.Helper()
	p := &benchProc{
		cmd: h.command("dev", "--port", strconv.Itoa(h.port), "--ui-port", strconv.Itoa(benchFreePort(b)),
			"--http", "127.0.0.1:"+strconv.Itoa(h.httpPort)),
		done: make(chan struct{}), logs: &syncBuffer{},
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	p.started = time.Now()
	require.NoError(b, p.cmd.Start())
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	b.Cleanup(p.stop)
	return p
}

// readyDev starts `bcdr dev` in a new home, waits until it is ready and returns the
// home, the process and a client of its engine, closed when the benchmark ends.
func readyDev(b *testing.B) (*benchHome, *benchProc, client.Client) {
	b.Helper()
	h := newBenchHome(b)
	p := h.startDev(b)
	h.waitReady(b, p)
	c, err := client.Dial(client.Options{HostPort: h.address(), Logger: quietSDKLogger()})
	require.NoError(b, err)
	b.Cleanup(c.Close)
	return h, p, c
}

// waitReady polls /readyz until it answers 200 and returns when it did.
func (h *benchHome) waitReady(b *testing.B, p *benchProc) time.Time {
	b.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", h.httpPort)
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			b.Fatalf("bcdr dev exited:\n%s", p.logs.String())
		default:
		}
		if resp, err := hc.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Now()
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatalf("bcdr dev not ready after 2m:\n%s", p.logs.String())
	return time.Time{}
}

// stop interrupts the process (a clean shutdown) and kills it if it lingers.
func (p *benchProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// rss samples the resident memory of a process (VmRSS in /proc/PID/status) until
// stopped; peak is the largest sample, or the kernel's own high-water mark (VmHWM) when
// that is larger.
type rss struct {
	pid  int
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	peak int64 // bytes
}

func sampleRSS(pid int, every time.Duration) *rss {
	r := &rss{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if v := procStatus(pid, "VmRSS"); v > 0 {
				r.mu.Lock()
				r.peak = max(r.peak, v)
				r.mu.Unlock()
			}
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// end stops the sampling and returns the peak.
func (r *rss) end() int64 {
	close(r.stop)
	<-r.done
	return max(r.peak, procStatus(r.pid, "VmHWM"))
}

// procStatus reads a "kB" field of /proc/PID/status, in bytes; 0 when unknown.
func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if !ok || k != field {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return n << 10
	}
	return 0
}

// procCPU is the CPU time (user and system) a process has used, from /proc/PID/stat.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// the fields after the command name, which is in parentheses and may hold spaces
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// groupCPU is the CPU time of every process in the process group pgid (a server that
// forks a process per connection, as PostgreSQL does), from /proc/PID/stat.
func groupCPU(pgid int) time.Duration {
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var total time.Duration
	for _, path := range dirs {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		_, rest, ok := strings.Cut(string(b), ") ")
		f := strings.Fields(rest)
		if !ok || len(f) < 13 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Dir(path), "/proc/"), "/"))
		total += procCPU(pid)
	}
	return total
}

func mib(n int64) string { return fmt.Sprintf("%d MiB", n>>20) }

func benchFreePort(b *testing.B) int {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
