package engine

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

const benchSteps = 200

// sequentialWorkflow runs n no-op activities one after the other: the shape
// of a runbook whose every step waits for the one before, where the engine's
// per-step overhead adds up.
func sequentialWorkflow(ctx workflow.Context, n int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	for range n {
		if err := workflow.ExecuteActivity(ctx, noop).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

func noop(context.Context) error { return nil }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkSequentialActivities reports ms/activity on the tuned engine and
// on an untuned one, so that the tuning stays proven.
func BenchmarkSequentialActivities(b *testing.B) {
	for _, bc := range []struct {
		name    string
		untuned bool
	}{{"tuned", false}, {"untuned", true}} {
		b.Run(bc.name, func(b *testing.B) {
			o := testOptions(b.TempDir())
			o.Untuned = bc.untuned
			s := startEngine(b, o)
			c := dial(b, s)
			startWorker(b, c, func(w worker.Worker) {
				w.RegisterWorkflow(sequentialWorkflow)
				w.RegisterActivityWithOptions(noop, activity.RegisterOptions{Name: "noop"})
			})
			run := func(steps int) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, sequentialWorkflow, steps)
				if err != nil {
					b.Fatal(err)
				}
				if err := r.Get(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
			run(5) // warm up: worker pollers, sticky cache, connections

			b.ResetTimer()
			cpu := processCPU()
			for range b.N {
				run(benchSteps)
			}
			cpu = processCPU() - cpu
			b.StopTimer()
			steps := time.Duration(b.N * benchSteps)
			b.ReportMetric(ms(b.Elapsed()/steps), "ms/activity")
			// CPU of the whole process per activity: on a busy machine the
			// tuned figure is bounded by this, the untuned one by waiting.
			if cpu > 0 {
				b.ReportMetric(ms(cpu/steps), "cpu-ms/activity")
			}
		})
	}
}
