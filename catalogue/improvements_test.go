package catalogue_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/continuity/improvements"
)

// The coverage report and the portfolio state the counts the plan's one summary gives.
func TestCoverageAndPortfolioStateTheImprovementCounts(t *testing.T) {
	s := improvements.Summary{Counts: improvements.Counts{Open: 3, Overdue: 2, Done: 1, Verified: 4},
		Services: map[string]improvements.Counts{"db": {Open: 2, Overdue: 2}, "web": {Open: 1, Done: 1}, "queue": {Verified: 4}}}
	rep := coverageReport(t)
	rep.CountImprovements(s)
	var md, html bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&md))
	require.NoError(t, rep.WriteHTML(&html))
	assert.Contains(t, md.String(), "## Improvement plan\n\nAction items and gaps recorded in runs: 3 open (2 overdue), 1 done, 4 verified, 0 dropped.\n")
	assert.Contains(t, md.String(), "| db | 2 | 2 | 0 |\n| web | 1 | 0 | 1 |\n")
	assert.NotContains(t, md.String(), "| queue | 0 |", "a service with nothing left to do has no row")
	assert.Contains(t, html.String(), "<p>Action items and gaps recorded in runs: 3 open (2 overdue), 1 done, 4 verified, 0 dropped.</p>")
	assert.Contains(t, html.String(), "<tr><td>db</td><td>2</td><td>2</td><td>0</td></tr>")

	file := "testdata/coverage/catalogue.yaml"
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	c, rbs, diags := catalogue.Check(file, src, fileLoader(filepath.Dir(file)))
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	p := catalogue.NewPortfolio(c, rbs, coverageResults(), now)
	p.CountImprovements(s)
	assert.Equal(t, s.Counts, p.Improvements)
	for _, sh := range p.Services {
		assert.Equal(t, s.Services[sh.Service], sh.Improvements, sh.Service)
	}
}
