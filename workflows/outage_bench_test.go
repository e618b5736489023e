package workflows

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/faultproxy"
	"github.com/bcdr/bcdr/runbooks"
)

// BenchmarkLibraryFailoverUnderOutage measures the orchestrator's own share of a library
// failover's RTO (issue 16, item 8): the library's ECS failover, then its web failover,
// run live with us-east-1 down, as in TestECSFailoverCompletesWithItsPrimaryRegionDown and
// TestWebFailoverCompletesWithItsPrimaryRegionDown, but every AWS operation
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
	var ecsRow, webRow outageFigure
	for range b.N {
		b.StopTimer()
		c := newOutageCloud(ctx, b)
		h, kinds := outageHarness(b, c)
		rb := loadLibrary(b, "ecs-service-region-failover.yaml", kinds)
		c.proxy.SetLatencies(faultproxy.RealisticLatencies())
		b.StartTimer()

		began := time.Now()
		st := outageRun(b, c, rb, h)
		ended := time.Now()
		require.Equal(b, RunSucceeded, st.State, "%s", st.Error)
		aws := c.proxy.Busy(began, ended)
		require.GreaterOrEqual(b, aws, faultproxy.ECSScaleOut, "the scale-out's latency was waited out")
		ecsRow = outageFigure{wall: ended.Sub(began), aws: aws, rto: rb.Objectives.RTO.Std()}

		// the web failover: the Aurora global database's failover (awstest.RDS) beside the
		// scale-ups, the incident commander's approval a minute into the run (test time:
		// people's time is not in the wall clock)
		b.StopTimer()
		web, err := fromLibrary(b, "aws-region-failover-web.yaml")()
		require.NoError(b, err)
		b.StartTimer()
		wc, wst, took, approved := webFailoverUnderOutage(b, func() (*runbooks.Runbook, error) { return web, nil }, "arc", faultproxy.RealisticLatencies())
		require.Equal(b, RunSucceeded, wst.State, "%s", wst.Error)
		require.NoError(b, approved())
		// only the run calls through the proxy, so its whole log is the run's
		aws = wc.proxy.Busy(time.Time{}, time.Now())
		require.GreaterOrEqual(b, aws, faultproxy.AuroraGlobalFailover, "the Aurora failover's latency was waited out")
		webRow = outageFigure{wall: took, aws: aws, rto: web.Objectives.RTO.Std()}
	}
	b.ReportMetric(ecsRow.wall.Seconds(), "rto-s")
	b.ReportMetric(100*ecsRow.share(), "orchestrator-%")
	b.ReportMetric(webRow.wall.Seconds(), "web-rto-s")
	b.ReportMetric(100*webRow.share(), "web-orchestrator-%")

	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nmeasure\tbcdr\tbaseline (same run)\tratio\ttarget\tmet")
	ecsRow.row(w, "ECS")
	webRow.row(w, "web: Aurora global database, ASG, ECS; people's time excluded")
	_ = w.Flush()
}

// outageFigure is one library failover's run under the outage: its wall clock, the time
// at least one call was at AWS, and the runbook's RTO objective.
type outageFigure struct{ wall, aws, rto time.Duration }

// share is the orchestrator's share of the wall clock.
func (f outageFigure) share() float64 { return float64(f.wall-f.aws) / float64(f.wall) }

func (f outageFigure) row(w io.Writer, what string) {
	own := f.wall - f.aws
	fmt.Fprintf(w, "library failover under a region outage (%s, us-east-1 down): RTO, of which orchestrator\t%.2f s; %.0f ms (%.2f%%)\t%.2f s at AWS (realistic latencies; RTO objective %s)\t%.4f\t<= 1%%\t%s\n",
		what, f.wall.Seconds(), float64(own.Microseconds())/1000, 100*f.share(), f.aws.Seconds(), f.rto, f.share(), yesNo(f.share() <= 0.01))
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
