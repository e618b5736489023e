package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/continuity"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// readPack opens a pack and returns its files by name and its index.
func readPack(t *testing.T, file string) (map[string][]byte, continuity.Index) {
	t.Helper()
	zr, err := zip.OpenReader(file)
	require.NoError(t, err)
	defer zr.Close()
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		files[f.Name], err = io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
	}
	var idx continuity.Index
	require.NoError(t, json.Unmarshal(files["index.json"], &idx))
	return files, idx
}

func clause(t *testing.T, idx continuity.Index, id string) continuity.ClauseResult {
	t.Helper()
	for _, c := range idx.Clauses {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no clause %s", id)
	return continuity.ClauseResult{}
}

func gapTexts(c continuity.ClauseResult, check string) string {
	var b strings.Builder
	for _, g := range c.Gaps {
		if g.Check == check {
			b.WriteString(g.Message + "\n")
		}
	}
	return b.String()
}

// TestCompliancePackOverTheSample makes an ISO 22301 pack of the sample catalogue from
// a real evidence store: a drill of sessions and a tabletop of orders-db whose action
// item is overdue. The pack verifies the chain, maps the drill and the improvement
// record to their clauses with their files, and names real gaps: the critical services
// never drilled (sessions is not among them), the overdue corrective action. A report
// changed after it was written makes the pack say the chain fails, for every clause.
func TestCompliancePackOverTheSample(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	store, err := openEvidence(ctx, mustConfig(t, e)) // anchored, as the CLI opens it
	require.NoError(t, err)
	now := time.Now().UTC()
	day := 24 * time.Hour
	src := fixture.Read(t, "../../runbooks/library/dynamodb-global-table-switch.yaml")
	_, err = store.Append(ctx, workflows.Status{
		RunID: "drill-sessions", Runbook: "dynamodb-global-table-switch", Service: "sessions", Mode: workflows.ModeDrill,
		State: workflows.RunSucceeded, Digest: runbooks.Digest(src), Authorized: []string{"sessions"},
		StartedAt: now.Add(-10*day - 9*time.Minute), EndedAt: now.Add(-10 * day), RTOActual: 9 * time.Minute, RTOTarget: time.Hour,
		Steps: []workflows.StepState{{ID: "a", Uses: "noop", Status: workflows.StepSucceeded}},
	})
	require.NoError(t, err)
	tabletop := workflows.Status{
		RunID: "tabletop-orders", Runbook: "rds-restore-from-snapshot", Service: "orders-db", Mode: workflows.ModeTabletop,
		State: workflows.RunSucceeded, StartedAt: now.Add(-45*day - time.Hour), EndedAt: now.Add(-45 * day),
		Findings: []workflows.Finding{{Kind: workflows.FindingAction, Text: "Write down the snapshot retention", Owner: "dmitri", By: "bob", At: now.Add(-45 * day)}},
		Steps:    []workflows.StepState{{ID: "a", Uses: "noop", Status: workflows.StepSucceeded}},
	}
	_, err = store.Append(ctx, tabletop)
	require.NoError(t, err)
	require.NoError(t, store.OpenImprovements(ctx, tabletop))

	pack := filepath.Join(e.dir, "pack.zip")
	args := []string{"compliance", "--framework", "iso22301", "--since", "90d", "--catalogue", sampleCatalogue, "--no-engine", "--out", pack}
	_, errOut, code := e.cli(args...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "iso22301: 4 clauses, 3 records of the period")
	assert.Contains(t, errOut, "evidence chain verified")
	files, idx := readPack(t, pack)

	assert.True(t, idx.Chain.Verified, "%v", idx.Chain.Problems)
	assert.Equal(t, 3, idx.Chain.Bundles)
	assert.Equal(t, []string{"8.4", "8.5", "9.1", "10.1"}, []string{idx.Clauses[0].ID, idx.Clauses[1].ID, idx.Clauses[2].ID, idx.Clauses[3].ID})
	for _, name := range []string{"index.html", "index.md", continuity.PlanMarkdown, continuity.PlanHTML, continuity.ItemsFile, continuity.ChainFile, "frameworks/iso22301.yaml"} {
		assert.Contains(t, files, name)
	}

	exercise := clause(t, idx, "8.5")
	notDrilled := gapTexts(exercise, "critical-not-drilled")
	assert.Contains(t, notDrilled, "tier 1 service storefront was never proven by a drill (none in 365d)")
	assert.NotContains(t, notDrilled, "service sessions ", "the drill 10 days ago proved sessions")
	var drill *continuity.Evidence
	for i, ev := range exercise.Found {
		if ev.ID == "drill-sessions" {
			drill = &exercise.Found[i]
		}
	}
	require.NotNil(t, drill, "the drill is evidence of the exercise programme")
	require.NotEmpty(t, drill.Files)
	for _, f := range drill.Files {
		assert.Contains(t, files, f, "the pack holds the drill's %s", f)
	}
	assert.Contains(t, string(files[drill.Files[0]]), "drill-sessions")

	corrective := clause(t, idx, "10.1")
	assert.Equal(t, continuity.StatusGaps, corrective.Status)
	assert.Regexp(t, `corrective action imp-\w+ \(Write down the snapshot retention, owner dmitri\) is open and was due `, gapTexts(corrective, "corrective-overdue"))
	assert.Equal(t, "improvements", corrective.Found[0].Kind)
	assert.Contains(t, string(files["index.md"]), "**Verified.**")
	assert.Contains(t, string(files["index.html"]), "corrective-overdue")

	// A drill's report changed after it was written: the chain no longer verifies.
	matches, err := filepath.Glob(filepath.Join(e.dir, "data", "evidence", "*", "*-drill-sessions", evidence.MarkdownFile))
	require.NoError(t, err)
	require.Len(t, matches, 1)
	require.NoError(t, os.WriteFile(matches[0], []byte("# nothing to see\n"), 0o600))
	_, errOut, code = e.cli(args...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "evidence chain DOES NOT VERIFY")
	assert.Contains(t, errOut, "report.md was changed: left out of the pack")
	files, idx = readPack(t, pack)
	assert.False(t, idx.Chain.Verified)
	assert.NotEmpty(t, idx.Chain.Problems)
	for _, c := range idx.Clauses {
		assert.Contains(t, gapTexts(c, "chain"), "the evidence chain does not verify", c.ID)
		assert.Equal(t, continuity.StatusGaps, c.Status, c.ID)
	}
	assert.Contains(t, string(files["index.md"]), "**DOES NOT VERIFY.**")
	assert.False(t, bytes.Contains(files["index.json"], []byte("nothing to see")), "the changed report is not in the pack")
}

// TestCompliancePackRefusesWhatItCannotMake: an unknown framework, no period, no
// evidence store: each an error that says what to give, and no pack written.
func TestCompliancePackRefusesWhatItCannotMake(t *testing.T) {
	e := newEnv(t)
	pack := filepath.Join(e.dir, "pack.zip")
	for args, want := range map[string]string{
		"--framework iso9001 --since 30d":  `--framework: unknown framework "iso9001": want one of dora, iso22301, soc2`,
		"--framework dora":                 "--since is required: the start of the period, a date like 2026-01-01 or a duration like 365d",
		"--framework dora --since someday": `--since "someday": "someday" is neither a duration like 24h or 30d, a date like 2026-01-02, nor an RFC 3339 time`,
		"--framework soc2 --since 30d":     "no evidence store at " + filepath.Join(e.dir, "data", "evidence") + ": a compliance pack is made of its records",
	} {
		_, errOut, code := e.cli(append(append([]string{"compliance"}, strings.Fields(args)...), "--catalogue", sampleCatalogue, "--no-engine", "--out", pack)...)
		assert.Equal(t, 1, code, args)
		assert.Contains(t, errOut, want, args)
		assert.NoFileExists(t, pack, args)
	}
}
