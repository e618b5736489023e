package api

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/workflows"
)

// Attack (issue 18, finding 8): record.json in a bundle is edited. The evidence endpoint
// warned (X-Bcdr-Evidence-Check) but the report endpoint served the edited file as the
// run's report. It now refuses it, saying what does not match, like the store's readers.
func TestReportRefusesATamperedBundle(t *testing.T) {
	dir := t.TempDir()
	store, err := evidence.NewFileStore(dir)
	require.NoError(t, err)
	at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	_, err = store.Append(context.Background(), workflows.Status{RunID: "run-1", Runbook: "demo-failover", Service: "demo-web",
		Mode: workflows.ModeDrill, State: workflows.RunSucceeded, StartedAt: at, EndedAt: at.Add(time.Minute)})
	require.NoError(t, err)
	s := testServer(t)
	s.opts.Evidence = store

	for _, format := range []string{"json", "md", "html", "junit"} {
		w, _ := call(s, "GET", "/v1/runs/run-1/report?format="+format, "viewer", "", "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Equal(t, "ok", w.Header().Get("X-Bcdr-Evidence-Check"))
	}

	path := filepath.Join(dir, "bundles", "0000000001-run-1", evidence.RecordFile)
	raw := fixture.Read(t, path)
	require.NoError(t, os.WriteFile(path, append(raw[:len(raw)-2], []byte(`,"edited":true}`)...), 0o600))

	w, e := call(s, "GET", "/v1/runs/run-1/report?format=json", "viewer", "", "")
	figures.NewAttacks(t, "18.8", "the report endpoint serves a tampered record").Try(w.Code == http.StatusConflict)
	assert.Equal(t, http.StatusConflict, w.Code, w.Body.String())
	assert.Contains(t, e.Message, "record.json was changed")
	assert.Contains(t, e.Message, "bcdr evidence verify")
	assert.NotContains(t, w.Body.String(), `"edited"`)
	assert.Contains(t, w.Header().Get("X-Bcdr-Evidence-Check"), "record.json was changed")

	w, _ = call(s, "GET", "/v1/runs/run-1/evidence", "viewer", "", "")
	assert.Equal(t, http.StatusOK, w.Code, "the bundle itself can still be downloaded, with its warning")
	assert.Contains(t, w.Header().Get("X-Bcdr-Evidence-Check"), "record.json was changed")
}
