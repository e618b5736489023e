package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/demo"
	"github.com/bcdr/bcdr/workflows"
)

// These are bcdr's end-to-end tests: the real binary's code (run), the embedded engine,
// real workers, sometimes in child processes that the tests kill. A child process is this
// test binary re-executed with E2E_BCDR_ARGS set: TestMain then runs bcdr with those
// arguments instead of the tests, so no second build is needed.

func TestMain(m *testing.M) {
	if args := os.Getenv("E2E_BCDR_ARGS"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, "E2E_BCDR_ARGS:", err)
			os.Exit(2)
		}
		ctx, stop := signalContext()
		endProfile := profileOnSignal()
		code := run(ctx, argv, os.Stdin, os.Stdout, os.Stderr, os.Getenv, os.Environ())
		endProfile()
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// env is a test's environment: its own HOME (so no user config leaks in), a config file
// with the demo's groups, and the engine address once known.
type env struct {
	t    *testing.T
	vars map[string]string
	dir  string
}

func newEnv(t *testing.T) *env {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bcdr.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("groups:\n  incident-commanders: [alice, bob]\n"), 0o600))
	return &env{t: t, dir: dir, vars: map[string]string{
		"HOME": dir, "BCDR_CONFIG": cfg, "BCDR_DATA_DIR": filepath.Join(dir, "data"), "BCDR_IDENTITY_USER": "alice",
	}}
}

func (e *env) getenv(k string) string { return e.vars[k] }

func (e *env) environ() []string {
	var out []string
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	return out
}

// cli runs bcdr in-process and returns its output and exit status.
func (e *env) cli(args ...string) (string, string, int) {
	e.t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, args, strings.NewReader(""), &out, &errb, e.getenv, e.environ())
	return out.String(), errb.String(), code
}

// mustCLI runs bcdr and fails the test unless it exits 0.
func (e *env) mustCLI(args ...string) string {
	e.t.Helper()
	out, errOut, code := e.cli(args...)
	require.Equal(e.t, 0, code, "bcdr %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), out, errOut)
	return out
}

// proc is bcdr running in a child process.
type proc struct {
	name string // "bcdr dev": what the test calls it
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	logs *syncBuffer
}

// spawn starts bcdr in a child process; the process is killed at the end of the test.
func (e *env) spawn(args ...string) *proc {
	e.t.Helper()
	argv, _ := json.Marshal(args)
	p := &proc{name: "bcdr " + args[0], cmd: exec.Command(os.Args[0]), done: make(chan struct{}), logs: &syncBuffer{}}
	p.cmd.Env = append(e.environ(), "E2E_BCDR_ARGS="+string(argv), "PATH="+os.Getenv("PATH"))
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(e.t, p.cmd.Start())
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	e.t.Cleanup(func() {
		p.kill()
		if e.t.Failed() {
			e.t.Logf("bcdr %s output:\n%s", strings.Join(args, " "), p.logs.String())
		}
	})
	return p
}

// kill sends SIGKILL (no clean shutdown) and waits for the process to be gone.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// eventually polls cond until it holds or the deadline passes, as the function of that
// name does, and fails at once, with the process's output, when the process exits first.
func (p *proc) eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	eventually(t, what, timeout, func() bool {
		require.False(t, p.exited(), "%s exited:\n%s", p.name, p.logs.String())
		return cond()
	})
}

// ready says whether the bcdr server, dev or worker at url (http://host:port) answers
// /readyz with 200.
func ready(url string) bool {
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// status reads a run's live state through the CLI.
func (e *env) status(runID string) workflows.Status {
	e.t.Helper()
	var st workflows.Status
	require.NoError(e.t, json.Unmarshal([]byte(e.mustCLI("status", runID, "--output", "json")), &st))
	return st
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startDev starts `bcdr dev` in a child process on free ports and waits until it serves.
func (e *env) startDev(port int) *proc {
	e.t.Helper()
	return e.startDevAt(port, 0, 0)
}

// startDevAt starts `bcdr dev` on the given ports (0: a free one; the Web UI too) and
// waits until it serves.
func (e *env) startDevAt(port, uiPort, httpPort int) *proc {
	e.t.Helper()
	p := e.spawnDev(port, uiPort, "127.0.0.1:"+strconv.Itoa(httpPort))
	p.eventually(e.t, "bcdr dev to accept connections", 2*time.Minute, e.engineAnswers)
	return p
}

// spawnDev starts `bcdr dev` in a child process (devArgs); the caller waits for what it
// needs.
func (e *env) spawnDev(port, uiPort int, http string) *proc {
	e.t.Helper()
	return e.spawn(e.devArgs(port, uiPort, http)...)
}

// devArgs is the command line of a `bcdr dev` with the engine's frontend on port (the
// CLI's temporal.address from then on), the Web UI on uiPort and the HTTP API on http
// (an address as --http takes it).
func (e *env) devArgs(port, uiPort int, http string) []string {
	e.vars["BCDR_TEMPORAL_ADDRESS"] = "127.0.0.1:" + strconv.Itoa(port)
	return []string{"dev", "--port", strconv.Itoa(port), "--ui-port", strconv.Itoa(uiPort), "--http", http}
}

// engineAnswers says whether the CLI reaches the engine at temporal.address (it answers
// that a run does not exist).
func (e *env) engineAnswers() bool {
	_, errOut, code := e.cli("status", "no-such-run")
	return code == 1 && strings.Contains(errOut, "no such run")
}

const demoRunbook = "../../runbooks/library/demo-failover.yaml"

func demoParams(svc *demo.Service) []string {
	return []string{"--param", "primary_url=" + svc.Primary, "--param", "standby_url=" + svc.Standby, "--param", "router_url=" + svc.Router}
}

// startDemoRun starts the demo runbook (a live run against svc) and waits until it waits
// for its approval, approve_failover; it returns the run's id.
func (e *env) startDemoRun(svc *demo.Service) string {
	e.t.Helper()
	runID := strings.TrimSpace(e.mustCLI(append([]string{"run", demoRunbook}, demoParams(svc)...)...))
	eventually(e.t, "the approval to be pending", 30*time.Second, func() bool {
		st := e.status(runID)
		return len(st.Pending) == 1 && st.Pending[0].Step == "approve_failover"
	})
	return runID
}

func startDemoService(t *testing.T) *demo.Service {
	svc, err := demo.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

func TestDemoRunsEndToEnd(t *testing.T) {
	e := newEnv(t)
	// make demo on a fresh machine: no configuration, so no groups; the demo's own two
	// incident commanders must still be known to its worker, which takes groups from
	// the configuration only.
	require.NoError(t, os.WriteFile(e.vars["BCDR_CONFIG"], nil, 0o600))
	out := e.mustCLI("demo")
	assert.Contains(t, out, "refused (four-eyes rule: alice started this run")
	assert.Contains(t, out, "bob approves approve_failover")
	assert.Contains(t, out, "state    SUCCEEDED")
	assert.Regexp(t, `RTO      \S+ actual / 5m target  \(met\)`, out)
	assert.Regexp(t, `RPO      \S+ actual / 5s target  \(met\) \(newest recovered marker`, out)
	assert.Contains(t, out, "router now serves from: standby")
	assert.Contains(t, out, "evidence bundle: "+filepath.Join(e.dir, "data", "demo", "evidence", "bundles", "0000000001-demo-failover-"))

	// A second demo extends the same chain; the report and the chain verify; one
	// edited byte is caught.
	e.mustCLI("demo", "--mode", "drill")
	demoData := filepath.Join(e.dir, "data", "demo")
	out = e.mustCLI("evidence", "verify", "--data-dir", demoData)
	assert.Contains(t, out, "2 bundles, chain intact")
	list := e.mustCLI("evidence", "list", "--data-dir", demoData, "--output", "json")
	var manifests []struct{ RunID, Mode string }
	require.NoError(t, json.Unmarshal([]byte(list), &manifests))
	require.Len(t, manifests, 2)
	assert.Equal(t, "drill", manifests[1].Mode)
	report := e.mustCLI("report", manifests[0].RunID, "--data-dir", demoData)
	assert.Contains(t, report, "# Recovery report: demo-failover")
	assert.Contains(t, report, "| bob | approved | approve_failover |")

	bundles, err := filepath.Glob(filepath.Join(demoData, "evidence", "bundles", "0000000001-*", "report.md"))
	require.NoError(t, err)
	require.Len(t, bundles, 1)
	b, err := os.ReadFile(bundles[0])
	require.NoError(t, err)
	b[len(b)/2] ^= 1
	require.NoError(t, os.WriteFile(bundles[0], b, 0o600))
	out, _, code := e.cli("evidence", "verify", "--data-dir", demoData)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "TAMPERED: bundle 1 (run "+manifests[0].RunID+"): report.md was changed")
}

// TestTabletopThroughTheCLI runs a library tabletop: two participants answer, the
// facilitator advances, findings are recorded, and the after-action report has it all.
func TestTabletopThroughTheCLI(t *testing.T) {
	e := newEnv(t)
	port := freePort(t)
	e.startDev(port)
	e.vars["BCDR_IDENTITY_USER"] = "facilitator"
	runID := strings.TrimSpace(e.mustCLI("run", "../../runbooks/library/ransomware-file-servers-tabletop.yaml",
		"--mode", "tabletop", "--speed", "3600", "--participant", "sre", "--participant", "ciso"))
	answered := 0
	for {
		st := e.status(runID)
		if st.State.Done() {
			require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
			break
		}
		if len(st.Pending) == 0 {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		for _, p := range st.Pending {
			require.Equal(t, "prompt", p.Kind)
			e.vars["BCDR_IDENTITY_USER"] = "sre"
			e.mustCLI("complete", runID, p.Step, "-m", "sre answer to "+p.Step)
			e.vars["BCDR_IDENTITY_USER"] = "ciso"
			e.mustCLI("complete", runID, p.Step, "-m", "ciso answer to "+p.Step)
			answered++
		}
		if answered == 1 {
			e.mustCLI("finding", runID, "--kind", "action", "--owner", "sre", "-m", "keep an offline share map")
			_, errOut, code := e.cli("advance", runID)
			assert.Equal(t, 1, code)
			assert.Contains(t, errOut, "only the facilitator")
		}
		e.vars["BCDR_IDENTITY_USER"] = "facilitator"
		e.mustCLI("advance", runID)
	}
	assert.Greater(t, answered, 2)
	report := e.mustCLI("report", runID)
	assert.Contains(t, report, "# After-action report: ransomware-file-servers-tabletop (tabletop exercise)")
	assert.Contains(t, report, "## Injects")
	assert.Contains(t, report, "| ciso | answered |")
	assert.Contains(t, report, "| action | keep an offline share map | sre |")
}

// TestEngineKilledMidRunResumes kills `bcdr dev` (engine, worker and all) with SIGKILL
// while a run waits for its approval, starts it again on the same data folder, and the
// run completes from where it was, every step executed once.
func TestEngineKilledMidRunResumes(t *testing.T) {
	e := newEnv(t)
	svc := startDemoService(t)
	svc.Fail("primary")
	port := freePort(t)
	dev := e.startDev(port)

	runID := e.startDemoRun(svc)
	dev.kill()

	e.startDev(port)
	_, errOut, code := e.cli("approve", runID, "approve_failover", "-m", "me too")
	assert.Equal(t, 1, code, "the initiator is refused")
	assert.Contains(t, errOut, "four-eyes")
	e.vars["BCDR_IDENTITY_USER"] = "bob"
	assert.Contains(t, e.mustCLI("approve", runID, "approve_failover", "-m", "primary confirmed down"), "step approve_failover approved by bob")

	var st workflows.Status
	eventually(t, "the run to end", 30*time.Second, func() bool { st = e.status(runID); return st.State.Done() })
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	for _, s := range st.Steps {
		assert.Equal(t, workflows.StepSucceeded, s.Status, s.ID)
		if s.Uses != "approval" {
			assert.Equal(t, 1, s.Attempts, "step %s ran once", s.ID)
		}
	}
	assert.Len(t, svc.Switches(), 1, "the router was switched exactly once")
	assert.Equal(t, "standby", svc.Active())
	out := e.mustCLI("status", runID)
	assert.Contains(t, out, "approved by bob: primary confirmed down")

	var runs []api.RunSummary
	eventually(t, "the run to be listed with its outcome", 10*time.Second, func() bool {
		require.NoError(t, json.Unmarshal([]byte(e.mustCLI("runs", "--service", "demo-web", "--since", "1h", "--output", "json")), &runs))
		return len(runs) == 1 && runs[0].Outcome == "succeeded"
	})
	assert.Equal(t, runID, runs[0].RunID)
	assert.Equal(t, "live", runs[0].Mode)
	require.NoError(t, json.Unmarshal([]byte(e.mustCLI("runs", "--mode", "drill", "--output", "json")), &runs))
	assert.Empty(t, runs)
}

// TestWorkerKilledMidRunResumes runs the demo with its worker in a separate process,
// kills that worker while the run is in flight, starts a new one, and the run completes
// with every step executed once.
func TestWorkerKilledMidRunResumes(t *testing.T) {
	e := newEnv(t)
	svc := startDemoService(t)
	svc.Fail("primary")
	port := freePort(t)
	e.startDev(port)
	// The dev process has a worker too; a second worker process on the same queue is
	// the one this test kills. To be sure the run is served by a worker that dies, the
	// dev process's worker is not used: the run goes to a task queue only the external
	// workers serve.
	e.vars["BCDR_TEMPORAL_TASK_QUEUE"] = "e2e-workers"
	// bcdr worker refuses loopback to steps unless egress.allow lists it: the demo
	// service is on loopback.
	e.vars["BCDR_EGRESS_ALLOW"] = "127.0.0.1"
	w1 := e.spawn("worker")

	runID := e.startDemoRun(svc)
	w1.kill()
	e.spawn("worker")

	e.vars["BCDR_IDENTITY_USER"] = "bob"
	e.mustCLI("approve", runID, "approve_failover", "-m", "go")
	var st workflows.Status
	eventually(t, "the run to end", 30*time.Second, func() bool { st = e.status(runID); return st.State.Done() })
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	for _, s := range st.Steps {
		if s.Uses != "approval" {
			assert.Equal(t, 1, s.Attempts, "step %s ran once", s.ID)
		}
	}
	assert.Len(t, svc.Switches(), 1, "the router was switched exactly once")
	recordHistory(t, e, runID, "demo-failover-live.json")
}

func TestValidateReportsEveryProblem(t *testing.T) {
	e := newEnv(t)
	bad := filepath.Join(e.dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(`apiVersion: bcdr.io/v1
kind: Runbook
metadata:
  name: broken
steps:
  - id: a
    uses: http.chek
    with: {url: http://x}
  - id: b
    uses: wait
    needs: [nowhere]
    with: {duration: soon}
  - id: a
    uses: noop
    timeout: 5 minutes
`), 0o600))
	out, _, code := e.cli("validate", bad, demoRunbook)
	assert.Equal(t, 1, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.GreaterOrEqual(t, len(lines), 5, out)
	for _, want := range []string{bad + ":7:11:", bad + ":11:13:", bad + ":12:", bad + ":13:", bad + ":15:", demoRunbook + ": valid"} {
		assert.Contains(t, out, want)
	}
}

// TestLibraryValidatesWithRealKinds checks every library runbook against the registry the
// binary uses, with the real AWS kinds (the runbooks package's own tests cannot import
// them).
func TestLibraryValidatesWithRealKinds(t *testing.T) {
	e := newEnv(t)
	files, err := filepath.Glob("../../runbooks/library/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := e.mustCLI(append([]string{"validate"}, files...)...)
	assert.Equal(t, len(files), strings.Count(out, ": valid"), out)
	for _, f := range files {
		e.mustCLI("plan", f, "--output", "json")
		e.mustCLI("doc", f)
	}
}

func TestConfigPrintsEffectiveConfigMasked(t *testing.T) {
	e := newEnv(t)
	e.vars["BCDR_TEMPORAL_API_KEY"] = "super-secret-key"
	out := e.mustCLI("config", "--namespace", "dr")
	assert.Contains(t, out, "namespace: dr")
	assert.Contains(t, out, "api_key: '***'")
	assert.NotContains(t, out, "super-secret-key")

	_, errOut, code := e.cli("config", "--log-level", "loud")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "log.level")
}

// recordHistory writes the run's event history to workflows/testdata/histories when
// BCDR_RECORD_HISTORIES is set, for the workflows package's replay test.
func recordHistory(t *testing.T, e *env, runID, name string) {
	if os.Getenv("BCDR_RECORD_HISTORIES") == "" {
		return
	}
	ctx := context.Background()
	c, err := dial(ctx, mustConfig(t, e), discard())
	require.NoError(t, err)
	defer c.Close()
	it := c.GetWorkflowHistory(ctx, runID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, ev)
	}
	doc, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(hist)
	require.NoError(t, err)
	path := filepath.Join("..", "..", "workflows", "testdata", "histories", name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, doc, 0o644))
	t.Logf("recorded %d events to %s", len(hist.Events), path)
}

// mustConfig loads the configuration the CLI would see in e.
func mustConfig(t *testing.T, e *env) *config.Config {
	cfg, err := config.Load(config.Source{File: e.vars["BCDR_CONFIG"], Getenv: e.getenv, Environ: e.environ()})
	require.NoError(t, err)
	return cfg
}

// syncBuffer collects a child process's two output streams while a test reads them.
type syncBuffer = awstest.SyncBuffer
