package evidence

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/workflows"
)

func thirtyDays(string) time.Duration { return 30 * 24 * time.Hour }

func tabletopWithFindings(id string) workflows.Status {
	st := record(id, workflows.ModeTabletop)
	st.Findings = append(st.Findings,
		workflows.Finding{Kind: workflows.FindingGap, Text: "nobody knew the DNS TTL", By: "bob", At: t0.Add(time.Minute)},
		workflows.Finding{Kind: workflows.FindingObservation, Text: "the pager worked", By: "bob", At: t0.Add(2 * time.Minute)})
	return st
}

// A run's action items and gaps open items as their own chained records; appending the
// run again opens nothing twice.
func TestRunFindingsOpenImprovementItemsOnce(t *testing.T) {
	s, _ := newFileStore(t)
	ctx := context.Background()
	st := tabletopWithFindings("tt-1")
	a := &Activity{Store: s}
	_, err := a.Write(ctx, st)
	require.NoError(t, err)
	_, err = a.Write(ctx, st)
	require.NoError(t, err)

	ms, err := s.List(ctx)
	require.NoError(t, err)
	require.Len(t, ms, 3, "the run's bundle and one record per action item and gap")
	assert.Equal(t, improvements.RecordMode, ms[1].Mode)
	items, problems, err := Improvements(ctx, s, thirtyDays)
	require.NoError(t, err)
	assert.Empty(t, problems)
	require.Len(t, items, 2)
	texts := []string{items[0].Title, items[1].Title}
	assert.ElementsMatch(t, []string{"automate the DNS switch", "nobody knew the DNS TTL"}, texts)
	for _, it := range items {
		assert.Equal(t, "demo-web", it.Service)
		assert.Equal(t, "demo-failover", it.Runbook)
		assert.Equal(t, "tt-1", it.Source.Run)
		assert.Equal(t, st.EndedAt.Add(30*24*time.Hour), it.Due)
	}
	rep, err := s.Verify(ctx)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Problems)
}

// storeWithItem is a store holding a tabletop whose findings opened items, and one of
// them.
func storeWithItem(t *testing.T) (*Store, improvements.Item) {
	s, _ := newFileStore(t)
	ctx := context.Background()
	st := tabletopWithFindings("tt-1")
	_, err := s.Append(ctx, st)
	require.NoError(t, err)
	require.NoError(t, s.OpenImprovements(ctx, st))
	items, _, err := Improvements(ctx, s, thirtyDays)
	require.NoError(t, err)
	require.NotEmpty(t, items)
	return s, items[0]
}

func TestImprovementUpdateTakenMeanwhileIsAConflict(t *testing.T) {
	s, it := storeWithItem(t)
	ctx := context.Background()
	done, note := improvements.Done, "on it"
	first, err := it.Update("sre", t0.Add(time.Hour), improvements.Change{Status: &done})
	require.NoError(t, err)
	second, err := it.Update("bob", t0.Add(time.Hour), improvements.Change{Note: note})
	require.NoError(t, err)
	_, err = s.AppendImprovement(ctx, it.Runbook, it.Service, first)
	require.NoError(t, err)
	_, err = s.AppendImprovement(ctx, it.Runbook, it.Service, first)
	require.NoError(t, err, "the same event again is a retry")
	_, err = s.AppendImprovement(ctx, it.Runbook, it.Service, second)
	require.ErrorIs(t, err, ErrImprovementConflict)

	items, _, err := Improvements(ctx, s, thirtyDays)
	require.NoError(t, err)
	got := improvements.Select(items, improvements.Filter{Status: improvements.Done})
	require.Len(t, got, 1)
	assert.Equal(t, it.ID, got[0].ID)
	assert.Equal(t, 2, got[0].Events)
}

// An improvement record's history is tamper-evident: editing it fails verification, and
// the edited event is left out of the plan with the reason.
func TestTamperedImprovementRecordFailsVerification(t *testing.T) {
	s, it := storeWithItem(t)
	ctx := context.Background()
	dropped := improvements.Dropped
	e, err := it.Update("mallory", t0.Add(time.Hour), improvements.Change{Status: &dropped, Reason: "too hard"})
	require.NoError(t, err)
	ref, err := s.AppendImprovement(ctx, it.Runbook, it.Service, e)
	require.NoError(t, err)

	path := filepath.Join(ref.Location, ImprovementFile)
	raw := fixture.Read(t, path)
	require.Contains(t, string(raw), `"mallory"`)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(raw), `"mallory"`, `"alice"`, 1)), 0o600))

	rep, err := s.Verify(ctx)
	require.NoError(t, err)
	require.False(t, rep.OK())
	assert.Contains(t, rep.Problems[0], "bundle 4 (run "+e.RecordID()+"): improvement.json")
	items, problems, err := Improvements(ctx, s, thirtyDays)
	require.NoError(t, err)
	require.Len(t, problems, 1)
	assert.ErrorContains(t, problems[0], "improvement.json was changed")
	assert.Empty(t, improvements.Select(items, improvements.Filter{Status: improvements.Dropped}))
}

// Runs written before the plan existed get their items from an import; a second import
// writes nothing.
func TestImportImprovementsOpensWhatIsMissingOnce(t *testing.T) {
	s, _ := newFileStore(t)
	ctx := context.Background()
	_, err := s.Append(ctx, tabletopWithFindings("tt-1"))
	require.NoError(t, err)
	_, err = s.Append(ctx, record("drill-1", workflows.ModeDrill)) // one action item
	require.NoError(t, err)
	n, err := s.ImportImprovements(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	n, err = s.ImportImprovements(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	items, problems, err := Improvements(ctx, s, thirtyDays)
	require.NoError(t, err)
	assert.Empty(t, problems)
	assert.Len(t, items, 3)
	ms, err := s.List(ctx)
	require.NoError(t, err)
	assert.Len(t, ms, 5)
}
