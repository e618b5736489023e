//go:build cluster

package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/internal/cluster"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// BenchmarkCluster is `make bench-cluster`: measurements 1, 2 and 4 of the suite on a
// real Temporal cluster (internal/cluster: PostgreSQL and Temporal's four services as
// separate processes, one region of bcdr: a `bcdr server` and a `bcdr worker`), each
// beside the same measurement on `bcdr dev`'s embedded engine in the same run. Both run
// bin/bcdr, make build's binary (BENCH_BCDR_BIN). It prints one table like make bench.
//
//	go test -tags 'uigz cluster' -run '^$' -bench '^BenchmarkCluster$' -benchtime 1x ./cmd/bcdr
func BenchmarkCluster(b *testing.B) {
	if os.Getenv("BENCH_BCDR_BIN") == "" {
		b.Skip("BENCH_BCDR_BIN names the bcdr binary both engines run: make bench-cluster sets it to bin/bcdr")
	}
	var t benchTable
	load := loadAverage()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	cl, err := cluster.Start(ctx, cluster.Options{Dir: b.TempDir()})
	cancel()
	require.NoError(b, err)
	defer cl.Stop()
	region, err := cl.StartRegion("bench", cluster.RegionOptions{Workers: 1})
	require.NoError(b, err)
	cc, err := client.Dial(client.Options{HostPort: cl.Frontend, Namespace: cluster.Namespace, Logger: quietSDKLogger()})
	require.NoError(b, err)
	defer cc.Close()
	onCluster := benchTarget{c: cc}
	for _, p := range region.Processes() {
		onCluster.bcdr = append(onCluster.bcdr, p.Pid())
	}
	for _, name := range cluster.Services {
		onCluster.temporal = append(onCluster.temporal, cl.Service(name).Pid())
	}
	onCluster.postgres = cl.Postgres.Pid()

	_, dev, ec := readyDev(b)
	embedded := benchTarget{c: ec, bcdr: []int{dev.cmd.Process.Pid}}

	cfg := &config.Config{}
	for _, tg := range []benchTarget{onCluster, embedded} { // warm up pollers and caches
		tg.run(b, parseBench(b, cfg, chain(5)), workflows.ModeLive, false)
	}
	clusterSequential(b, &t, cfg, onCluster, embedded)
	clusterMakespan(b, &t, cfg, onCluster, embedded)
	clusterConcurrent(b, &t, cfg, onCluster, embedded)
	t.print(fmt.Sprintf("cluster: PostgreSQL, %d Temporal services, bcdr server and 1 worker, as processes; embedded: bcdr dev; "+
		"load average at start %s, at end %s; %d CPUs", len(cluster.Services), load, loadAverage(), runtime.NumCPU()))
}

// benchTarget is an engine with bcdr's worker on the default task queue, and the
// processes whose CPU time counts: bcdr's, Temporal's services' and PostgreSQL's (a
// process group: the postmaster and its backends). The embedded engine is one process.
type benchTarget struct {
	c        client.Client
	bcdr     []int
	temporal []int
	postgres int
}

// run runs rb on the target and returns the run's workflow id.
func (tg benchTarget) run(b *testing.B, rb *runbooks.Runbook, mode workflows.Mode, evidence bool) string {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), benchRunTimeout)
	defer cancel()
	id, err := startRun(ctx, tg.c, "bcdr", workflows.Input{Runbook: *rb, Mode: mode, Initiator: workflows.Actor{Name: "bench"}, Evidence: evidence})
	require.NoError(b, err)
	st, err := waitRun(ctx, tg.c, id)
	require.NoError(b, err)
	require.Equal(b, workflows.RunSucceeded, st.State, st.Error)
	return id
}

// cpu is the CPU time used so far by bcdr's processes and by the engine's (Temporal's
// services and PostgreSQL; none for the embedded engine, which runs in bcdr dev).
func (tg benchTarget) cpu() (bcdr, engine time.Duration) {
	for _, pid := range tg.bcdr {
		bcdr += procCPU(pid)
	}
	for _, pid := range tg.temporal {
		engine += procCPU(pid)
	}
	if tg.postgres > 0 {
		engine += groupCPU(tg.postgres)
	}
	return bcdr, engine
}

// clusterSequential is measurement 1 on both: the median cost of a step of a 200-step
// chain (time between consecutive activity schedules).
func clusterSequential(b *testing.B, t *benchTable, cfg *config.Config, onCluster, embedded benchTarget) {
	rb := parseBench(b, cfg, chain(sequentialSteps))
	step := func(tg benchTarget) time.Duration {
		return median(readHistory(b, tg.c, tg.run(b, rb, workflows.ModeLive, false)).cycles())
	}
	cs, es := step(onCluster), step(embedded)
	t.add(benchRow{
		measure: fmt.Sprintf("1 sequential: %d no-op steps (median/step), cluster vs embedded", sequentialSteps),
		bcdr:    msf(cs), baseline: msf(es) + " embedded", ratio: float64(cs) / float64(es),
	})
}

// clusterMakespan is measurement 2 on both: the 1,000-step DAG's makespan against its
// critical path.
func clusterMakespan(b *testing.B, t *benchTable, cfg *config.Config, onCluster, embedded benchTarget) {
	rb := parseBench(b, cfg, dag(makespanLayers, makespanWidth, makespanStep))
	critical := makespanLayers * makespanStep
	span := func(tg benchTarget) time.Duration {
		return readHistory(b, tg.c, tg.run(b, rb, workflows.ModeLive, false)).span()
	}
	cs, es := span(onCluster), span(embedded)
	ratio := func(d time.Duration) float64 { return float64(d) / float64(critical) }
	t.add(benchRow{
		measure: fmt.Sprintf("2 makespan: %d-step DAG (width %d) of %s steps, x critical path, cluster vs embedded",
			makespanLayers*makespanWidth, makespanWidth, makespanStep),
		bcdr:     fmt.Sprintf("%.3fx (%.2f s)", ratio(cs), cs.Seconds()),
		baseline: fmt.Sprintf("%.3fx (%.2f s) embedded", ratio(es), es.Seconds()),
		ratio:    float64(cs) / float64(es), target: "<= 1.02 (cluster)", met: met(ratio(cs) <= 1.02),
	})
}

// clusterConcurrent is measurement 4's concurrent runs on both: 500 drills of a 10-step
// runbook started at once, each writing its evidence; steps per second, and CPU time per
// step of bcdr's processes and of the engine's.
func clusterConcurrent(b *testing.B, t *benchTable, cfg *config.Config, onCluster, embedded benchTarget) {
	rb := parseBench(b, cfg, chain(concurrentSteps))
	steps := float64(concurrentRuns * concurrentSteps)
	type result struct {
		rate              float64
		bcdrCPU, tempoCPU float64 // CPU-ms per step
	}
	measure := func(tg benchTarget) result {
		bcdr0, engine0 := tg.cpu()
		ctx, cancel := context.WithTimeout(context.Background(), benchRunTimeout)
		defer cancel()
		start := time.Now()
		ids := startConcurrent(ctx, b, tg.c, "bcdr", workflows.Input{Runbook: *rb, Mode: workflows.ModeDrill, Initiator: workflows.Actor{Name: "bench"}, Evidence: true}, concurrentRuns)
		require.Zero(b, waitAll(ctx, tg.c, ids), "runs that did not succeed")
		wall := time.Since(start)
		bcdr1, engine1 := tg.cpu()
		return result{steps / wall.Seconds(), ms(bcdr1-bcdr0) / steps, ms(engine1-engine0) / steps}
	}
	c, e := measure(onCluster), measure(embedded)
	t.add(benchRow{
		measure:  fmt.Sprintf("4 scale: %d concurrent drills of %d steps, steps/s, cluster vs embedded", concurrentRuns, concurrentSteps),
		bcdr:     fmt.Sprintf("%.0f steps/s", c.rate),
		baseline: fmt.Sprintf("%.0f steps/s embedded", e.rate), ratio: c.rate / e.rate,
	})
	t.add(benchRow{
		measure:  "4 scale: the same, CPU-ms/step of bcdr's processes (server, worker) and of Temporal's (services, PostgreSQL)",
		bcdr:     fmt.Sprintf("bcdr %.1f + Temporal %.1f = %.1f", c.bcdrCPU, c.tempoCPU, c.bcdrCPU+c.tempoCPU),
		baseline: fmt.Sprintf("%.1f bcdr dev (engine in process)", e.bcdrCPU),
		ratio:    (c.bcdrCPU + c.tempoCPU) / e.bcdrCPU,
	})
}
