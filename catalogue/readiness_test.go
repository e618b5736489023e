package catalogue_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/readiness"
)

// TestNotReadyRunbookIsAGap: web's runbook passed its drill, but its last readiness
// check is not ready: coverage flags a not-ready gap (naming what broke), web is no
// longer proven, and the portfolio shows the readiness and the gap. An older not-ready
// check followed by a ready one is no gap (db). A check is not a run: the portfolio's
// run count and history leave it out.
func TestNotReadyRunbookIsAGap(t *testing.T) {
	file := "testdata/coverage/catalogue.yaml"
	src := fixture.Read(t, file)
	c, rbs, diags := catalogue.Check(file, src, fileLoader(filepath.Dir(file)))
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	checks := []catalogue.RunResult{
		{RunID: "c1", Runbook: "restart-web", Service: "web", Mode: readiness.RecordMode, Outcome: "ready", StartedAt: now.Add(-2 * time.Hour)},
		{RunID: "c2", Runbook: "restart-web", Service: "web", Mode: readiness.RecordMode, Outcome: "not ready", StartedAt: now.Add(-30 * time.Minute),
			Reason: "scale (target): Auto Scaling group \"web-dr\" does not exist"},
		{RunID: "c3", Runbook: "failover-db", Service: "db", Mode: readiness.RecordMode, Outcome: "not ready", StartedAt: now.Add(-3 * time.Hour), Reason: "old"},
		{RunID: "c4", Runbook: "failover-db", Service: "db", Mode: readiness.RecordMode, Outcome: "warning", StartedAt: now.Add(-time.Hour)},
	}
	results := append(coverageResults(), checks...)

	rep := catalogue.Coverage(c, rbs, results, now)
	gaps := map[string][]catalogue.GapKind{}
	for _, g := range rep.Gaps {
		gaps[g.Service] = append(gaps[g.Service], g.Kind)
		if g.Kind == catalogue.GapNotReady {
			assert.Contains(t, g.Message, `Auto Scaling group "web-dr" does not exist`)
			assert.Equal(t, "restart-web", g.Runbook)
		}
	}
	assert.Equal(t, []catalogue.GapKind{catalogue.GapNotReady}, gaps["web"])
	assert.Equal(t, []catalogue.GapKind{catalogue.GapRTOMissed}, gaps["db"], "the last check of db's runbook passed")
	for _, s := range rep.Services {
		if s.Service == "web" {
			assert.False(t, s.Proven, "a service whose runbook is not ready is not proven")
		}
	}

	before := catalogue.NewPortfolio(c, rbs, coverageResults(), now)
	p := catalogue.NewPortfolio(c, rbs, results, now)
	assert.Equal(t, before.Runs, p.Runs, "a check is not a run")
	for _, s := range p.Services {
		switch s.Service {
		case "web":
			require.NotNil(t, s.Readiness)
			assert.Equal(t, readiness.NotReady, s.Readiness.Result)
			assert.Equal(t, now.Add(-30*time.Minute), s.Readiness.CheckedAt)
			assert.Equal(t, []string{`restart-web: scale (target): Auto Scaling group "web-dr" does not exist`}, s.Readiness.Broken)
			require.Len(t, s.Gaps, 1)
			assert.Equal(t, catalogue.GapNotReady, s.Gaps[0].Kind)
			require.Len(t, s.Runbooks, 1)
			require.NotNil(t, s.Runbooks[0].Readiness)
			assert.Equal(t, "c2", s.Runbooks[0].Readiness.RunID)
			for _, h := range s.History {
				assert.NotEqual(t, readiness.RecordMode, h.Mode)
			}
		case "db":
			require.NotNil(t, s.Readiness)
			assert.Equal(t, readiness.Warning, s.Readiness.Result)
			assert.Empty(t, s.Readiness.Broken)
		case "cache":
			assert.Nil(t, s.Readiness, "never checked")
		}
	}
}
