package api

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/mocks"

	"github.com/bcdr/bcdr/api/dashboard/dashboardtest"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// TestPortfolioCoverageOverdueAndSummaryAgree feeds one run history (the evidence store
// and runs only the engine holds) to the four surfaces that judge drill cadence: the
// portfolio (GET /v1/portfolio and its dashboard page), bcdr coverage (History.Read and
// catalogue.Coverage, as the command does), the overdue report (GET /v1/drills/overdue)
// and the executive summary (rendered in Node from the portfolio). Each states the same
// last successful drill, due date, cadence state and drill count for every service.
func TestPortfolioCoverageOverdueAndSummaryAgree(t *testing.T) {
	day := 24 * time.Hour
	at := time.Now().UTC().Truncate(time.Second)
	store, err := evidence.NewFileStore(filepath.Join(t.TempDir(), "evidence"))
	require.NoError(t, err)
	forged := drill("ord-forged", "orders", workflows.RunSucceeded, at.Add(-2*day), time.Minute)
	forged.Digest = runbooks.Digest([]byte("a changed copy")) // listed, proves nothing
	for _, st := range []workflows.Status{
		drill("web-1", "demo-web", workflows.RunSucceeded, at.Add(-100*day), 2*time.Minute), // tier 1, 90 days: overdue
		drill("pay-1", "payments", workflows.RunSucceeded, at.Add(-30*day), 4*time.Minute),
		drill("pay-2", "payments", workflows.RunFailed, at.Add(-10*day), 12*time.Minute),
		forged,
	} {
		_, err := store.Append(context.Background(), st)
		require.NoError(t, err)
	}
	// payments' runbook failed its last scheduled readiness check: a gap on every surface.
	_, err = store.AppendReadiness(context.Background(), readiness.Record{ID: "check-pay", CheckedAt: at.Add(-time.Hour),
		Report: readiness.Report{Runbook: "payments-failover", Service: "payments", Result: readiness.NotReady,
			Findings: []readiness.Finding{{Step: "a", Check: "target", Result: readiness.NotReady, Reason: "the replica is gone"}}}})
	require.NoError(t, err)
	// The engine holds a drill of orders that left no evidence, and web-1 again.
	in := workflows.Input{Authorized: []string{"orders"}}
	in.Runbook.Metadata.Name, in.Runbook.Metadata.Service = "orders-failover", "orders"
	in.Runbook.Source.Digest = runbooks.Digest(runbookSource("orders-failover"))
	webIn := workflows.Input{Authorized: []string{"demo-web"}}
	webIn.Runbook.Metadata.Name, webIn.Runbook.Metadata.Service = "demo-failover", "demo-web"
	webIn.Runbook.Source.Digest = runbooks.Digest(runbookSource("demo-failover"))
	engine := &mocks.Client{}
	engine.On("ListWorkflow", mock.Anything, mock.Anything).Return(listOf(t,
		engineRun(t, "ord-engine", in, at.Add(-20*day)), engineRun(t, "web-1", webIn, at.Add(-100*day))), nil)
	record := &mocks.WorkflowRun{}
	record.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*workflows.Status) = drill("ord-engine", "orders", workflows.RunSucceeded, at.Add(-20*day), 5*time.Minute)
	}).Return(nil)
	engine.On("GetWorkflow", mock.Anything, "ord-engine", "").Return(record)

	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	s := evidenceServer(t)
	s.opts.Evidence, s.opts.Client, s.opts.Catalogue = store, engine, testCatalogue(t, reg, "180d")
	s.now = func() time.Time { return at }

	// The portfolio.
	w := get(t, s, "viewer", "/v1/portfolio")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	portfolioJSON := w.Body.Bytes()
	var p Portfolio
	require.NoError(t, json.Unmarshal(portfolioJSON, &p))
	require.Empty(t, p.Problems)
	// The overdue report.
	overdue := getJSON[struct{ Services []Overdue }](t, s, "viewer", "/v1/drills/overdue")
	// bcdr coverage: the same reader, the same catalogue.
	c, rbs, err := s.opts.Catalogue()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, rb := range rbs {
		names[rb.Metadata.Name] = true
	}
	results, problems, err := (&History{Evidence: store, Engine: engine}).Read(context.Background(), at.Add(-DefaultHistoryWindow), names)
	require.NoError(t, err)
	require.Empty(t, problems)
	coverage := catalogue.Coverage(c, rbs, results, at)
	// The dashboard's portfolio page and executive summary.
	dash := renderPortfolio(t, portfolioJSON, at)

	type facts struct {
		LastRun, Due string
		Overdue      bool
		Drills       int
	}
	fromPortfolio, fromOverdue, fromCoverage := map[string]facts{}, map[string]facts{}, map[string]facts{}
	for _, sh := range p.Services {
		fromPortfolio[sh.Service] = facts{sh.LastRun, sh.DueText, sh.Status == CadenceOverdue, sh.Drills}
	}
	for _, o := range overdue.Services {
		due := "now (never drilled)"
		if !o.Due.IsZero() {
			due = o.Due.Format("2006-01-02")
		}
		fromOverdue[o.Service] = facts{o.LastRun, due, o.Overdue, fromPortfolio[o.Service].Drills}
	}
	for _, sc := range coverage.Services {
		f := facts{Due: sc.NextDueText(), Overdue: sc.Overdue}
		for _, rc := range sc.Runbooks {
			if rc.LastPass != nil {
				f.LastRun = rc.LastPass.RunID
			}
			f.Drills += rc.Runs
		}
		fromCoverage[sc.Service] = f
	}
	want := map[string]facts{
		"demo-web": {"web-1", at.Add(-100*day - 2*time.Minute + 90*day).Format("2006-01-02"), true, 1},
		"payments": {"pay-1", at.Add(-30*day - 4*time.Minute + 180*day).Format("2006-01-02"), false, 2},
		"orders":   {"ord-engine", at.Add(-20*day - time.Minute + 180*day).Format("2006-01-02"), false, 2},
	}
	assert.Equal(t, want, fromPortfolio, "portfolio")
	assert.Equal(t, want, fromOverdue, "overdue report")
	// The portfolio lists every drill of a runbook; coverage counts those that prove it
	// (the forged one does not).
	want["orders"] = facts{"ord-engine", want["orders"].Due, false, 1}
	assert.Equal(t, want, fromCoverage, "coverage")

	statusText := map[bool]string{true: "Overdue", false: "On time"}
	for svc, f := range fromPortfolio {
		row := dash.Portfolio[svc]
		assert.Equal(t, map[bool]string{true: CadenceOverdue, false: CadenceOnTime}[f.Overdue], row.Status, "dashboard portfolio %s", svc)
		assert.True(t, strings.HasPrefix(row.Due, f.Due), "dashboard portfolio %s: due %q, want %s", svc, row.Due, f.Due)
		sum := dash.Summary[svc]
		assert.Equal(t, statusText[f.Overdue], sum.Cadence, "executive summary %s", svc)
		assert.True(t, strings.HasPrefix(sum.Drills, strings.Fields(row.Drills)[0]+" "), "executive summary %s: drills %q, portfolio %q", svc, sum.Drills, row.Drills)
	}
	assert.Contains(t, dash.Headline, "1 overdue: demo-web")

	// The readiness check is read once, into both.
	gapsOf := func(gs []catalogue.Gap) (kinds []catalogue.GapKind) {
		for _, g := range gs {
			kinds = append(kinds, g.Kind)
		}
		return kinds
	}
	assert.Contains(t, gapsOf(service(p, "payments").Gaps), catalogue.GapNotReady, "portfolio")
	for _, sc := range coverage.Services {
		if sc.Service == "payments" {
			assert.Contains(t, gapsOf(sc.Gaps), catalogue.GapNotReady, "coverage")
		}
	}
}

// renderedPortfolio is what the dashboard's portfolio page and executive summary state.
type renderedPortfolio struct {
	Portfolio map[string]struct{ Status, Due, Drills string }
	Summary   map[string]struct{ Cadence, Drills string }
	Headline  string
}

// renderPortfolio renders the dashboard's portfolio views in Node (dashboard/testdata/
// render.mjs) from the portfolio the API answered, with the views' clock at now.
func renderPortfolio(t *testing.T, portfolio []byte, now time.Time) renderedPortfolio {
	var d renderedPortfolio
	dashboardtest.Render(t, map[string]any{"runs": map[string]any{}, "portfolio": json.RawMessage(portfolio), "now": now}, &d)
	return d
}
