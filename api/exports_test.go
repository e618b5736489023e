package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/continuity/trackers"
)

// TestImprovementExportedToGitHubAndBack: the server exports the tabletop's action item
// to GitHub (on loopback, answering as docs.github.com/en/rest/issues/issues documents):
// the issue is created, its link is on the item the API shows; marking the item done
// through the API closes the issue at the next pass, which the update asks for at once.
// While GitHub refuses the token (401), the item stays as it is and shows the failure;
// the evidence chain, export records included, verifies.
func TestImprovementExportedToGitHubAndBack(t *testing.T) {
	e := newPlanEnv(t)
	var mu sync.Mutex
	var got []string
	refuse := true
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Method+" "+r.URL.Path+" "+string(body))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case refuse:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`)
		case r.Method == "POST":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"number":42,"html_url":"https://github.com/acme/dr/issues/42","state":"open"}`)
		default:
			_, _ = io.WriteString(w, `{"number":42,"state":"closed"}`)
		}
	}))
	defer gh.Close()
	e.s.opts.Exporters = []*trackers.Exporter{{
		Tracker: trackers.NewGitHub(trackers.GitHubOptions{Name: "github", API: gh.URL, Repo: "acme/dr", Token: "ghp_t"}),
		Link:    func(id string) string { return "https://bcdr.example.com/v1/improvements/" + id },
	}}
	ctx := context.Background()

	e.s.exportOnce(ctx)
	it := e.get(t)
	require.Len(t, it.Exports, 1)
	assert.Equal(t, "failed", it.Exports[0].State(it.Status))
	assert.Contains(t, it.Exports[0].Error, "create issue in acme/dr: 401 Unauthorized: Bad credentials")
	assert.NotContains(t, it.Exports[0].Error, "ghp_t")
	assert.Equal(t, improvements.Open, it.Status, "the item is untouched")

	refuse = false
	e.clock = e.clock.Add(2 * trackers.PermanentRetry)
	e.s.exportOnce(ctx)
	it = e.get(t)
	assert.Equal(t, improvements.Export{Tracker: "github", Key: "acme/dr#42", URL: "https://github.com/acme/dr/issues/42", Status: improvements.Open, At: e.clock}, it.Exports[0])

	e.call(t, "art", "PATCH", "/v1/improvements/"+e.item, `{"status":"done"}`, http.StatusOK)
	select {
	case <-e.s.exportNow:
	default:
		t.Fatal("an update asks for an export pass at once")
	}
	e.s.exportOnce(ctx)
	it = e.get(t)
	assert.Equal(t, "exported", it.Exports[0].State(it.Status))
	assert.Equal(t, improvements.Done, it.Exports[0].Status)

	mu.Lock()
	require.Len(t, got, 3)
	assert.Contains(t, got[2], "PATCH /repos/acme/dr/issues/42 ")
	var patch map[string]any
	require.NoError(t, json.Unmarshal([]byte(got[2][len("PATCH /repos/acme/dr/issues/42 "):]), &patch))
	mu.Unlock()
	assert.Equal(t, "closed", patch["state"])
	assert.Equal(t, "completed", patch["state_reason"])

	rep, err := e.store.Verify(ctx)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%+v", rep)
}
