package continuity_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/continuity"
)

// TestFrameworksMapTheClausesTheyCite loads every mapping table: each names the clauses
// the programme's evidence speaks to, each clause with a source to check it against,
// known evidence kinds and known checks.
func TestFrameworksMapTheClausesTheyCite(t *testing.T) {
	want := map[string][]string{
		"iso22301": {"8.4", "8.5", "9.1", "10.1"},
		"dora":     {"Art. 11", "Art. 12", "Art. 24", "Art. 25"},
		"soc2":     {"A1.2", "A1.3", "CC7.5", "CC9.1"},
	}
	assert.Equal(t, []string{"dora", "iso22301", "soc2"}, continuity.Frameworks())
	for name, ids := range want {
		f, err := continuity.LoadFramework(name)
		require.NoError(t, err, name)
		var got []string
		for _, c := range f.Clauses {
			got = append(got, c.ID)
			assert.True(t, strings.HasPrefix(c.Source, "https://") || strings.HasPrefix(c.Source, "http://"), "%s %s cites a source", name, c.ID)
			assert.Contains(t, string(f.Table), c.Source, "the table the pack includes cites it")
			assert.NotEmpty(t, c.Evidence, "%s %s", name, c.ID)
			assert.NotEmpty(t, c.Checks, "%s %s", name, c.ID)
		}
		assert.Equal(t, ids, got, name)
	}
	_, err := continuity.LoadFramework("iso27001")
	assert.EqualError(t, err, `unknown framework "iso27001": want one of dora, iso22301, soc2`)
}

// TestCheckTakesAWindow reads a check as a name or with its window.
func TestCheckTakesAWindow(t *testing.T) {
	var cs []continuity.Check
	require.NoError(t, yaml.Unmarshal([]byte("[no-exercise, {check: critical-not-drilled, within: 180d}]"), &cs))
	assert.Equal(t, "no-exercise", cs[0].Name)
	assert.Equal(t, "critical-not-drilled", cs[1].Name)
	assert.Equal(t, "180d", cs[1].Within.String())
	assert.Error(t, yaml.Unmarshal([]byte("[{check: critical-not-drilled, within: soon}]"), &cs))
}

// TestPackIndexLinksItsFiles: the index's HTML links each piece of evidence to its file
// in the pack, and a drill older than the window is a gap of its service.
func TestPackIndexLinksItsFiles(t *testing.T) {
	src := sampleSources(t)
	f, err := continuity.LoadFramework("soc2")
	require.NoError(t, err)
	drill := continuity.Record{Seq: 7, ID: "drill/sessions 1", Runbook: "dynamodb-global-table-switch", Service: "sessions", Mode: "drill",
		State: "succeeded", StartedAt: now.Add(-30 * 24 * time.Hour), EndedAt: now.Add(-30*24*time.Hour + 9*time.Minute),
		Files: map[string][]byte{"report.html": []byte("<p>drill</p>")}}
	old := continuity.Record{Seq: 1, ID: "old", Mode: "drill", State: "succeeded", EndedAt: now.Add(-400 * 24 * time.Hour)}
	var b bytes.Buffer
	idx, err := continuity.WritePack(&b, &continuity.PackInput{Framework: f, Sources: src, Since: now.Add(-90 * 24 * time.Hour), Until: now,
		Records: []continuity.Record{old, drill}, Chain: continuity.Verification{Verified: true, Bundles: 7, HeadSeq: 7}})
	require.NoError(t, err)
	assert.Equal(t, 1, idx.Chain.Records, "the record before the period is not in it")
	assert.Equal(t, int64(7), idx.Chain.From)

	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	require.NoError(t, err)
	files := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		require.NoError(t, err)
		data, _ := io.ReadAll(rc)
		rc.Close()
		files[zf.Name] = string(data)
	}
	assert.Equal(t, "<p>drill</p>", files["drills/000007-drill_sessions_1/report.html"], "a record's id is made safe as a folder name")
	assert.Contains(t, files["index.html"], `href="./drills/000007-drill_sessions_1/report.html"`)
	assert.Contains(t, files["index.html"], `href="./bcp/plan.html"`)
	assert.Contains(t, files["bcp/plan.md"], "# Business continuity plan: driftwood-outfitters")
	for _, c := range idx.Clauses {
		if c.ID == "A1.3" {
			assert.Contains(t, c.Gaps[0].Message, "tier 1 service catalog-api was never proven by a drill (none in 365d)")
		}
	}
}
