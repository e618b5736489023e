package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	workflowservice "go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/workflows"
)

// Measurement 4's loads.
const (
	largeLayers, largeWidth = 200, 50 // the 10,000-step runbook
	concurrentRuns          = 500
	concurrentSteps         = 10
)

// benchScale is measurement 4, against `bcdr dev` in a child process (engine and worker
// in one process, as a user runs it): a 10,000-step runbook (200 layers of 50 no-op
// steps; its history continues as new several times), then 500 concurrent drill runs of
// a 10-step runbook; steps per second sustained through each, and the peak resident
// memory of the process while it ran them. Every run writes its evidence bundle, as a
// run started by `bcdr run` or the API does, into bcdr dev's anchored folder store.
func benchScale(b *testing.B, t *benchTable) {
	_, p, c := readyDev(b)
	ctx, cancel := context.WithTimeout(context.Background(), benchRunTimeout)
	defer cancel()
	cfg := &config.Config{}
	queue := "bcdr" // bcdr dev's worker: the default temporal.task_queue
	idle := procStatus(p.cmd.Process.Pid, "VmRSS")
	// CPU per step of the bcdr dev process: on 2 cores, a run that uses less than
	// 2 CPU-seconds per second of wall time waits for something other than its own CPU.

	// the 10,000-step runbook
	pid := p.cmd.Process.Pid
	mem := sampleRSS(pid, 200*time.Millisecond)
	cpu := procCPU(pid)
	large := parseBench(b, cfg, dag(largeLayers, largeWidth, 0))
	endProfile := profilePhase(b, pid, "large")
	start := time.Now()
	id, err := startRun(ctx, c, queue, workflows.Input{Runbook: *large, Mode: workflows.ModeLive, Initiator: workflows.Actor{Name: "bench"}, Evidence: true})
	require.NoError(b, err)
	st, err := waitRun(ctx, c, id)
	require.NoError(b, err)
	largeWall := time.Since(start)
	largePeak := mem.end()
	largeCPU := procCPU(pid) - cpu
	endProfile()
	require.Equal(b, workflows.RunSucceeded, st.State, st.Error)
	n := largeLayers * largeWidth
	require.Len(b, st.Steps, n)
	for _, s := range st.Steps {
		require.Equal(b, workflows.StepSucceeded, s.Status, s.ID)
	}
	histories := countRuns(b, c, id)

	// 500 concurrent drill runs
	mem = sampleRSS(pid, 200*time.Millisecond)
	cpu = procCPU(pid)
	small := parseBench(b, cfg, chain(concurrentSteps))
	endProfile = profilePhase(b, pid, "concurrent")
	start = time.Now()
	ids := startConcurrent(ctx, b, c, queue, workflows.Input{Runbook: *small, Mode: workflows.ModeDrill, Initiator: workflows.Actor{Name: "bench"}, Evidence: true}, concurrentRuns)
	startedAll := time.Since(start)
	failed := waitAll(ctx, c, ids)
	concWall := time.Since(start)
	concPeak := mem.end()
	concCPU := procCPU(pid) - cpu
	endProfile()
	require.Zero(b, failed, "runs that did not succeed")

	largePerStep := ms(largeCPU) / float64(n)
	concPerStep := ms(concCPU) / float64(concurrentRuns*concurrentSteps)
	largeRate := float64(n) / largeWall.Seconds()
	concRate := float64(concurrentRuns*concurrentSteps) / concWall.Seconds()
	b.ReportMetric(largeRate, "steps/s-large")
	b.ReportMetric(concRate, "steps/s-concurrent")
	b.ReportMetric(float64(max(largePeak, concPeak)>>20), "MiB-peak-rss")
	t.add(benchRow{
		measure: fmt.Sprintf("4 scale: %d-step runbook (%d histories), steps/s", n, histories),
		bcdr:    fmt.Sprintf("%.0f steps/s, %.1f s, %.1f CPU-ms/step", largeRate, largeWall.Seconds(), largePerStep),
		target:  "completes", met: met(true),
	})
	t.add(benchRow{
		measure: fmt.Sprintf("4 scale: %d concurrent drill runs of %d steps, steps/s", concurrentRuns, concurrentSteps),
		bcdr: fmt.Sprintf("%.0f steps/s, %.1f s (started in %.1f s), %.1f CPU-ms/step", concRate, concWall.Seconds(),
			startedAll.Seconds(), concPerStep),
		// the small-runs gap: what a run costs beyond its steps
		baseline: fmt.Sprintf("%.1f CPU-ms/step in the %d-step runbook", largePerStep, n),
		ratio:    concPerStep / largePerStep,
		target:   "complete", met: met(true),
	})
	t.add(benchRow{
		measure:  "4 scale: peak RSS of bcdr dev (large runbook; concurrent runs)",
		bcdr:     mib(largePeak) + "; " + mib(concPeak),
		baseline: mib(idle) + " idle",
	})
}

// countRuns counts the histories of a workflow id: the first run and every one it
// continued as new into.
func countRuns(b *testing.B, c client.Client, id string) int {
	b.Helper()
	n := 0
	var token []byte
	for {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s'", id), NextPageToken: token,
		})
		require.NoError(b, err)
		n += len(resp.GetExecutions())
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return n
		}
	}
}

// startConcurrent starts n runs of in at once (from 16 goroutines) and returns their
// workflow ids; a run that did not start is an error of the benchmark.
func startConcurrent(ctx context.Context, b *testing.B, c client.Client, queue string, in workflows.Input, n int) []string {
	ids := make([]string, n)
	var wg sync.WaitGroup
	work := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				id, err := startRun(ctx, c, queue, in)
				if err != nil {
					b.Error(err)
				}
				ids[i] = id
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return ids
}

// waitAll waits for the runs to end and returns how many did not succeed.
func waitAll(ctx context.Context, c client.Client, ids []string) (failed int) {
	for _, id := range ids {
		st, err := waitRun(ctx, c, id)
		if err != nil || st.State != workflows.RunSucceeded {
			failed++
		}
	}
	return failed
}
