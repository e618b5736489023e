package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// planStore is an evidence store holding a tabletop whose action item is owned by sre.
func planStore(t *testing.T) (string, *evidence.Store) {
	dir := filepath.Join(t.TempDir(), "evidence")
	store, err := evidence.NewFileStore(dir)
	require.NoError(t, err)
	ended := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	tt := workflows.Status{
		RunID: "tt-1", Runbook: "demo-failover", Service: "demo-web", Mode: workflows.ModeTabletop, State: workflows.RunSucceeded,
		StartedAt: ended.Add(-time.Hour), EndedAt: ended,
		Findings: []workflows.Finding{{Kind: workflows.FindingAction, Text: "script the DNS switch", Owner: "sre", By: "ciso", At: ended.Add(-time.Minute)}},
	}
	_, err = (&evidence.Activity{Store: store}).Write(context.Background(), tt)
	require.NoError(t, err)
	return dir, store
}

// runCLI runs bcdr in-process with env.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, nil, &out, &errb, func(k string) string { return env[k] }, nil)
	return out.String(), errb.String(), code
}

// The same commands work directly on the evidence store (no engine is dialled) and
// through a bcdr server, where the server's rules refuse a viewer.
func TestImprovementsCommandBothWays(t *testing.T) {
	dir, store := planStore(t)
	home := t.TempDir()
	t.Chdir(home)
	direct := map[string]string{"HOME": home, "XDG_CONFIG_HOME": home, "BCDR_EVIDENCE_DIR": dir, "BCDR_IDENTITY_USER": "alice",
		"BCDR_TEMPORAL_ADDRESS": "127.0.0.1:1"}

	out, errs, code := runCLI(t, direct, "improvements", "import")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "0 improvement items opened in "+dir+"\n", out, "the run's evidence write opened its item already")
	out, errs, code = runCLI(t, direct, "improvements", "list")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "open")
	assert.Contains(t, out, "script the DNS switch")
	assert.Contains(t, out, "1 items: 1 open (0 overdue), 0 done, 0 verified, 0 dropped")
	items, _, err := evidence.Improvements(context.Background(), store, func(string) time.Duration { return 30 * 24 * time.Hour })
	require.NoError(t, err)
	require.Len(t, items, 1)
	id := items[0].ID

	_, errs, code = runCLI(t, direct, "improvements", "update", id, "--status", "dropped")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "--reason: dropping an item needs a reason")
	out, errs, code = runCLI(t, direct, "improvements", "update", id, "--status", "done", "--note", "scripted")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "status:   done since")
	assert.Regexp(t, `alice\s+status: open → done`, out)

	// Through a server: vic views, sam (operator, in group sre) updates.
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	srv := httptest.NewServer(api.New(api.Options{Registry: reg, Evidence: store,
		Auth: api.NewAuthenticator(api.Auth{Tokens: []api.Token{
			{Name: "vic", Hash: api.HashToken("vic-token"), Roles: []string{"viewer"}},
			{Name: "sam", Hash: api.HashToken("sam-token"), Groups: []string{"sre"}, Roles: []string{"operator"}},
		}}, nil, nil)}).Handler())
	defer srv.Close()
	remote := map[string]string{"HOME": home, "XDG_CONFIG_HOME": home, "BCDR_SERVER_URL": srv.URL, "BCDR_SERVER_TOKEN": "vic-token"}
	out, errs, code = runCLI(t, remote, "improvements", "show", id, "-o", "json")
	require.Equal(t, 0, code, errs)
	var it improvements.Item
	require.NoError(t, json.Unmarshal([]byte(out), &it))
	assert.Equal(t, improvements.Done, it.Status)
	_, errs, code = runCLI(t, remote, "improvements", "update", id, "--status", "in_progress")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "needs role author")
	remote["BCDR_SERVER_TOKEN"] = "sam-token"
	out, errs, code = runCLI(t, remote, "improvements", "update", id, "--status", "in_progress", "--note", "not on every host")
	require.Equal(t, 0, code, errs)
	assert.Regexp(t, `sam\s+status: done → in_progress`, out)
	out, errs, code = runCLI(t, remote, "improvements", "list", "--status", "closed")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, errs, `--status: "closed" is not a status`)
}
