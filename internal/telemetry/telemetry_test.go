package telemetry_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"

	"github.com/bcdr/bcdr/internal/telemetry"
)

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

// TestMetricsInPrometheusFormat records through the SDK metrics handler, the way
// workflow code does, and reads the result the way Prometheus does.
func TestMetricsInPrometheusFormat(t *testing.T) {
	tel, err := telemetry.New(context.Background(), telemetry.Options{Service: "bcdr-test"})
	require.NoError(t, err)
	defer tel.Shutdown(context.Background())
	assert.False(t, tel.Tracing())
	assert.Empty(t, tel.Interceptors(), "no tracing interceptor unless tracing is configured")

	h := tel.MetricsHandler().WithTags(map[string]string{"runbook": "failover", "mode": "drill"})
	h.WithTags(map[string]string{"outcome": "succeeded"}).Counter("bcdr_runs").Inc(1)
	h.WithTags(map[string]string{"outcome": "succeeded"}).Counter("bcdr_runs").Inc(1)
	h.WithTags(map[string]string{"met": "true"}).Timer("bcdr_rto_achieved").Record(42 * time.Minute)
	h.Gauge("bcdr_test_gauge").Update(3)

	out := scrape(t, tel.Handler())
	assert.Contains(t, out, `bcdr_runs_total{mode="drill",outcome="succeeded",runbook="failover"} 2`)
	// 42 minutes lands between the 1800 s and 3600 s bounds: the buckets fit recovery times.
	assert.Contains(t, out, `bcdr_rto_achieved_seconds_bucket{met="true",mode="drill",runbook="failover",le="1800"} 0`)
	assert.Contains(t, out, `bcdr_rto_achieved_seconds_bucket{met="true",mode="drill",runbook="failover",le="3600"} 1`)
	assert.Contains(t, out, `bcdr_rto_achieved_seconds_sum{met="true",mode="drill",runbook="failover"} 2520`)
	assert.Contains(t, out, `bcdr_test_gauge{mode="drill",runbook="failover"} 3`)
	assert.Contains(t, out, "go_goroutines", "the Go runtime's metrics are served too")
	assert.NotContains(t, out, "otel_scope_name")
}

// collector is an OTLP/gRPC trace collector that keeps the span names it receives.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	names []string
	attrs map[string]string // resource attributes
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, kv := range rs.GetResource().GetAttributes() {
			c.attrs[kv.Key] = kv.GetValue().GetStringValue()
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.names = append(c.names, s.Name)
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func (c *collector) spans() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...)
}

func startCollector(t *testing.T) (*collector, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c := &collector{attrs: map[string]string{}}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, c)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return c, ln.Addr().String()
}

func greet(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var out string
	err := workflow.ExecuteActivity(ctx, hello, name).Get(ctx, &out)
	return out, err
}

func hello(_ context.Context, name string) (string, error) { return "hello " + name, nil }

// TestTracingExportsWorkflowSpans runs a workflow through the tracing interceptor with
// the OTLP exporter pointed at a collector, as tracing.endpoint does, and checks that the
// workflow's and the activity's spans arrive there.
func TestTracingExportsWorkflowSpans(t *testing.T) {
	col, addr := startCollector(t)
	tel, err := telemetry.New(context.Background(), telemetry.Options{
		Service: "bcdr-worker", Version: "test", TracingEndpoint: addr, TracingInsecure: true, SampleRatio: 1,
	})
	require.NoError(t, err)
	require.True(t, tel.Tracing())
	require.Len(t, tel.Interceptors(), 1)

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	var workerInterceptors []interceptor.WorkerInterceptor
	for _, i := range tel.Interceptors() {
		workerInterceptors = append(workerInterceptors, i.(interceptor.WorkerInterceptor))
	}
	env.SetWorkerOptions(worker.Options{Interceptors: workerInterceptors})
	env.RegisterWorkflow(greet)
	env.RegisterActivity(hello)
	env.ExecuteWorkflow(greet, "bcdr")
	require.NoError(t, env.GetWorkflowError())

	require.NoError(t, tel.Shutdown(context.Background()), "shutdown flushes the spans")
	names := strings.Join(col.spans(), " ")
	assert.Contains(t, names, "RunWorkflow:greet")
	assert.Contains(t, names, "RunActivity:hello")
	assert.Equal(t, "bcdr-worker", col.attrs["service.name"])
	assert.Equal(t, "test", col.attrs["service.version"])
}

func TestSampleRatioZeroRecordsNothing(t *testing.T) {
	col, addr := startCollector(t)
	tel, err := telemetry.New(context.Background(), telemetry.Options{Service: "bcdr-worker", TracingEndpoint: addr, TracingInsecure: true, SampleRatio: 0})
	require.NoError(t, err)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{tel.Interceptors()[0].(interceptor.WorkerInterceptor)}})
	env.RegisterWorkflow(greet)
	env.RegisterActivity(hello)
	env.ExecuteWorkflow(greet, "bcdr")
	require.NoError(t, env.GetWorkflowError())
	require.NoError(t, tel.Shutdown(context.Background()))
	assert.Empty(t, col.spans())
}
