package evidence

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/workflows"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func record(id string, mode workflows.Mode) workflows.Status {
	return workflows.Status{
		RunID: id, Runbook: "demo-failover", Version: "1.0.0", Digest: "sha256:abc", Service: "demo-web",
		Mode: mode, Initiator: "alice", Trigger: "cli", State: workflows.RunSucceeded,
		StartedAt: t0, EndedAt: t0.Add(2 * time.Minute), ClockStart: t0.Add(-time.Minute),
		RTOTarget: 5 * time.Minute, RTOActual: 3 * time.Minute, RPOTarget: time.Minute, RPOActual: 400 * time.Millisecond,
		RPOMarkerAt: t0.Add(-time.Minute - 400*time.Millisecond),
		Steps: []workflows.StepState{
			{ID: "check", Uses: "http.check", Status: workflows.StepSucceeded, Attempts: 1, StartedAt: t0, EndedAt: t0.Add(time.Second)},
			{ID: "approve", Uses: "approval", Status: workflows.StepSucceeded, StartedAt: t0.Add(time.Second), EndedAt: t0.Add(time.Minute),
				Decisions: []workflows.Decision{{By: "bob", At: t0.Add(time.Minute), Approve: true, Comment: "go | now"}}},
			{ID: "switch", Uses: "http.request", Status: workflows.StepFailed, Attempts: 3, Error: "status 502", StartedAt: t0.Add(time.Minute), EndedAt: t0.Add(2 * time.Minute)},
		},
		Findings: []workflows.Finding{{Kind: workflows.FindingAction, Text: "automate the DNS switch", Owner: "sre", By: "bob", At: t0}},
	}
}

func newFileStore(t *testing.T) (*Store, string) {
	dir := filepath.Join(t.TempDir(), "evidence")
	s, err := NewFileStore(dir)
	require.NoError(t, err)
	s.now = func() time.Time { return t0 }
	return s, dir
}

// appendDrills appends the drill records run-1 to run-n to s.
func appendDrills(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		_, err := s.Append(context.Background(), record(fmt.Sprintf("run-%d", i), workflows.ModeDrill))
		require.NoError(t, err)
	}
}

// verified asserts that s's chain verifies.
func verified(t *testing.T, s *Store) {
	t.Helper()
	rep, err := s.Verify(context.Background())
	require.NoError(t, err)
	require.True(t, rep.OK(), "%v", rep.Problems)
}

func TestAppendChainsBundlesAndIsIdempotent(t *testing.T) {
	s, dir := newFileStore(t)
	ctx := context.Background()
	r1, err := s.Append(ctx, record("run-1", workflows.ModeLive))
	require.NoError(t, err)
	r2, err := s.Append(ctx, record("run-2", workflows.ModeDrill))
	require.NoError(t, err)
	again, err := s.Append(ctx, record("run-1", workflows.ModeLive))
	require.NoError(t, err)
	assert.Equal(t, r1, again, "a retried write returns the bundle already written")
	assert.Equal(t, int64(1), r1.Seq)
	assert.Equal(t, int64(2), r2.Seq)
	assert.Equal(t, filepath.Join(dir, "bundles", "0000000001-run-1"), r1.Location)

	list, err := s.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, r1.Hash, list[1].PrevHash, "bundle 2 chains to bundle 1")
	for _, f := range []string{RecordFile, MarkdownFile, HTMLFile, JUnitFile, ManifestFile} {
		assert.FileExists(t, filepath.Join(r2.Location, f))
	}
	rep, err := s.Verify(ctx)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Problems)
	assert.Equal(t, 2, rep.Bundles)
	assert.Equal(t, r2.Hash, rep.HeadHash)
}

func TestVerifyDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   string
	}{
		{"one byte of a report", func(t *testing.T, dir string) {
			flipByte(t, filepath.Join(dir, "bundles", "0000000002-run-2", MarkdownFile))
		}, "bundle 2 (run run-2): report.md was changed"},
		{"one byte of a record", func(t *testing.T, dir string) {
			flipByte(t, filepath.Join(dir, "bundles", "0000000001-run-1", RecordFile))
		}, "bundle 1 (run run-1): record.json was changed"},
		{"the manifest in the chain", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "chain", "0000000002.json")
			b, _ := os.ReadFile(path)
			require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), `"state": "succeeded"`, `"state": "failed"`, 1)), 0o600))
		}, "bundle 2 (run run-2): manifest.json was changed"},
		{"a bundle in the middle removed", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "bundles", "0000000002-run-2")))
			require.NoError(t, os.Remove(filepath.Join(dir, "chain", "0000000002.json")))
		}, "bundle 2 is missing"},
		{"the newest bundle removed", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "bundles", "0000000003-run-3")))
			require.NoError(t, os.Remove(filepath.Join(dir, "chain", "0000000003.json")))
		}, "HEAD names bundle 3"},
		{"a file added", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "bundles", "0000000001-run-1", "extra.txt"), []byte("x"), 0o600))
		}, "extra.txt was added"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := newFileStore(t)
			appendDrills(t, s, 3)
			verified(t, s)
			tc.tamper(t, dir)
			rep, err := s.Verify(context.Background())
			require.NoError(t, err)
			assert.False(t, rep.OK())
			assert.Contains(t, strings.Join(rep.Problems, "\n"), tc.want)
		})
	}
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	b := fixture.Read(t, path)
	b[len(b)/2] ^= 0x01
	require.NoError(t, os.WriteFile(path, b, 0o600))
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	_, dir := newFileStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := NewFileStore(dir) // as another worker would
			require.NoError(t, err)
			_, err = s.Append(ctx, record(fmt.Sprintf("run-%02d", i), workflows.ModeLive))
			assert.NoError(t, err)
		}(i)
	}
	wg.Wait()
	s, _ := NewFileStore(dir)
	rep, err := s.Verify(ctx)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Problems)
	assert.Equal(t, 12, rep.Bundles)
}

func TestReportFormats(t *testing.T) {
	st := record("run-1", workflows.ModeLive)
	b, m, err := NewBundle(st, 1, "", t0)
	require.NoError(t, err)
	assert.Equal(t, "run-1", m.RunID)
	md := string(b[MarkdownFile])
	for _, want := range []string{
		"# Recovery report: demo-failover", "| RTO | 5m | 3m | met |", "| RPO | 1m | 400ms | met |",
		"| switch | http.request | failed | +1m | 1m | 3 | error: status 502 |",
		`| +1m | bob | approved | approve | 59s | go \| now |`, "| action | automate the DNS switch | sre |",
	} {
		assert.Contains(t, md, want)
	}
	assert.Contains(t, string(b[HTMLFile]), "<h1>Recovery report: demo-failover</h1>")
	var suites junitSuites
	require.NoError(t, xml.Unmarshal(b[JUnitFile], &suites))
	require.Len(t, suites.Suites, 1)
	assert.Equal(t, 5, suites.Suites[0].Tests, "three steps and two objectives")
	assert.Equal(t, 1, suites.Suites[0].Failures)

	st.Mode = workflows.ModeTabletop
	st.Injects = []workflows.InjectDelivery{{Due: 10 * time.Minute, Title: "Backups encrypted too", DeliveredAt: t0.Add(100 * time.Second)}}
	b, _, err = NewBundle(st, 2, m.Hash, t0)
	require.NoError(t, err)
	md = string(b[MarkdownFile])
	assert.Contains(t, md, "# After-action report: demo-failover (tabletop exercise)")
	assert.Contains(t, md, "## Injects")
	assert.Contains(t, md, "| +1m | bob | answered | approve | 59s |")
}
