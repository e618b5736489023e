package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/config"
	"github.com/bcdr/bcdr/engine"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// benchEngine starts the tuned embedded engine and a worker serving the interpreter, the
// builtin actions and the hand-written comparison workflow.
func benchEngine(b *testing.B) client.Client {
	b.Helper()
	eng, err := engine.Start(context.Background(), engine.Options{
		DataDir: b.TempDir(), FrontendPort: engine.PickFreePort, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(b, err)
	b.Cleanup(func() { _ = eng.Stop() })
	c, err := client.Dial(client.Options{HostPort: eng.Address(), Namespace: eng.Namespace(), Logger: quietSDKLogger()})
	require.NoError(b, err)
	b.Cleanup(c.Close)
	cfg := &config.Config{Temporal: config.Temporal{TaskQueue: "bench"}}
	w := newWorker(c, cfg, slog.New(slog.DiscardHandler))
	w.RegisterWorkflowWithOptions(handWritten, workflow.RegisterOptions{Name: "bench.HandWritten"})
	require.NoError(b, w.Start())
	b.Cleanup(w.Stop)
	return c
}

func quietSDKLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(nopWriter{}, nil))
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// handWritten is what a Go developer would write without bcdr: n sequential activities.
func handWritten(ctx workflow.Context, n int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for i := 0; i < n; i++ {
		req := activities.Request{StepID: fmt.Sprint("s", i), With: map[string]any{}}
		if err := workflow.ExecuteActivity(ctx, runbooks.KindNoop, req).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// chain generates a runbook of n sequential noop steps.
func chain(n int) string {
	var sb strings.Builder
	sb.WriteString("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: bench-chain}\nsteps:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "  - id: s%d\n    uses: noop\n", i)
		if i > 0 {
			fmt.Fprintf(&sb, "    needs: s%d\n", i-1)
		}
	}
	return sb.String()
}

// dag generates a layered DAG: layers x width steps of the given duration, each step
// needing two steps of the layer before (a fixed pattern, so runs compare).
func dag(layers, width int, step time.Duration) string {
	var sb strings.Builder
	sb.WriteString("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: bench-dag}\nsteps:\n")
	for l := 0; l < layers; l++ {
		for w := 0; w < width; w++ {
			fmt.Fprintf(&sb, "  - id: l%dw%d\n    uses: noop\n", l, w)
			if step > 0 {
				fmt.Fprintf(&sb, "    with: {sleep: %s}\n", step)
			}
			if l > 0 {
				fmt.Fprintf(&sb, "    needs: [l%dw%d, l%dw%d]\n", l-1, w, l-1, (w*7+3)%width)
			}
		}
	}
	return sb.String()
}

func runRunbook(b *testing.B, c client.Client, src string) (time.Duration, workflows.Status) {
	b.Helper()
	rb, diags := runbooks.Parse("bench.yaml", []byte(src), nil)
	require.False(b, diags.HasErrors(), "%v", diags)
	ctx := context.Background()
	start := time.Now()
	id, err := startRun(ctx, c, "bench", workflows.Input{Runbook: *rb, Mode: workflows.ModeLive, Initiator: workflows.Actor{Name: "bench"}})
	require.NoError(b, err)
	st, err := waitRun(ctx, c, id)
	require.NoError(b, err)
	require.Equal(b, workflows.RunSucceeded, st.State, st.Error)
	return time.Since(start), st
}

// BenchmarkInterpreterOverhead runs 200 sequential no-op steps through the interpreter and
// the same 200 activities through a hand-written workflow on the same tuned engine; the
// ratio is what the interpreter costs per step.
func BenchmarkInterpreterOverhead(b *testing.B) {
	const n = 200
	c := benchEngine(b)
	ctx := context.Background()
	src := chain(n)
	runRunbook(b, c, chain(5)) // warm up the worker and the task queues
	var interp, hand time.Duration
	for i := 0; i < b.N; i++ {
		d, _ := runRunbook(b, c, src)
		interp += d
		start := time.Now()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "bench"}, "bench.HandWritten", n)
		require.NoError(b, err)
		require.NoError(b, run.Get(ctx, nil))
		hand += time.Since(start)
	}
	perInterp := float64(interp.Microseconds()) / 1000 / float64(n*b.N)
	perHand := float64(hand.Microseconds()) / 1000 / float64(n*b.N)
	b.ReportMetric(perInterp, "ms/step-interpreter")
	b.ReportMetric(perHand, "ms/step-handwritten")
	b.ReportMetric(perInterp/perHand, "ratio")
}

// BenchmarkParallelMakespan runs a 500-step DAG (10 layers of 50) of 200 ms steps and
// compares its makespan with its critical path (10 x 200 ms).
func BenchmarkParallelMakespan(b *testing.B) {
	const layers, width, step = 10, 50, 200 * time.Millisecond
	c := benchEngine(b)
	runRunbook(b, c, chain(5))
	src := dag(layers, width, step)
	critical := time.Duration(layers) * step
	var total time.Duration
	for i := 0; i < b.N; i++ {
		_, st := runRunbook(b, c, src)
		total += st.EndedAt.Sub(st.StartedAt)
	}
	makespan := total / time.Duration(b.N)
	b.ReportMetric(float64(makespan.Milliseconds()), "ms-makespan")
	b.ReportMetric(float64(critical.Milliseconds()), "ms-critical-path")
	b.ReportMetric(float64(makespan)/float64(critical), "x-critical-path")
}

// BenchmarkLargeRunbook runs a 5,000-step runbook (100 layers of 50 no-op steps): it
// needs more than one history, so it also exercises continue-as-new on the real engine.
func BenchmarkLargeRunbook(b *testing.B) {
	c := benchEngine(b)
	src := dag(100, 50, 0)
	for i := 0; i < b.N; i++ {
		d, st := runRunbook(b, c, src)
		require.Len(b, st.Steps, 5000)
		for _, s := range st.Steps {
			require.Equal(b, workflows.StepSucceeded, s.Status, s.ID)
		}
		b.ReportMetric(float64(d.Milliseconds()), "ms-total")
		b.ReportMetric(5000/d.Seconds(), "steps/s")
	}
}
