package catalogue_test

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/runbooks"

	"github.com/bcdr/bcdr/catalogue"
)

var now = time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }

// coverageResults are the runs the coverage test catalogue is judged on.
func coverageResults() []catalogue.RunResult {
	return []catalogue.RunResult{
		{RunID: "w1", Runbook: "restart-web", Service: "web", Mode: "drill", Outcome: "succeeded", StartedAt: daysAgo(10), RTO: runbooks.MeasuredFigure(3*time.Minute, 0, "")},
		// The runbook declares service db; this run names none, and db is the only
		// service that names failover-db, so it counts for db. It missed the 1h RTO.
		{RunID: "d1", Runbook: "failover-db", Mode: "drill", Outcome: "succeeded", StartedAt: daysAgo(20), RTO: runbooks.MeasuredFigure(70*time.Minute, 0, "")},
		{RunID: "d0", Runbook: "failover-db", Service: "db", Mode: "drill", Outcome: "succeeded", StartedAt: daysAgo(60), RTO: runbooks.MeasuredFigure(20*time.Minute, 0, "")},
		{RunID: "r1", Runbook: "restart-web", Service: "reports", Mode: "tabletop", Outcome: "succeeded", StartedAt: daysAgo(5)},
		{RunID: "q1", Runbook: "restart-web", Service: "queue", Mode: "live", Outcome: "succeeded", StartedAt: daysAgo(200), RTO: runbooks.MeasuredFigure(5*time.Minute, 0, "")},
		{RunID: "q2", Runbook: "restart-web", Service: "queue", Mode: "drill", Outcome: "failed", StartedAt: daysAgo(3)},
		// restart-web is named by three services: a run without a service counts for none.
		{RunID: "x1", Runbook: "restart-web", Mode: "drill", Outcome: "succeeded", StartedAt: daysAgo(1)},
	}
}

func coverageReport(t *testing.T) *catalogue.Report {
	file := "testdata/coverage/catalogue.yaml"
	src := fixture.Read(t, file)
	c, rbs, diags := catalogue.Check(file, src, fileLoader(filepath.Dir(file)))
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	return catalogue.Coverage(c, rbs, coverageResults(), now)
}

func TestCoverageFlagsGaps(t *testing.T) {
	rep := coverageReport(t)
	gaps := map[string][]catalogue.GapKind{}
	for _, g := range rep.Gaps {
		gaps[g.Service] = append(gaps[g.Service], g.Kind)
	}
	assert.Equal(t, map[string][]catalogue.GapKind{
		"db":      {catalogue.GapRTOMissed},
		"cache":   {catalogue.GapNoRunbook},
		"reports": {catalogue.GapNeverDrilled},
		"queue":   {catalogue.GapDrillOverdue, catalogue.GapLastFailed, catalogue.GapNotCovered},
	}, gaps)

	svc := map[string]catalogue.ServiceCoverage{}
	for _, s := range rep.Services {
		svc[s.Service] = s
	}
	assert.True(t, svc["web"].Proven)
	assert.Equal(t, "w1", svc["web"].LastDrill.RunID)
	assert.Equal(t, now.Add(80*24*time.Hour), svc["web"].Runbooks[0].DueBy)

	db := svc["db"]
	assert.Equal(t, "d1", db.LastDrill.RunID, "a run without a service counts for the only service naming its runbook")
	assert.Equal(t, 2, db.Runbooks[0].Runs)
	assert.Contains(t, db.Gaps[0].Message, "took 1h10m, over db's RTO of 1h")

	assert.Empty(t, svc["reports"].Runbooks[0].Runs, "tabletops do not count as drills")
	assert.True(t, svc["queue"].Overdue)
	assert.Equal(t, "q1", svc["queue"].Runbooks[0].LastPass.RunID)
	assert.Equal(t, 1, svc["web"].Runbooks[0].Runs, "x1 names no service and restart-web has three")

	assert.Equal(t, []catalogue.TierCoverage{
		{Tier: 1, DrillEvery: rep.Tiers[0].DrillEvery, Services: 3, WithRunbook: 3, Proven: 1, Gaps: 4},
		{Tier: 2, DrillEvery: rep.Tiers[1].DrillEvery, Services: 2, WithRunbook: 1, Proven: 0, Gaps: 2},
	}, rep.Tiers)
}

func TestCoverageRenders(t *testing.T) {
	rep := coverageReport(t)

	var md bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&md))
	assert.Contains(t, md.String(), "# Recovery coverage: coverage-shop")
	assert.Contains(t, md.String(), "| cache | 2 | group:web | component 1h / - | none | never | - | - | no-runbook |")
	assert.Contains(t, md.String(), "- **db** (tier 1) `rto-missed`: the last drill of failover-db for db (2026-06-10) took 1h10m, over db's RTO of 1h")

	var h bytes.Buffer
	require.NoError(t, rep.WriteHTML(&h))
	assert.Contains(t, h.String(), "<h1>Recovery coverage: coverage-shop</h1>")
	assert.Contains(t, h.String(), `<tr class="gap"><td>cache</td>`)
	assert.Contains(t, h.String(), "db&#39;s RTO of 1h")

	var c bytes.Buffer
	require.NoError(t, rep.WriteCSV(&c))
	rows, err := csv.NewReader(&c).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 6, "a header and a row per service runbook")
	assert.Equal(t, "service", rows[0][0])
	var dbRow []string
	for _, r := range rows {
		if r[0] == "db" {
			dbRow = r
		}
	}
	assert.Equal(t, []string{"db", "1", "group:dba", "", "failover-db", "region", "1h", "15m", "2",
		"2026-06-10T12:00:00Z", "drill", "succeeded", "1h10m", "", "2026-06-10T12:00:00Z", "2026-09-08T12:00:00Z", "false", "rto-missed"}, dbRow)
	assert.False(t, strings.Contains(c.String(), "tabletop"))
}

// TestCoverageAppliesTheProofRule: a run that carries its proof record counts only when
// it ran the service's runbook byte for byte, authorized for the service; a result
// given without one (bcdr coverage --results) is taken as stated.
func TestCoverageAppliesTheProofRule(t *testing.T) {
	file := "testdata/coverage/catalogue.yaml"
	src := fixture.Read(t, file)
	c, rbs, diags := catalogue.Check(file, src, fileLoader(filepath.Dir(file)))
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	var digest string
	for _, rb := range rbs {
		if rb != nil && rb.Metadata.Name == "restart-web" {
			digest = rb.Source.Digest
		}
	}
	require.NotEmpty(t, digest)
	run := func(id string, proof *runbooks.Proof) catalogue.RunResult {
		return catalogue.RunResult{RunID: id, Runbook: "restart-web", Service: "web", Mode: "drill", Outcome: "succeeded", StartedAt: daysAgo(1), Proof: proof}
	}
	lastPass := func(rs ...catalogue.RunResult) string {
		for _, s := range catalogue.Coverage(c, rbs, rs, now).Services {
			if s.Service == "web" && s.Runbooks[0].LastPass != nil {
				return s.Runbooks[0].LastPass.RunID
			}
		}
		return ""
	}
	assert.Equal(t, "stated", lastPass(run("stated", nil)))
	assert.Equal(t, "proven", lastPass(run("proven", &runbooks.Proof{Service: "web", Digest: digest, Authorized: []string{"web"}})))
	assert.Empty(t, lastPass(run("copy", &runbooks.Proof{Service: "web", Digest: "sha256:other", Authorized: []string{"web"}})), "a changed copy")
	assert.Empty(t, lastPass(run("unauthorized", &runbooks.Proof{Service: "web", Digest: digest, Authorized: []string{"db"}})), "not authorized for web")

	p := catalogue.NewPortfolio(c, rbs, []catalogue.RunResult{run("copy", &runbooks.Proof{Service: "web", Digest: "sha256:other", Authorized: []string{"web"}})}, now)
	for _, o := range p.Overdue() {
		if o.Service == "web" {
			assert.True(t, o.Overdue, "an unproven drill leaves web due")
			assert.Empty(t, o.LastRun)
		}
	}
	// the portfolio's count of succeeded drills agrees with its last proven drill: a drill
	// that proves nothing is one drill, not one success
	for _, s := range p.Services {
		if s.Service == "web" {
			assert.Equal(t, 1, s.Drills)
			assert.Zero(t, s.Succeeded, "the changed copy's drill succeeded but proves nothing")
			assert.True(t, s.LastDrill.IsZero())
		}
	}
}
