package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/engine"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// The benchmark suite: `make bench` runs BenchmarkSuite once and prints one table. Each
// measurement is a sub-benchmark (go test -bench 'Suite/scale' runs one) that adds its
// rows to the table, every figure beside the comparison made in the same run, since
// only ratios survive a noisy machine. Nothing here runs without -bench.
//
// BENCH_BCDR_BIN names the bcdr binary the process measurements (scale, cold start,
// peer) run as a child process; without it they re-execute this test binary as bcdr
// (see TestMain), which starts a little slower than the real, stripped binary.

// benchRow is one line of the table.
type benchRow struct {
	measure  string // what is measured
	bcdr     string // bcdr's figure
	baseline string // what it is compared with, measured in the same run
	ratio    float64
	target   string // the target, "" when there is none
	met      string // yes, NO, or "" when there is no target
}

// benchTable collects the rows of the measurements that ran.
type benchTable struct{ rows []benchRow }

func (t *benchTable) add(r benchRow) { t.rows = append(t.rows, r) }

// print writes the table with the load average it was measured under.
func (t *benchTable) print(load string) {
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(w, "\nbcdr benchmarks (%s)\n", load)
	fmt.Fprintln(w, "measure\tbcdr\tbaseline (same run)\tratio\ttarget\tmet")
	for _, r := range t.rows {
		ratio := ""
		if r.ratio != 0 {
			ratio = fmt.Sprintf("%.2f", r.ratio)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.measure, r.bcdr, r.baseline, ratio, r.target, r.met)
	}
	_ = w.Flush()
}

// met says whether a figure met its target.
func met(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// BenchmarkSuite runs the six measurements of issue 10 and prints their table:
//
//	go test -run '^$' -bench '^BenchmarkSuite$' -benchtime 1x -timeout 30m ./cmd/bcdr
func BenchmarkSuite(b *testing.B) {
	var t benchTable
	start := loadAverage()
	for _, m := range []struct {
		name string
		run  func(*testing.B, *benchTable)
	}{
		{"sequential", benchSequential},
		{"makespan", benchMakespan},
		{"wait", benchWaitDetection},
		{"scale", benchScale},
		{"coldstart", benchColdStart},
		{"peer", benchPeer},
	} {
		skipped := false
		ok := b.Run(m.name, func(b *testing.B) {
			defer func() { skipped = b.Skipped() }()
			m.run(b, &t)
		})
		switch {
		case !ok:
			t.add(benchRow{measure: m.name + ": FAILED (see above)", met: "NO"})
		case skipped:
			t.add(benchRow{measure: m.name + ": skipped (see above)", met: "NO"})
		}
	}
	t.print(fmt.Sprintf("load average at start %s, at end %s; %d CPUs", start, loadAverage(), runtime.NumCPU()))
}

// loadAverage is the 1, 5 and 15 minute load average, from /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// benchEngine starts an embedded engine (tuned unless untuned), a client and a worker
// serving the interpreter, the builtin actions and the hand-written comparison workflow.
func benchEngine(b *testing.B, untuned bool, cfg *config.Config) (client.Client, func()) {
	b.Helper()
	eng, err := engine.Start(context.Background(), engine.Options{
		DataDir: b.TempDir(), FrontendPort: engine.PickFreePort, Untuned: untuned,
		Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(b, err)
	c, err := client.Dial(client.Options{HostPort: eng.Address(), Namespace: eng.Namespace(), Logger: quietSDKLogger()})
	require.NoError(b, err)
	if cfg == nil {
		cfg = &config.Config{}
	}
	cfg.Temporal.TaskQueue = "bench"
	steps, err := stepEgress(cfg, true, eng.Listeners()...)
	require.NoError(b, err)
	w := newWorker(c, cfg, slog.New(slog.DiscardHandler), steps)
	w.RegisterWorkflowWithOptions(handWritten, workflow.RegisterOptions{Name: "bench.HandWritten"})
	w.RegisterWorkflowWithOptions(handWrittenDAG, workflow.RegisterOptions{Name: "bench.HandWrittenDAG"})
	require.NoError(b, w.Start())
	stop := func() {
		w.Stop()
		c.Close()
		_ = eng.Stop()
	}
	return c, stop
}

func quietSDKLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

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

// handWrittenDAG is the DAG of dag(layers, width, step) written by hand: every step a
// coroutine that waits for its two needs, then runs its activity.
func handWrittenDAG(ctx workflow.Context, layers, width int, step time.Duration) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	done := make([]workflow.Future, layers*width)
	for l := range layers {
		for w := range width {
			f, set := workflow.NewFuture(ctx)
			done[l*width+w] = f
			workflow.Go(ctx, func(ctx workflow.Context) {
				if l > 0 {
					for _, n := range []int{(l-1)*width + w, (l-1)*width + (w*7+3)%width} {
						if err := done[n].Get(ctx, nil); err != nil {
							set.Set(nil, err)
							return
						}
					}
				}
				req := activities.Request{StepID: fmt.Sprintf("l%dw%d", l, w), With: map[string]any{"sleep": step.String()}}
				set.Set(nil, workflow.ExecuteActivity(ctx, runbooks.KindNoop, req).Get(ctx, nil))
			})
		}
	}
	for _, f := range done {
		if err := f.Get(ctx, nil); err != nil {
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
// needing two steps of the layer before (a fixed pattern, so runs compare). Its critical
// path is layers x step.
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

// parseBench parses a generated runbook with the kinds of cfg's registry.
func parseBench(b *testing.B, cfg *config.Config, src string) *runbooks.Runbook {
	b.Helper()
	reg, err := registry(cfg)
	require.NoError(b, err)
	rb, diags := runbooks.Parse("bench.yaml", []byte(src), reg)
	require.False(b, diags.HasErrors(), "%v", diags)
	return rb
}

// runRunbook runs rb on the "bench" task queue and returns its wall time, its record and
// its workflow id.
func runRunbook(b *testing.B, c client.Client, rb *runbooks.Runbook, mode workflows.Mode) (time.Duration, workflows.Status, string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), benchRunTimeout)
	defer cancel()
	start := time.Now()
	id, err := startRun(ctx, c, "bench", workflows.Input{Runbook: *rb, Mode: mode, Initiator: workflows.Actor{Name: "bench"}})
	require.NoError(b, err)
	st, err := waitRun(ctx, c, id)
	require.NoError(b, err)
	require.Equal(b, workflows.RunSucceeded, st.State, st.Error)
	return time.Since(start), st, id
}

// benchRunTimeout bounds every run of the suite: a run that stalls fails the
// measurement instead of hanging it.
const benchRunTimeout = 10 * time.Minute

// median returns the median of ds (0 for none).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// msf formats a duration in milliseconds with two decimals.
func msf(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// ms is a duration in milliseconds, for ReportMetric.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// startRun starts the interpreter workflow with bcdr's search attributes set, past the
// run service and its proven-version gate: the benches measure the engine.
func startRun(ctx context.Context, c client.Client, taskQueue string, in workflows.Input) (string, error) {
	id := api.RunID(in.Runbook.Metadata.Name, time.Now())
	if _, err := api.StartRun(ctx, c, taskQueue, id, in, false); err != nil {
		return "", err
	}
	return id, nil
}
