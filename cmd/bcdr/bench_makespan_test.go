package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/workflows"
)

// Measurement 2's DAG: 20 layers of 50 steps of makespanStep each.
const (
	makespanLayers = 20
	makespanWidth  = 50
	makespanStep   = time.Second
)

// benchMakespan is measurement 2: a 1,000-step DAG (width 50) of fixed-duration steps
// against its critical path (layers x step duration), and against the same DAG written
// by hand as a Go workflow on the same engine, which tells the interpreter's share from
// the engine's. The makespan is from the first activity's schedule to the last one's
// completion in the history; the overhead per layer is what each hop of the critical
// path costs beyond the step itself, whatever the step duration.
func benchMakespan(b *testing.B, t *benchTable) {
	cfg := &config.Config{}
	c, stop := benchEngine(b, false, cfg)
	defer stop()
	runRunbook(b, c, parseBench(b, cfg, chain(5)), workflows.ModeLive)
	rb := parseBench(b, cfg, dag(makespanLayers, makespanWidth, makespanStep))
	critical := makespanLayers * makespanStep
	var interp, hand, burst time.Duration
	for range b.N {
		_, _, id := runRunbook(b, c, rb, workflows.ModeLive)
		h := readHistory(b, c, id)
		interp += h.span()
		burst += h.burst(makespanWidth)
		hand += readHistory(b, c, runHandWrittenDAG(b, c)).span()
	}
	burst /= time.Duration(b.N)
	interp /= time.Duration(b.N)
	hand /= time.Duration(b.N)
	perLayer := func(d time.Duration) time.Duration { return (d - critical) / makespanLayers }
	ratio := float64(interp) / float64(critical)
	b.ReportMetric(ms(interp), "ms-makespan")
	b.ReportMetric(ms(hand), "ms-makespan-handwritten")
	b.ReportMetric(ratio, "x-critical-path")
	b.ReportMetric(ms(perLayer(interp)), "ms-overhead/layer")
	t.add(benchRow{
		measure: fmt.Sprintf("2 makespan: %d-step DAG (width %d) of %s steps vs critical path",
			makespanLayers*makespanWidth, makespanWidth, makespanStep),
		bcdr:     fmt.Sprintf("%.2f s (+%s/layer)", interp.Seconds(), msf(perLayer(interp))),
		baseline: fmt.Sprintf("%.2f s critical path", critical.Seconds()),
		ratio:    ratio, target: "<= 1.05", met: met(ratio <= 1.05),
	})
	t.add(benchRow{
		measure: fmt.Sprintf("2 makespan: the first layer's %d simultaneous ends, first to last recorded", makespanWidth),
		bcdr:    msf(burst),
	})
	t.add(benchRow{
		measure:  "2 makespan: the same DAG, interpreter vs hand-written workflow",
		bcdr:     fmt.Sprintf("%.2f s", interp.Seconds()),
		baseline: fmt.Sprintf("%.2f s (+%s/layer) hand-written", hand.Seconds(), msf(perLayer(hand))),
		ratio:    float64(interp) / float64(hand),
	})
}

// runHandWrittenDAG runs measurement 2's DAG as a hand-written workflow and returns its
// workflow id.
func runHandWrittenDAG(b *testing.B, c client.Client) string {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), benchRunTimeout)
	defer cancel()
	id := fmt.Sprintf("bench-hand-dag-%d", time.Now().UnixNano())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "bench"}, "bench.HandWrittenDAG",
		makespanLayers, makespanWidth, makespanStep)
	require.NoError(b, err)
	require.NoError(b, run.Get(ctx, nil))
	return id
}
