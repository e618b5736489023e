package engine

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/history/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

const taskQueue = "engine-test"

// The workflows and activities below exist only to exercise the engine.

func greetWorkflow(ctx workflow.Context, runbook string) (string, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		temporal.NewSearchAttributeKeyKeyword("BcdrRunbook").ValueSet(runbook)); err != nil {
		return "", err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, greet, runbook).Get(ctx, &out)
	return out, err
}

func greet(_ context.Context, name string) (string, error) { return "hello " + name, nil }

func sleepWorkflow(ctx workflow.Context, d time.Duration) error { return workflow.Sleep(ctx, d) }

func signalWorkflow(ctx workflow.Context) (string, error) {
	var v string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &v)
	return v, nil
}

// testOptions starts on free ports in dir, with the server's logs at Error
// and above on stderr.
func testOptions(dir string) Options {
	return Options{
		DataDir:      dir,
		FrontendPort: PickFreePort,
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

func startEngine(t testing.TB, o Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	s, err := Start(ctx, o)
	require.NoError(t, err)
	t.Logf("engine ready on %s in %s", s.Address(), time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func dial(t testing.TB, s *Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.Address(),
		Namespace: s.Namespace(),
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func startWorker(t testing.TB, c client.Client, register func(worker.Worker)) worker.Worker {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	register(w)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return w
}

func registerTestWorkflows(w worker.Worker) {
	w.RegisterWorkflow(greetWorkflow)
	w.RegisterWorkflow(sleepWorkflow)
	w.RegisterWorkflow(signalWorkflow)
	w.RegisterActivityWithOptions(greet, activity.RegisterOptions{Name: "greet"})
}

func TestEngineKeepsRunsAcrossRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "data")

	// First start: fresh data folder, defaults.
	s1 := startEngine(t, testOptions(dir))
	info, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "data folder mode")
	assert.FileExists(t, filepath.Join(dir, "temporal.db-wal"), "database in WAL mode")
	c1 := dial(t, s1)
	assertNamespace(ctx, t, c1, s1.Namespace(), DefaultRetention)

	_, err = Start(ctx, testOptions(dir))
	require.ErrorContains(t, err, "in use by another engine", "a second engine on the same data folder")

	w1 := startWorker(t, c1, registerTestWorkflows)
	start := func(id string, wf any, args ...any) client.WorkflowRun {
		run, err := c1.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, wf, args...)
		require.NoError(t, err)
		return run
	}
	var greeting string
	require.NoError(t, start("greet", greetWorkflow, "x").Get(ctx, &greeting))
	assert.Equal(t, "hello x", greeting)

	start("sleep", sleepWorkflow, 3*time.Second)
	start("signal", signalWorkflow)
	waitForEvent(ctx, t, c1, "sleep", enums.EVENT_TYPE_TIMER_STARTED)
	waitForEvent(ctx, t, c1, "signal", enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)

	// Drop one attribute: the next start must add it back.
	_, err = c1.OperatorService().RemoveSearchAttributes(ctx, &operatorservice.RemoveSearchAttributesRequest{
		Namespace: s1.Namespace(), SearchAttributes: []string{"BcdrOutcome"},
	})
	require.NoError(t, err)

	w1.Stop()
	c1.Close()
	require.NoError(t, s1.Stop())
	stoppedAt := time.Now()

	// Second start: same data folder, new ports, other retention, Web UI.
	o := testOptions(dir)
	o.Retention = 7 * 24 * time.Hour
	o.UIPort = PickFreePort
	// Re-adding BcdrOutcome waits for the frontend's namespace cache;
	// refresh it often so that the wait is short.
	o.DynamicConfig = map[string]any{"system.namespaceCacheRefreshInterval": 100 * time.Millisecond}
	s2 := startEngine(t, o)
	c2 := dial(t, s2)
	assertNamespace(ctx, t, c2, s2.Namespace(), 7*24*time.Hour)
	startWorker(t, c2, registerTestWorkflows)

	desc, err := c2.DescribeWorkflowExecution(ctx, "greet", "")
	require.NoError(t, err)
	assert.Equal(t, enums.WORKFLOW_EXECUTION_STATUS_COMPLETED, desc.GetWorkflowExecutionInfo().GetStatus())
	pollUntil(ctx, t, "the earlier run is listed by its search attribute", func() bool {
		resp, err := c2.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: `BcdrRunbook = "x"`})
		require.NoError(t, err)
		return len(resp.GetExecutions()) == 1 && resp.GetExecutions()[0].GetExecution().GetWorkflowId() == "greet"
	})

	require.NoError(t, c2.SignalWorkflow(ctx, "signal", "", "go", "resumed"))
	require.NoError(t, c2.GetWorkflow(ctx, "signal", "").Get(ctx, &greeting))
	assert.Equal(t, "resumed", greeting)

	require.NoError(t, c2.GetWorkflow(ctx, "sleep", "").Get(ctx, nil))
	fired := findEvent(ctx, t, c2, "sleep", enums.EVENT_TYPE_TIMER_FIRED)
	require.NotNil(t, fired)
	assert.True(t, fired.GetEventTime().AsTime().After(stoppedAt),
		"the timer fired in the second engine (%s), not before the first stopped (%s)", fired.GetEventTime().AsTime(), stoppedAt)

	resp, err := http.Get("http://" + s2.UIAddress() + "/")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "web ui")

	require.NoError(t, s2.Stop())
	_, err = net.DialTimeout("tcp", s2.UIAddress(), time.Second)
	assert.Error(t, err, "web ui still listening after Stop")
	_, err = net.DialTimeout("tcp", s2.Address(), time.Second)
	assert.Error(t, err, "frontend still listening after Stop")
}

func assertNamespace(ctx context.Context, t *testing.T, c client.Client, ns string, retention time.Duration) {
	t.Helper()
	desc, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	require.NoError(t, err)
	assert.Equal(t, retention, desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(), "retention")
	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	require.NoError(t, err)
	for name, typ := range SearchAttributes {
		assert.Equal(t, typ, sa.GetCustomAttributes()[name], "search attribute %s", name)
	}
}

func TestStartRejectsBadSetup(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	busyAddr := "127.0.0.1:" + strconv.Itoa(busyPort)

	notAFolder := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notAFolder, nil, 0o600))

	tests := []struct {
		name string
		edit func(*Options)
		want []string
	}{
		{"no data folder", func(o *Options) { o.DataDir = "" }, []string{"data folder is required"}},
		{"data folder is a file", func(o *Options) { o.DataDir = notAFolder }, []string{notAFolder, "not a folder"}},
		{"data folder under a file", func(o *Options) { o.DataDir = filepath.Join(notAFolder, "data") }, []string{filepath.Join(notAFolder, "data"), "cannot be created"}},
		{"frontend port in use", func(o *Options) { o.FrontendPort = busyPort }, []string{"frontend port " + busyAddr + " is in use"}},
		{"ui port in use", func(o *Options) { o.UIPort = busyPort }, []string{"ui port " + busyAddr + " is in use"}},
		{"bad ip", func(o *Options) { o.IP = "localhost" }, []string{`ip "localhost" is not an IP address`}},
		{"bad port", func(o *Options) { o.FrontendPort = 70000 }, []string{"frontend port 70000 is out of range"}},
		{"short retention", func(o *Options) { o.Retention = time.Minute }, []string{"retention 1m0s is below the server's minimum of 1h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOptions(t.TempDir())
			tt.edit(&o)
			s, err := Start(context.Background(), o)
			require.Error(t, err)
			assert.Nil(t, s)
			for _, want := range tt.want {
				assert.Contains(t, err.Error(), want)
			}
			if o.DataDir != "" {
				assert.NoFileExists(t, filepath.Join(o.DataDir, dbFileName), "no database before the checks pass")
			}
		})
	}

	t.Run("data folder not writable", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Chmod(dir, 0o500))
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
		if os.Geteuid() == 0 {
			// Root writes to read-only folders; sysfs refuses new files to
			// everyone.
			dir = "/sys/kernel"
			if info, err := os.Stat(dir); err != nil || !info.IsDir() {
				t.Skip("running as root and no read-only folder to test with")
			}
		}
		_, err := Start(context.Background(), testOptions(dir))
		require.Error(t, err)
		assert.Contains(t, err.Error(), dir)
		assert.Contains(t, err.Error(), "not writable")
	})
}

func waitForEvent(ctx context.Context, t *testing.T, c client.Client, workflowID string, typ enums.EventType) {
	t.Helper()
	pollUntil(ctx, t, workflowID+" has "+typ.String(), func() bool {
		return findEvent(ctx, t, c, workflowID, typ) != nil
	})
}

// findEvent returns the first event of type typ in the latest run of
// workflowID, or nil.
func findEvent(ctx context.Context, t *testing.T, c client.Client, workflowID string, typ enums.EventType) *history.HistoryEvent {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if ev.GetEventType() == typ {
			return ev
		}
	}
	return nil
}

// pollUntil checks cond every 20ms until it holds or ctx ends.
func pollUntil(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting until %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
