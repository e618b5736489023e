package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/notify"
	"github.com/bcdr/bcdr/activities/notify/notifytest"
	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/workflows"
)

// The API's end-to-end tests: `bcdr dev` in a child process (embedded engine, worker and
// the real HTTP server), called over HTTP with a token for every role.

const gateRunbook = `apiVersion: bcdr.io/v1
kind: Runbook
metadata:
  name: api-gate
  service: payments
  tier: 1
parameters:
  - name: region
    type: string
    required: true
steps:
  - id: gate
    uses: approval
    with:
      approvers: [group:incident-commanders]
  - id: confirm
    uses: manual
    needs: [gate]
    instructions: Confirm that the database answers in ${{ params.region }}.
  - id: done
    uses: noop
    needs: [confirm]
`

const drillRunbook = `apiVersion: bcdr.io/v1
kind: Runbook
metadata:
  name: api-drill
  service: payments
  tier: 1
steps:
  - id: check
    uses: noop
`

// roleTokens: each user's token is their name; their roles are in the config below.
var roleTokens = map[string]string{
	"viewer": "vic", "operator": "olga", "incident-commander": "ivan", "approver": "amy", "author": "art", "admin": "ada",
}

// hooks records the signed webhooks bcdr sends.
type hooks struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []activities.Event
	forged int
}

func (h *hooks) received() ([]activities.Event, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]activities.Event(nil), h.events...), h.forged
}

type apiEnv struct {
	*env
	base string
	hook *hooks
	mail *notifytest.SMTPServer
	dev  *proc
}

// newAPIEnv starts bcdr dev with the API on loopback, its configuration the test's
// tokens, trigger, notifications and runbook folder, and extra (YAML lines) after them.
func newAPIEnv(t *testing.T, extra ...string) *apiEnv {
	e := newEnv(t)
	a := &apiEnv{env: e, hook: &hooks{}, mail: notifytest.StartSMTP(t)}
	a.hook.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.hook.mu.Lock()
		defer a.hook.mu.Unlock()
		if r.Header.Get("X-Bcdr-Signature") != notify.Sign("hook-secret", body) {
			a.hook.forged++
			return
		}
		var ev activities.Event
		if json.Unmarshal(body, &ev) == nil {
			a.hook.events = append(a.hook.events, ev)
		}
	}))
	t.Cleanup(a.hook.srv.Close)

	dir := filepath.Join(e.dir, "runbooks")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "api-gate.yaml"), []byte(gateRunbook), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "api-drill.yaml"), []byte(drillRunbook), 0o600))
	var tokens strings.Builder
	for role, name := range roleTokens {
		fmt.Fprintf(&tokens, "    - {name: %s, hash: %q, roles: [%s]}\n", name, api.HashToken(name), role)
	}
	fmt.Fprintf(&tokens, "    - {name: pat, hash: %q}\n", api.HashToken("pat"))
	// dora schedules drills: a schedule needs the author role and the role its runs need.
	fmt.Fprintf(&tokens, "    - {name: dora, hash: %q, roles: [author, operator]}\n", api.HashToken("dora"))
	port, httpPort := freePort(t), freePort(t)
	a.base = "http://127.0.0.1:" + strconv.Itoa(httpPort)
	cfg := fmt.Sprintf(`groups:
  incident-commanders: [alice, bob, amy, ada]
auth:
  tokens:
%s  bindings:
    - {roles: [operator], users: [pat], services: [other]}
triggers:
  region-down:
    source: alertmanager
    token_hash: %q
    hmac_secret: hmac-secret
    runbook: api-gate
    mode: live
    match: {alertname: RegionDown}
    params: {region: "{{ .Labels.region }}"}
    min_interval: 10m
    approvers: [group:incident-commanders]
http:
  public_url: %q
notify:
  channels:
    hook: {type: webhook, url: %q, secret: hook-secret}
    mail: {type: email, smtp: %q, from: bcdr@example.com, to: [dr@example.com]}
  routes:
    - {channels: [hook]}
    - {channels: [mail], events: [run.finished]}
  people_channel: mail
drills:
  runbook_dirs: [%q]
  cadence: {"1": 2160h}
`, tokens.String(), api.HashToken("alert-token"), a.base, a.hook.srv.URL, a.mail.Addr, dir) + strings.Join(extra, "\n")
	require.NoError(t, os.WriteFile(e.vars["BCDR_CONFIG"], []byte(cfg), 0o600))

	p := e.spawnDev(port, 0, "127.0.0.1:"+strconv.Itoa(httpPort))
	p.eventually(t, "bcdr dev to serve the API", time.Minute, func() bool { return ready(a.base) })
	a.dev = p
	return a
}

// call sends a request with the token (none when ""), a JSON body (none when nil) and
// returns the status and the decoded answer.
func (a *apiEnv) call(token, method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(a.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	require.NoError(a.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out
}

func (a *apiEnv) must(token, method, path string, body any, want int) map[string]any {
	a.t.Helper()
	code, out := a.call(token, method, path, body)
	require.Equal(a.t, want, code, "%s %s as %s: %v", method, path, token, out)
	return out
}

func (a *apiEnv) run(id string) workflows.Status {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.base+"/v1/runs/"+id, nil)
	req.Header.Set("Authorization", "Bearer vic")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	require.Equal(a.t, http.StatusOK, resp.StatusCode)
	var st workflows.Status
	require.NoError(a.t, json.NewDecoder(resp.Body).Decode(&st))
	return st
}

// start starts a run of a server-side runbook as token and waits for its first pending task.
func (a *apiEnv) start(token, runbook, mode string, waitFor string) string {
	a.t.Helper()
	out := a.must(token, "POST", "/v1/runs", map[string]any{"runbook": runbook, "mode": mode, "params": map[string]any{"region": "eu-west-1"}}, http.StatusCreated)
	id := out["runId"].(string)
	if waitFor != "" {
		eventually(a.t, "step "+waitFor+" to wait", 30*time.Second, func() bool {
			st := a.run(id)
			return len(st.Pending) > 0 && st.Pending[0].Step == waitFor
		})
	}
	return id
}

// fingerprint is what a refused request must leave unchanged in a run.
func fingerprint(st workflows.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d actions|%d pending|", st.State, len(st.Actions), len(st.Pending))
	for _, s := range st.Steps {
		fmt.Fprintf(&b, "%s:%s:%d;", s.ID, s.Status, len(s.Decisions))
	}
	return b.String()
}

func TestAPI(t *testing.T) {
	a := newAPIEnv(t)
	t.Run("every mutating endpoint refuses the roles that must not use it", a.testRoleTable)
	t.Run("an approval by the initiator is refused; the identity is the token's", a.testApprovals)
	t.Run("webhooks: forgeries refused, a repeated alert starts one run", a.testWebhook)
	t.Run("a schedule starts a drill; the cadence report sees it", a.testSchedule)
	t.Run("the CLI runs, shows and watches through the server as the token's identity", a.testRemoteCLI)
	t.Run("notifications reach the webhook and SMTP receivers", a.testNotifications)
	t.Run("bcdr server serves the API against an existing engine", a.testServerCommand)
}

func (a *apiEnv) testServerCommand(t *testing.T) {
	port := freePort(t)
	p := a.spawn("server", "--http", "127.0.0.1:"+strconv.Itoa(port))
	other := &apiEnv{env: a.env, base: "http://127.0.0.1:" + strconv.Itoa(port)}
	p.eventually(t, "bcdr server to answer", 30*time.Second, func() bool { return ready(other.base) })
	who := other.must("amy", "GET", "/v1/whoami", nil, http.StatusOK)
	assert.Equal(t, "amy", who["name"])
	assert.Equal(t, []any{"incident-commanders"}, who["groups"])
	code, _ := other.call("", "GET", "/v1/runs", nil)
	assert.Equal(t, http.StatusUnauthorized, code)
	runs := other.must("vic", "GET", "/v1/runs?runbook=api-gate&since=1h", nil, http.StatusOK)
	assert.NotEmpty(t, runs["runs"], "the same engine's runs")
}

func (a *apiEnv) testRemoteCLI(t *testing.T) {
	a.vars["BCDR_SERVER_URL"], a.vars["BCDR_SERVER_TOKEN"], a.vars["BCDR_IDENTITY_USER"] = a.base, "olga", "mallory"
	defer func() {
		delete(a.vars, "BCDR_SERVER_URL")
		delete(a.vars, "BCDR_SERVER_TOKEN")
		a.vars["BCDR_IDENTITY_USER"] = "alice"
	}()
	file := filepath.Join(a.dir, "runbooks", "api-drill.yaml")
	out := a.mustCLI("run", file, "--mode", "drill", "--wait", "--output", "json")
	var st workflows.Status
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	assert.Equal(t, workflows.RunSucceeded, st.State)
	assert.Equal(t, "olga", st.Initiator, "the server's identity for the token, not --as")
	assert.Equal(t, "api", st.Trigger)
	assert.Contains(t, a.mustCLI("status", st.RunID), "started by olga (api)")

	_, errOut, code := a.cli("run", file, "--mode", "live")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "needs role incident-commander on service payments")

	a.vars["BCDR_SERVER_TOKEN"] = "wrong"
	_, errOut, code = a.cli("status", st.RunID)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "authentication required")
}

func (a *apiEnv) testRoleTable(t *testing.T) {
	runID := a.start("ivan", "api-gate", "live", "gate")
	a.must("dora", "POST", "/v1/schedules", map[string]any{"id": "role-table", "runbook": "api-drill", "every": "24h", "paused": true}, http.StatusCreated)
	run := "/v1/runs/" + runID
	all := []string{"viewer", "operator", "incident-commander", "approver", "author", "admin"}
	refuse := func(allowed ...string) []string {
		var out []string
		for _, r := range all {
			if r != "admin" && !slices.Contains(allowed, r) {
				out = append(out, r)
			}
		}
		return out
	}
	table := []struct {
		route, path string
		body        any
		refused     []string
	}{
		{"POST /v1/runs", "/v1/runs", map[string]any{"runbook": "api-drill", "mode": "drill"}, refuse("operator", "incident-commander")},
		{"POST /v1/runs", "/v1/runs", map[string]any{"runbook": "api-gate", "mode": "live", "params": map[string]any{"region": "x"}}, refuse("incident-commander")},
		{"POST /v1/preflight", "/v1/preflight", map[string]any{"runbook": "api-drill", "mode": "drill"}, refuse("operator", "incident-commander")},
		{"POST /v1/runs/{id}/approve", run + "/approve", map[string]any{"step": "gate"}, refuse("approver")},
		{"POST /v1/runs/{id}/decline", run + "/decline", map[string]any{"step": "gate", "comment": "no"}, refuse("approver")},
		{"POST /v1/runs/{id}/complete", run + "/complete", map[string]any{"step": "confirm"}, refuse("operator", "incident-commander")},
		{"POST /v1/runs/{id}/answers", run + "/answers", map[string]any{"step": "confirm", "answer": "x"}, refuse("operator", "incident-commander")},
		{"POST /v1/runs/{id}/pause", run + "/pause", nil, refuse("operator", "incident-commander")},
		{"POST /v1/runs/{id}/resume", run + "/resume", nil, refuse("operator", "incident-commander")},
		{"POST /v1/runs/{id}/skip", run + "/skip", map[string]any{"step": "gate", "comment": "x"}, refuse("operator", "incident-commander")},
		{"POST /v1/runs/{id}/retry", run + "/retry", map[string]any{"step": "gate"}, refuse("operator", "incident-commander")},
		{"POST /v1/runs/{id}/cancel", run + "/cancel", map[string]any{"comment": "x"}, refuse("operator", "incident-commander")},
		{"POST /v1/runs/{id}/advance", run + "/advance", nil, refuse("operator", "incident-commander")},
		{"POST /v1/runs/{id}/findings", run + "/findings", map[string]any{"kind": "gap", "text": "x"}, refuse("operator", "incident-commander")},
		{"POST /v1/schedules", "/v1/schedules", map[string]any{"id": "refused", "runbook": "api-drill", "every": "24h"}, refuse()}, // author and operator together
		{"DELETE /v1/schedules/{id}", "/v1/schedules/role-table", nil, refuse("author")},
		{"POST /v1/schedules/{id}/pause", "/v1/schedules/role-table/pause", nil, refuse("author")},
		{"POST /v1/schedules/{id}/unpause", "/v1/schedules/role-table/unpause", nil, refuse("author")},
		{"POST /v1/schedules/{id}/trigger", "/v1/schedules/role-table/trigger", nil, refuse("operator", "incident-commander")},
		// Who may change an item depends on the item; roles that may change none are refused first.
		{"PATCH /v1/improvements/{id}", "/v1/improvements/imp-000000000000", map[string]any{"note": "x"}, refuse("operator", "incident-commander", "author")},
	}
	// The table covers every mutating route the server has (webhooks authenticate
	// themselves and are tested below).
	covered := map[string]bool{}
	for _, tc := range table {
		covered[tc.route] = true
	}
	for route, role := range api.New(api.Options{}).RouteRoles() {
		if !strings.HasPrefix(route, "GET ") && role != "" {
			assert.True(t, covered[route], "the role table misses %s", route)
		}
	}

	before := fingerprint(a.run(runID))
	schedBefore := a.must("vic", "GET", "/v1/schedules/role-table", nil, http.StatusOK)
	refusals := 0
	for _, tc := range table {
		for _, role := range tc.refused {
			method := strings.Fields(tc.route)[0]
			code, out := a.call(roleTokens[role], method, tc.path, tc.body)
			assert.Equal(t, http.StatusForbidden, code, "%s as %s: %v", tc.route, role, out)
			refusals++
		}
		code, _ := a.call("", strings.Fields(tc.route)[0], tc.path, tc.body)
		assert.Equal(t, http.StatusUnauthorized, code, "%s without a token", tc.route)
	}
	// pat is an operator on service "other" only: the payments run is not theirs.
	code, out := a.call("pat", "POST", run+"/pause", nil)
	assert.Equal(t, http.StatusForbidden, code, "%v", out)
	assert.Contains(t, out["error"], "on service payments")
	code, _ = a.call("pat", "GET", run, nil)
	assert.Equal(t, http.StatusForbidden, code, "pat may not see the payments run either")
	listed := a.must("pat", "GET", "/v1/runs", nil, http.StatusOK)
	assert.Empty(t, listed["runs"], "nor list it")

	assert.Equal(t, before, fingerprint(a.run(runID)), "refused requests changed the run")
	schedAfter := a.must("vic", "GET", "/v1/schedules/role-table", nil, http.StatusOK)
	assert.Equal(t, schedBefore["paused"], schedAfter["paused"])
	assert.Equal(t, schedBefore["actions"], schedAfter["actions"], "no refused trigger started a run")
	a.must("vic", "GET", "/v1/schedules/refused", nil, http.StatusNotFound)
	runs := a.must("vic", "GET", "/v1/runs?runbook=api-drill", nil, http.StatusOK)
	assert.Empty(t, runs["runs"], "no refused start started a run")

	// The roles that may, can: the operator pauses and resumes, the commander cancels.
	a.must("olga", "POST", run+"/pause", nil, http.StatusOK)
	a.must("olga", "POST", run+"/resume", map[string]any{"comment": "go on"}, http.StatusOK)
	a.must("ivan", "POST", run+"/cancel", map[string]any{"comment": "end of test"}, http.StatusOK)
	a.must("art", "DELETE", "/v1/schedules/role-table", nil, http.StatusOK)
	eventually(t, "the cancelled run to end", 30*time.Second, func() bool { return a.run(runID).State.Done() })
	st := a.run(runID)
	assert.Equal(t, workflows.RunCancelled, st.State)
	require.Len(t, st.Actions, 3)
	assert.Equal(t, []string{"olga", "olga", "ivan"}, []string{st.Actions[0].By, st.Actions[1].By, st.Actions[2].By})
	figures.Report(t, "mutating_routes=%d roles=%d refused_as_a_role=%d refused_without_a_token=%d state_changed_by_a_refusal=0",
		len(covered), len(all), refusals, len(table))
}

func (a *apiEnv) testApprovals(t *testing.T) {
	runID := a.start("ada", "api-gate", "live", "gate") // ada: admin, and in group incident-commanders
	code, out := a.call("ada", "POST", "/v1/runs/"+runID+"/approve", map[string]any{"step": "gate", "comment": "me"})
	assert.Equal(t, http.StatusConflict, code, "%v", out)
	assert.Contains(t, out["error"], "four-eyes")
	code, out = a.call("amy", "POST", "/v1/runs/"+runID+"/approve", map[string]any{"step": "gate", "by": map[string]any{"name": "ada"}})
	assert.Equal(t, http.StatusBadRequest, code, "the identity is never taken from the body")
	assert.Equal(t, "by", out["field"])

	// amy approves through the CLI configured with the server and her token.
	a.vars["BCDR_SERVER_URL"], a.vars["BCDR_SERVER_TOKEN"], a.vars["BCDR_IDENTITY_USER"] = a.base, "amy", "mallory"
	defer func() {
		delete(a.vars, "BCDR_SERVER_URL")
		delete(a.vars, "BCDR_SERVER_TOKEN")
		a.vars["BCDR_IDENTITY_USER"] = "alice"
	}()
	assert.Contains(t, a.mustCLI("approve", runID, "gate", "-m", "primary is down"), "step gate approved by amy")
	eventually(t, "the manual task", 30*time.Second, func() bool {
		st := a.run(runID)
		return len(st.Pending) == 1 && st.Pending[0].Step == "confirm"
	})
	a.must("olga", "POST", "/v1/runs/"+runID+"/complete", map[string]any{"step": "confirm", "comment": "answers"}, http.StatusOK)
	eventually(t, "the run to end", 30*time.Second, func() bool { return a.run(runID).State.Done() })
	st := a.run(runID)
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	assert.Equal(t, "ada", st.Initiator)
	assert.Equal(t, "amy", st.Step("gate").Decisions[0].By, "not mallory, the CLI's --as")
	assert.Equal(t, "olga", st.Step("confirm").Decisions[0].By)

	var watch bytes.Buffer
	code2 := run(t.Context(), []string{"watch", runID}, strings.NewReader(""), &watch, &watch, a.getenv, a.environ())
	assert.Equal(t, 0, code2, watch.String())
	assert.Contains(t, watch.String(), "step gate succeeded")
	assert.Contains(t, watch.String(), "run succeeded")
}

func alertPayload(fingerprint, region string) map[string]any {
	alert := map[string]any{"status": "firing", "labels": map[string]any{"alertname": "RegionDown", "region": region},
		"annotations": map[string]any{"summary": "region down"}, "startsAt": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
		"endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/graph", "fingerprint": fingerprint}
	return map[string]any{"version": "4", "groupKey": `{}:{alertname="RegionDown"}`, "truncatedAlerts": 0, "status": "firing",
		"receiver": "bcdr", "groupLabels": map[string]any{"alertname": "RegionDown"}, "commonLabels": map[string]any{"alertname": "RegionDown"},
		"commonAnnotations": map[string]any{}, "externalURL": "http://alertmanager", "alerts": []any{alert}}
}

func (a *apiEnv) testWebhook(t *testing.T) {
	payload := alertPayload("f00d", "eu-west-1")
	body, _ := json.Marshal(payload)
	post := func(header map[string]string, b []byte) (int, map[string]any) {
		req, _ := http.NewRequest("POST", a.base+"/v1/triggers/region-down", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for name, h := range map[string]map[string]string{
		"no credentials":  {},
		"wrong token":     {"Authorization": "Bearer olga"},
		"forged HMAC":     {"X-Bcdr-Signature": notify.Sign("guessed", body)},
		"HMAC of another": {"X-Bcdr-Signature": notify.Sign("hmac-secret", []byte(`{}`))},
	} {
		code, out := post(h, body)
		assert.Equal(t, http.StatusUnauthorized, code, "%s: %v", name, out)
	}

	var first string
	for i := 0; i < 3; i++ {
		code, out := post(map[string]string{"Authorization": "Bearer alert-token"}, body)
		if i == 0 {
			require.Equal(t, http.StatusAccepted, code, "%v", out)
			assert.Equal(t, true, out["started"])
			first = out["runId"].(string)
			continue
		}
		assert.Equal(t, http.StatusOK, code, "%v", out)
		assert.Equal(t, false, out["started"])
		assert.Equal(t, first, out["runId"], "the repeat names the run it duplicates")
	}
	// Another alert, HMAC-signed, within the trigger's minimum interval starts nothing.
	other, _ := json.Marshal(alertPayload("beef", "us-east-1"))
	code, out := post(map[string]string{"X-Bcdr-Signature": notify.Sign("hmac-secret", other)}, other)
	assert.Equal(t, http.StatusOK, code, "%v", out)
	assert.Equal(t, false, out["started"])
	assert.Contains(t, out["reason"], "less than 10m0s ago")

	eventually(t, "the triggered run to wait for its approval", 30*time.Second, func() bool {
		st := a.run(first)
		return len(st.Pending) == 1 && st.Pending[0].Step == "trigger_approval"
	})
	st := a.run(first)
	assert.Equal(t, "webhook:region-down", st.Trigger)
	assert.Equal(t, "trigger:region-down", st.Initiator)
	assert.Equal(t, "eu-west-1", st.Params["region"], "the parameter came from the alert's labels")
	assert.Equal(t, workflows.StepPending, st.Step("gate").Status, "nothing ran before the approval")
	var runs []any
	eventually(t, "visibility", 10*time.Second, func() bool {
		out := a.must("vic", "GET", "/v1/runs?runbook=api-gate&outcome=running", nil, http.StatusOK)
		runs = out["runs"].([]any)
		return len(runs) >= 1
	})
	triggered := 0
	for _, r := range runs {
		if strings.HasPrefix(r.(map[string]any)["runId"].(string), "trigger-region-down-") {
			triggered++
		}
	}
	assert.Equal(t, 1, triggered, "three identical alerts and one more started one run")
	a.must("ivan", "POST", "/v1/runs/"+first+"/cancel", map[string]any{"comment": "test over"}, http.StatusOK)
}

func (a *apiEnv) testSchedule(t *testing.T) {
	a.must("dora", "POST", "/v1/schedules", map[string]any{"id": "payments-drill", "runbook": "api-drill", "every": "2160h", "jitter": "1h"}, http.StatusCreated)
	code, out := a.call("dora", "POST", "/v1/schedules", map[string]any{"id": "live-sched", "runbook": "api-gate", "mode": "live", "every": "24h"})
	assert.Equal(t, http.StatusBadRequest, code, "a schedule does not start live recoveries: %v", out)
	a.must("dora", "POST", "/v1/schedules/payments-drill/trigger", nil, http.StatusAccepted)
	var runID string
	eventually(t, "the schedule to start a run", 30*time.Second, func() bool {
		sc := a.must("vic", "GET", "/v1/schedules/payments-drill", nil, http.StatusOK)
		recent, _ := sc["recent"].([]any)
		if len(recent) == 0 {
			return false
		}
		runID = recent[0].(map[string]any)["runId"].(string)
		return runID != ""
	})
	eventually(t, "the drill to end", 30*time.Second, func() bool { return a.run(runID).State.Done() })
	st := a.run(runID)
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	assert.Equal(t, workflows.ModeDrill, st.Mode)
	assert.Equal(t, "schedule:payments-drill", st.Trigger)

	eventually(t, "the cadence report to count the drill", 15*time.Second, func() bool {
		out := a.must("vic", "GET", "/v1/drills/overdue", nil, http.StatusOK)
		for _, s := range out["services"].([]any) {
			m := s.(map[string]any)
			if m["service"] == "payments" {
				return m["lastRun"] == runID && m["overdue"] == false && m["cadence"] == "2160h0m0s"
			}
		}
		return false
	})

	// The CLI through the server: list, pause, delete.
	a.vars["BCDR_SERVER_URL"], a.vars["BCDR_SERVER_TOKEN"] = a.base, "art"
	defer func() { delete(a.vars, "BCDR_SERVER_URL"); delete(a.vars, "BCDR_SERVER_TOKEN") }()
	assert.Contains(t, a.mustCLI("schedule", "pause", "payments-drill"), "paused")
	eventually(t, "the list to show the schedule", 10*time.Second, func() bool {
		return strings.Contains(a.mustCLI("schedule", "list"), "payments-drill")
	})
	a.vars["BCDR_SERVER_TOKEN"] = "olga"
	_, errOut, code2 := a.cli("schedule", "delete", "payments-drill")
	assert.Equal(t, 1, code2)
	assert.Contains(t, errOut, "needs role author")
	a.vars["BCDR_SERVER_TOKEN"] = "art"
	a.mustCLI("schedule", "delete", "payments-drill")
}

func (a *apiEnv) testNotifications(t *testing.T) {
	eventually(t, "run events at the webhook receiver", 30*time.Second, func() bool {
		events, _ := a.hook.received()
		types := map[string]bool{}
		for _, ev := range events {
			types[ev.Type] = true
		}
		return types[activities.EventRunStarted] && types[activities.EventApprovalNeeded] && types[activities.EventRunFinished]
	})
	_, forged := a.hook.received()
	assert.Zero(t, forged, "every webhook carried a valid signature")
	eventually(t, "a mail at the SMTP receiver", 30*time.Second, func() bool {
		for _, m := range a.mail.Mails() {
			if strings.Contains(m.Data, "Subject: [bcdr] drill api-drill: succeeded") {
				return true
			}
		}
		return false
	})
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
