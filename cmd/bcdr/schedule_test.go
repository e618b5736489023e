package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api"
)

// scheduleAPI answers the schedule endpoints as api/openapi.yaml documents them and keeps
// what the CLI sent.
func scheduleAPI(t *testing.T, sent *api.ScheduleRequest) *httptest.Server {
	t.Helper()
	next := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	sc := api.Schedule{ID: "quarterly", Runbook: "demo-failover", Service: "demo-web", Mode: "drill", Every: "2160h0m0s", Cron: "[0 10 * * 1]",
		Jitter: "24h0m0s", CreatedBy: "alice", Next: []time.Time{next, next.Add(90 * 24 * time.Hour)},
		Recent: []api.ScheduledRun{{RunID: "scheduled-quarterly-1", ScheduledAt: next.Add(-time.Hour), StartedAt: next.Add(-time.Hour)}}, Actions: 1}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/schedules":
			require.NoError(t, json.NewDecoder(r.Body).Decode(sent))
			w.WriteHeader(http.StatusCreated)
		case r.Method == http.MethodGet && r.URL.Path == "/v1/schedules/quarterly":
		default:
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(sc)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func cli(t *testing.T, url string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	dir := t.TempDir()
	t.Chdir(dir) // no bcdr.yaml in the working folder
	env := map[string]string{"BCDR_SERVER_URL": url, "HOME": dir, "XDG_CONFIG_HOME": dir}
	code := run(context.Background(), args, nil, &out, &errb, func(k string) string { return env[k] }, nil)
	return out.String(), errb.String(), code
}

func TestScheduleEveryTakesDays(t *testing.T) {
	var sent api.ScheduleRequest
	srv := scheduleAPI(t, &sent)
	out, errs, code := cli(t, srv.URL, "schedule", "create", "quarterly", "--runbook", "demo-failover", "--every", "90d", "--jitter", "1d")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "90d", sent.Every)
	assert.Equal(t, "1d", sent.Jitter)
	assert.Equal(t, "schedule quarterly: drill of demo-failover every 90d\n", out)

	_, errs, code = cli(t, srv.URL, "schedule", "create", "quarterly", "--runbook", "demo-failover", "--every", "90 days")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, `invalid argument "90 days" for "--every" flag`)
	assert.Contains(t, errs, `"2d"`)
}

func TestScheduleShowIsATable(t *testing.T) {
	srv := scheduleAPI(t, new(api.ScheduleRequest))
	out, errs, code := cli(t, srv.URL, "schedule", "show", "quarterly")
	require.Equal(t, 0, code, errs)
	for _, want := range []string{"schedule  quarterly\n", "runbook   demo-failover (demo-web), drill\n", "every     90d, jitter 1d\n", "cron      0 10 * * 1\n",
		"made by   alice\n", "next      2026-03-02", "scheduled-quarterly-1"} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "{")
	assert.NotContains(t, out, "2160h")

	out, _, code = cli(t, srv.URL, "schedule", "show", "quarterly", "--output", "json")
	require.Equal(t, 0, code)
	var sc api.Schedule
	require.NoError(t, json.Unmarshal([]byte(out), &sc), out)
	assert.Equal(t, "quarterly", sc.ID)
}
