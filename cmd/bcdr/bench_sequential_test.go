package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// sequentialSteps is the length of the chains of measurement 1.
const sequentialSteps = 200

// benchSequential is measurement 1: N no-op steps through the interpreter against the
// same N activities in a hand-written Go workflow, alternately on one tuned engine, then
// the hand-written workflow on an untuned engine so that the engine's tuning stays
// proven. A step's cost is the time between two consecutive activity schedules in the
// history (schedule, run, complete, decide); the figures are medians over every step.
func benchSequential(b *testing.B, t *benchTable) {
	const n, rounds = sequentialSteps, 3
	cfg := &config.Config{}
	rb := parseBench(b, cfg, chain(n))

	c, stop := benchEngine(b, false, cfg)
	runRunbook(b, c, parseBench(b, cfg, chain(5)), workflows.ModeLive) // warm up pollers and caches
	runHandWritten(b, c, 5)
	var interp, hand, followed []time.Duration
	var interpWall, handWall time.Duration
	var ih, hh, ia, ha historyStats // last histories; anatomies of all
	for range rounds * b.N {
		d, _, id := runRunbook(b, c, rb, workflows.ModeLive)
		interpWall += d
		ih = readHistory(b, c, id)
		interp = append(interp, ih.cycles()...)
		ia.add(ih)

		d, id = runHandWritten(b, c, n)
		handWall += d
		hh = readHistory(b, c, id)
		hand = append(hand, hh.cycles()...)
		ha.add(hh)

		// followed: the same chain while a client asks for its status every 20 ms, as
		// `bcdr demo` follows a run
		followed = append(followed, readHistory(b, c, runFollowed(b, c, rb, 20*time.Millisecond)).cycles()...)
	}
	stop()

	cu, stopUntuned := benchEngine(b, true, cfg)
	runHandWritten(b, cu, 5)
	_, id := runHandWritten(b, cu, n)
	untuned := readHistory(b, cu, id).cycles()
	stopUntuned()

	mi, mh, mu := median(interp), median(hand), median(untuned)
	steps := time.Duration(n * rounds * b.N)
	b.ReportMetric(ms(mi), "ms/step-interpreter")
	b.ReportMetric(ms(mh), "ms/step-handwritten")
	b.ReportMetric(ms(mu), "ms/step-untuned")
	b.ReportMetric(ms(interpWall/steps), "mean-ms/step-interpreter")
	b.ReportMetric(ms(handWall/steps), "mean-ms/step-handwritten")

	ratio := float64(mi) / float64(mh)
	t.add(benchRow{
		measure: fmt.Sprintf("1 sequential: %d no-op steps, interpreter vs hand-written (median/step)", n),
		bcdr:    msf(mi), baseline: msf(mh) + " hand-written", ratio: ratio,
		target: "<= 1.10", met: met(ratio <= 1.10),
	})
	t.add(benchRow{
		measure: "1 sequential: mean per step (wall time / steps)",
		bcdr:    msf(interpWall / steps), baseline: msf(handWall/steps) + " hand-written",
		ratio: float64(interpWall) / float64(handWall),
	})
	t.add(benchRow{
		measure: "1 sequential: step overhead, interpreter (median)",
		bcdr:    msf(mi), target: "<= 6 ms", met: met(mi <= 6*time.Millisecond),
	})
	mf := median(followed)
	t.add(benchRow{
		measure:  "1 sequential: followed by a status query every 20 ms (median/step)",
		bcdr:     msf(mf),
		baseline: msf(mi) + " not followed", ratio: float64(mf) / float64(mi),
	})
	t.add(benchRow{
		measure:  "1 step anatomy (medians): task queue + decide + activity",
		bcdr:     ia.anatomy(),
		baseline: ha.anatomy() + " hand-written",
	})
	t.add(benchRow{
		measure: "1 engine tuning: hand-written, tuned vs untuned engine (median/step)",
		bcdr:    msf(mh), baseline: msf(mu) + " untuned", ratio: float64(mh) / float64(mu),
	})
	t.add(benchRow{
		measure: "1 history per step: events, bytes (activity input+result)",
		bcdr: fmt.Sprintf("%.1f ev, %d B (%d+%d)", float64(ih.events)/n, ih.bytes/n,
			ih.inputBytes/n, ih.resultBytes/n),
		baseline: fmt.Sprintf("%.1f ev, %d B (%d+%d) hand-written", float64(hh.events)/n, hh.bytes/n,
			hh.inputBytes/n, hh.resultBytes/n),
		ratio: float64(ih.bytes) / float64(hh.bytes),
	})
}

// runHandWritten runs the hand-written workflow of n activities and returns its wall time
// and workflow id.
func runHandWritten(b *testing.B, c client.Client, n int) (time.Duration, string) {
	b.Helper()
	ctx := context.Background()
	id := fmt.Sprintf("bench-hand-%d", time.Now().UnixNano())
	start := time.Now()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "bench"}, "bench.HandWritten", n)
	require.NoError(b, err)
	require.NoError(b, run.Get(ctx, nil))
	return time.Since(start), id
}

// runFollowed runs rb while querying its status every interval, and returns its
// workflow id.
func runFollowed(b *testing.B, c client.Client, rb *runbooks.Runbook, every time.Duration) string {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), benchRunTimeout)
	defer cancel()
	id, err := startRun(ctx, c, "bench", workflows.Input{Runbook: *rb, Mode: workflows.ModeLive, Initiator: workflows.Actor{Name: "bench"}})
	require.NoError(b, err)
	done := make(chan struct{})
	queries := make(chan int)
	go func() {
		n := 0
		defer func() { queries <- n }()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if _, err := queryStatus(ctx, c, id); err == nil {
					n++
				}
			}
		}
	}()
	st, err := waitRun(ctx, c, id)
	close(done)
	require.NoError(b, err)
	require.Equal(b, workflows.RunSucceeded, st.State, st.Error)
	require.Positive(b, <-queries, "status queries answered")
	return id
}
