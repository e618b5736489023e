package workflows

import (
	"context"
	"fmt"
	"os"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/faultproxy"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/library"
)

// BenchmarkLibraryFailoverUnderOutage measures the orchestrator's own share of a library
// failover's RTO (issue 16, item 8): the library's ECS failover runs live with us-east-1
// down, as in TestECSFailoverCompletesWithItsPrimaryRegionDown, but every AWS operation
// it waits on takes the time AWS takes (faultproxy.RealisticLatencies, each figure with
// its source), in real time. The RTO is the run's wall clock; AWS's part is the time at
// least one call was at AWS (faultproxy's Busy: the operations' latencies, moto's
// answers, and the calls held by the outage); the orchestrator's share is the rest. Goal:
// at most 1%. `make bench` runs it:
//
//	go test -run '^$' -bench '^BenchmarkLibraryFailoverUnderOutage$' -benchtime 1x ./workflows
//
// The interpreter runs in the SDK's test environment: the run's workflow code and its
// activities, without the Temporal server's persistence between steps. That environment
// hashes the test binary on the first activity of the process (a real worker does so when
// it starts, before any run), about 0.2 to 0.6 s on this machine; a one-step run pays for
// it before the measured run.
func BenchmarkLibraryFailoverUnderOutage(b *testing.B) {
	ctx := context.Background()
	warmUp(b)
	var wall, own, rto time.Duration
	for range b.N {
		b.StopTimer()
		c := newOutageCloud(ctx, b)
		h, kinds := outageHarness(b, c)
		reg, err := runbooks.DefaultRegistry(kinds...)
		require.NoError(b, err)
		rb, diags := runbooks.Load(library.FS, "ecs-service-region-failover.yaml", reg)
		require.Empty(b, diags, "%s", diags.Error())
		rto = rb.Objectives.RTO.Std()
		c.proxy.SetLatencies(faultproxy.RealisticLatencies())
		b.StartTimer()

		began := time.Now()
		st := outageRun(b, c, rb, h)
		ended := time.Now()
		require.Equal(b, RunSucceeded, st.State, "%s", st.Error)
		aws := c.proxy.Busy(began, ended)
		require.GreaterOrEqual(b, aws, faultproxy.ECSScaleOut, "the scale-out's latency was waited out")
		wall, own = ended.Sub(began), ended.Sub(began)-aws
	}
	share := float64(own) / float64(wall)
	b.ReportMetric(wall.Seconds(), "rto-s")
	b.ReportMetric(100*share, "orchestrator-%")

	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nmeasure\tbcdr\tbaseline (same run)\tratio\ttarget\tmet")
	fmt.Fprintf(w, "library failover under a region outage (ECS, us-east-1 down): RTO, of which orchestrator\t%.2f s; %.0f ms (%.2f%%)\t%.2f s at AWS (realistic latencies; RTO objective %s)\t%.4f\t<= 1%%\t%s\n",
		wall.Seconds(), float64(own.Microseconds())/1000, 100*share, (wall - own).Seconds(), rto, share, yesNo(share <= 0.01))
	_ = w.Flush()
}

// warmUp runs a one-step runbook in its own test environment, so that the process's
// one-time costs (see BenchmarkLibraryFailoverUnderOutage) are paid before the measure.
func warmUp(b *testing.B) {
	reg, err := runbooks.DefaultRegistry(testKind)
	require.NoError(b, err)
	rb, diags := runbooks.Parse("warmup.yaml", []byte(`apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: warmup}
steps:
  - id: a
    uses: test.step
    with: {label: a}
`), reg)
	require.False(b, diags.HasErrors(), "%v", diags)
	st, err := newHarness(b).run(b, *rb)
	require.NoError(b, err)
	require.Equal(b, RunSucceeded, st.State)
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}
