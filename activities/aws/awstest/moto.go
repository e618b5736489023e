package awstest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Region is the region the moto tests use.
const Region = "us-east-1"

// ErrNoMoto means neither moto_server nor python3 -m moto.server is available.
var ErrNoMoto = errors.New("moto is not installed: run pip install 'moto[server]'")

// Server is a running moto server on a loopback port.
type Server struct {
	// Endpoint is the server's URL, for Config.Endpoint / BaseEndpoint.
	Endpoint string
	cmd      *exec.Cmd
	log      *SyncBuffer
	exited   chan struct{}
}

// StartMoto starts a moto server for the test and returns its endpoint. It sets
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY ("testing") and AWS_REGION (us-east-1) for
// the test with t.Setenv, so the test must not be parallel. The server is killed when
// the test ends.
func StartMoto(t testing.TB) string {
	t.Helper()
	srv, err := Start()
	if errors.Is(err, ErrNoMoto) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("awstest: %v (CI=true: the AWS tests must run)", err)
		}
		t.Skipf("\n\n*** SKIPPING AWS TESTS: %v ***\n\n", err)
	}
	if err != nil {
		t.Fatalf("awstest: %v", err)
	}
	t.Cleanup(srv.Stop)
	for k, v := range Env() {
		t.Setenv(k, v)
	}
	return srv.Endpoint
}

// Env is the environment the SDK needs to talk to moto: dummy static credentials and
// the test region (and no shared config files or instance metadata lookups).
func Env() map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  Region,
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
}

// Start starts a moto server on a free loopback port and waits until it answers. The
// caller stops it with Stop. Prefer StartMoto in tests; Start suits TestMain.
func Start() (*Server, error) {
	name, args, err := motoCommand()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args = append(args, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd := exec.Command(name, args...)
	cmd.Env = motoEnv(os.Environ())
	log := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	// its own process group, so Stop ends the server and any child it started
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto: %w", err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: log, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Stop kills the server's process group and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}

// Log is what the server has printed so far (requests, tracebacks): for test failures.
func (s *Server) Log() string { return s.log.String() }

// Reset drops every resource moto holds.
func (s *Server) Reset() error {
	return s.post("/moto-api/reset", "")
}

// Configure posts moto's runtime configuration, e.g. {"lambda":{"use_docker":false}}.
func (s *Server) Configure(jsonConfig string) error {
	return s.post("/moto-api/config", jsonConfig)
}

func (s *Server) post(path, body string) error {
	resp, err := http.Post(s.Endpoint+path, "application/json", bytes.NewBufferString(body))
	if err != nil {
		return fmt.Errorf("moto %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("moto %s: %s", path, resp.Status)
	}
	return nil
}

// waitReady polls the server until it answers, it exits, or the limit passes.
func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("moto exited before answering:\n%s", s.log.String())
		default:
		}
		resp, err := client.Get(s.Endpoint + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("moto did not answer on %s within %s:\n%s", s.Endpoint, limit, s.log.String())
}

var findMoto = sync.OnceValues(func() ([]string, error) {
	name, args, err := lookMoto()
	return append([]string{name}, args...), err
})

// motoCommand finds moto_server, or python3 with the moto package (once per process).
func motoCommand() (string, []string, error) {
	cmd, err := findMoto()
	if err != nil {
		return "", nil, err
	}
	return cmd[0], append([]string{}, cmd[1:]...), nil
}

func lookMoto() (string, []string, error) {
	if p, err := exec.LookPath("moto_server"); err == nil {
		if exec.Command(p, "--help").Run() == nil {
			return p, nil, nil
		}
	}
	if p, err := exec.LookPath("python3"); err == nil {
		if exec.Command(p, "-c", "import moto.server").Run() == nil {
			return p, []string{"-m", "moto.server"}, nil
		}
	}
	return "", nil, ErrNoMoto
}

// motoEnv is the server's environment: the caller's without the AWS profile settings
// (boto3 fails on an empty or missing profile), with dummy credentials.
func motoEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "AWS_PROFILE", k == "AWS_DEFAULT_PROFILE", k == "AWS_CONFIG_FILE", k == "AWS_SHARED_CREDENTIALS_FILE":
		case strings.HasPrefix(k, "AWS_") && v == "":
		default:
			out = append(out, kv)
		}
	}
	return append(out, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_DEFAULT_REGION="+Region)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
