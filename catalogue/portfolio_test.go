package catalogue_test

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/runbooks"
)

// sampleRuns are drills of the sample's services in every cadence state: passed
// recently, passed long ago, failed, and none.
func sampleRuns(c *catalogue.Catalogue, rbs catalogue.Runbooks, now time.Time) []catalogue.RunResult {
	day := 24 * time.Hour
	var out []catalogue.RunResult
	for i, s := range c.Services {
		if len(s.Runbooks) == 0 || rbs[s.Runbooks[0].Path] == nil {
			continue
		}
		r := catalogue.RunResult{RunID: s.Name + "-run", Runbook: rbs[s.Runbooks[0].Path].Metadata.Name, Service: s.Name, Mode: "drill",
			Outcome: "succeeded", RTO: runbooks.MeasuredFigure(4*time.Minute, 15*time.Minute, "")}
		switch i % 4 {
		case 0:
			r.StartedAt = now.Add(-10 * day)
		case 1:
			r.StartedAt = now.Add(-200 * day)
		case 2:
			r.StartedAt, r.Outcome = now.Add(-5*day), "failed"
		default:
			continue
		}
		r.EndedAt = r.StartedAt.Add(5 * time.Minute)
		out = append(out, r)
	}
	return out
}

var coverageRow = regexp.MustCompile(`(?m)^\| (\S+) \| (\d+) \| .*\| (.+?) \| [^|]+ \|$`)

// TestPortfolioAndCoverageAgreeOnTheSample checks that the portfolio and bcdr coverage
// (its Markdown report) list the same services, tiers and due dates for the sample
// catalogue: the portfolio is built on the coverage of the same catalogue and runs.
func TestPortfolioAndCoverageAgreeOnTheSample(t *testing.T) {
	c, rbs, _ := loadSample(t)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	runs := sampleRuns(c, rbs, now)
	require.NotEmpty(t, runs)

	var md bytes.Buffer
	require.NoError(t, catalogue.Coverage(c, rbs, runs, now).WriteMarkdown(&md))
	type line struct{ Tier, Due string }
	fromCoverage := map[string]line{}
	for _, m := range coverageRow.FindAllStringSubmatch(md.String(), -1) {
		fromCoverage[m[1]] = line{m[2], m[3]}
	}

	p := catalogue.NewPortfolio(c, rbs, runs, now)
	fromPortfolio := map[string]line{}
	states := map[string]int{}
	for _, s := range p.Services {
		fromPortfolio[s.Service] = line{strconv.Itoa(s.Tier), s.DueText}
		states[s.Status]++
		if !s.Due.IsZero() {
			assert.Equal(t, s.DueText, s.Due.Format("2006-01-02"), s.Service)
		}
	}
	assert.Len(t, fromPortfolio, len(c.Services), "every service of the catalogue, and only those")
	assert.Equal(t, fromCoverage, fromPortfolio)
	assert.Equal(t, "catalogue driftwood-outfitters", p.Source)
	for _, want := range []string{catalogue.CadenceOnTime, catalogue.CadenceOverdue} {
		assert.Positive(t, states[want], "the sample runs put some service %s: %v", want, states)
	}
	assert.Contains(t, md.String(), "now (never drilled)", "coverage says a never-drilled runbook is due now, as the portfolio does")
}

// Without a catalogue the services are those the runbooks name, and the portfolio says so.
func TestPortfolioWithoutACatalogue(t *testing.T) {
	_, rbs, _ := loadSample(t)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	c := catalogue.FromRunbooks(rbs, map[int]time.Duration{1: 90 * 24 * time.Hour})
	p := catalogue.NewPortfolio(c, rbs, nil, now)
	assert.Contains(t, p.Source, "no catalogue is configured")
	require.NotEmpty(t, p.Services)
	names := map[string]bool{}
	for _, rb := range rbs {
		if rb != nil && rb.Metadata.Service != "" {
			names[rb.Metadata.Service] = true
		}
	}
	for _, s := range p.Services {
		assert.True(t, names[s.Service], "%s is named by a runbook", s.Service)
		if s.Tier == 1 && len(s.Runbooks) > 0 {
			assert.Equal(t, catalogue.CadenceOverdue, s.Status, "%s: tier 1 drills every 90 days, never drilled", s.Service)
			assert.Equal(t, "now (never drilled)", s.DueText)
		}
	}
}

// A tabletop runbook (manual tasks and approvals only) names its service but is not one
// a drill must prove: the service is not due because of it.
func TestPortfolioWithoutACatalogueLeavesTabletopsOut(t *testing.T) {
	parse := func(src string) *runbooks.Runbook {
		rb, diags := runbooks.Parse("rb.yaml", []byte(src), nil)
		require.False(t, diags.HasErrors(), "%s", diags.Error())
		return rb
	}
	rbs := catalogue.Runbooks{
		"failover": parse("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: failover, service: shop, tier: 1}\nsteps:\n  - {id: a, uses: noop}\n"),
		"exercise": parse("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: exercise, service: shop, tier: 1}\nsteps:\n  - {id: talk, uses: manual, instructions: \"Who leads?\"}\n"),
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	c := catalogue.FromRunbooks(rbs, map[int]time.Duration{1: 90 * 24 * time.Hour})
	p := catalogue.NewPortfolio(c, rbs, []catalogue.RunResult{{RunID: "r1", Runbook: "failover", Service: "shop", Mode: "drill",
		Outcome: "succeeded", StartedAt: now.Add(-24 * time.Hour), EndedAt: now.Add(-23 * time.Hour)}}, now)
	require.Len(t, p.Services, 1)
	assert.Equal(t, catalogue.CadenceOnTime, p.Services[0].Status)
	require.Len(t, p.Services[0].Runbooks, 1)
	assert.Equal(t, "failover", p.Services[0].Runbooks[0].Name)
	assert.Empty(t, p.NeverProven)
}

// TestCadenceStates: a service's state from its last passed drill and its tier's cadence
// (90 days: due soon within its last 22.5 days).
func TestCadenceStates(t *testing.T) {
	rb, diags := runbooks.Parse("rb.yaml", []byte("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: failover, service: shop, tier: 1}\nsteps:\n  - {id: a, uses: noop}\n"), nil)
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	rbs := catalogue.Runbooks{"failover": rb}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name    string
		cadence map[int]time.Duration
		ago     time.Duration // of the last passed drill; 0: none
		state   string
	}{
		{"never drilled", map[int]time.Duration{1: 90 * day}, 0, catalogue.CadenceOverdue},
		{"past due", map[int]time.Duration{1: 90 * day}, 91 * day, catalogue.CadenceOverdue},
		{"due within a quarter", map[int]time.Duration{1: 90 * day}, 70 * day, catalogue.CadenceDueSoon},
		{"recent", map[int]time.Duration{1: 90 * day}, 60 * day, catalogue.CadenceOnTime},
		{"tier without cadence", nil, 900 * day, catalogue.CadenceNotAssessed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rs []catalogue.RunResult
			if tc.ago > 0 {
				rs = append(rs, catalogue.RunResult{RunID: "r", Runbook: "failover", Service: "shop", Mode: "drill", Outcome: "succeeded", StartedAt: now.Add(-tc.ago)})
			}
			p := catalogue.NewPortfolio(catalogue.FromRunbooks(rbs, tc.cadence), rbs, rs, now)
			require.Len(t, p.Services, 1)
			assert.Equal(t, tc.state, p.Services[0].Status)
		})
	}
}
