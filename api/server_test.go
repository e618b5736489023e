package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/runbooks"
)

// testServer has no engine: every request these tests send is answered before the
// server would reach it, which is the point (a refused request changes nothing).
func testServer(t *testing.T) *Server {
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	return New(Options{
		Registry: reg,
		Auth: NewAuthenticator(Auth{Tokens: []Token{
			{Name: "vic", Hash: HashToken("viewer"), Roles: []string{"viewer"}},
			{Name: "olga", Hash: HashToken("operator"), Roles: []string{"operator"}},
		}}, nil, nil),
		Triggers: map[string]Trigger{
			"am":  {Source: "alertmanager", TokenHash: HashToken("hook-token"), HMACSecret: "hush", Runbook: "demo-failover"},
			"sns": {Source: "sns", TopicARNs: []string{"arn:aws:sns:us-east-1:1:alarms"}, Runbook: "demo-failover"},
		},
	})
}

func call(s *Server, method, path, token, contentType, body string) (*httptest.ResponseRecorder, Error) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	var e Error
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	return w, e
}

func TestRequestHygiene(t *testing.T) {
	s := testServer(t)
	tried := 0
	const js = "application/json"
	for _, tc := range []struct {
		name, method, path, token, ctype, body string
		status                                 int
		field, msg                             string
	}{
		{"no credentials", "GET", "/v1/runs", "", "", "", 401, "", "authentication required"},
		{"unknown token", "POST", "/v1/runs", "nope", js, `{}`, 401, "", "authentication required"},
		{"role too low", "POST", "/v1/runs", "viewer", js, `{"runbook":"demo-failover","mode":"drill"}`, 403, "", "needs role operator"},
		{"not JSON", "POST", "/v1/runs", "operator", "text/plain", `runbook: x`, 415, "", "Content-Type must be application/json"},
		{"no content type", "POST", "/v1/runs", "operator", "", `{}`, 415, "", "Content-Type"},
		{"too big", "POST", "/v1/runs", "operator", js, `{"source":"` + strings.Repeat("x", MaxBody) + `"}`, 413, "", "larger than"},
		{"unknown field", "POST", "/v1/runs", "operator", js, `{"runbook":"demo-failover","initiator":"bob"}`, 400, "initiator", "unknown field"},
		{"wrong type", "POST", "/v1/runs", "operator", js, `{"runbook":"demo-failover","mode":3}`, 400, "mode", "want string"},
		{"malformed", "POST", "/v1/runs", "operator", js, `{"runbook":`, 400, "", "malformed JSON"},
		{"two values", "POST", "/v1/runs", "operator", js, `{} {}`, 400, "", "more than one"},
		{"empty", "POST", "/v1/runs", "operator", js, ``, 400, "", "empty"},
		{"bad mode", "POST", "/v1/runs", "operator", js, `{"runbook":"demo-failover","mode":"yolo"}`, 400, "mode", "not one of"},
		{"no runbook", "POST", "/v1/runs", "operator", js, `{"mode":"drill"}`, 400, "runbook", "give runbook"},
		{"unknown runbook", "POST", "/v1/runs", "operator", js, `{"runbook":"../etc/passwd"}`, 400, "runbook", "no runbook"},
		{"unknown param", "POST", "/v1/runs", "operator", js, `{"runbook":"demo-failover","mode":"drill","params":{"nope":"x"}}`, 400, "params", "no such parameter"},
		{"live needs incident-commander", "POST", "/v1/runs", "operator", js, `{"runbook":"demo-failover","mode":"live"}`, 403, "", "incident-commander on service demo-web"},
		{"unknown endpoint", "GET", "/v1/nowhere", "operator", "", "", 404, "", "no such endpoint"},
		{"wrong method", "PUT", "/v1/runs", "operator", js, `{}`, 405, "", "use GET or POST"},
		{"skip without step", "POST", "/v1/runs/r1/skip", "operator", js, `{"comment":"x"}`, 400, "step", "needs the step"},
		{"rollback on pause", "POST", "/v1/runs/r1/pause", "operator", js, `{"rollback":true}`, 400, "rollback", "cancel only"},
		{"approve needs approver", "POST", "/v1/runs/r1/approve", "operator", js, `{"step":"x"}`, 403, "", "needs role approver"},
		{"schedule needs author", "POST", "/v1/schedules", "operator", js, `{"id":"x"}`, 403, "", "needs role author"},
		{"trigger unknown", "POST", "/v1/triggers/nope", "", js, `{}`, 401, "", "bad or missing"},
		{"trigger without token", "POST", "/v1/triggers/am", "", js, `{"alerts":[]}`, 401, "", "bad or missing"},
		{"trigger forged token", "POST", "/v1/triggers/am", "operator", js, `{"alerts":[]}`, 401, "", "bad or missing"},
		{"sns topic not accepted", "POST", "/v1/triggers/sns", "", "text/plain", `{"Type":"Notification","TopicArn":"arn:aws:sns:us-east-1:9:x"}`, 401, "", "not accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, e := call(s, tc.method, tc.path, tc.token, tc.ctype, tc.body)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			assert.Equal(t, tc.field, e.Field)
			assert.Contains(t, e.Message, tc.msg)
		})
		tried++
	}
	figures.Report(t, "bad_requests=%d (malformed, oversized, wrong content type, unknown field, bad value, no or wrong credentials)", tried)
}

func TestInvalidRunbookIsLocated(t *testing.T) {
	s := testServer(t)
	src := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata:\n  name: broken\nsteps:\n  - id: a\n    uses: http.chek\n"
	body, _ := json.Marshal(StartRequest{Source: src, Filename: "broken.yaml", Mode: "drill"})
	w, e := call(s, "POST", "/v1/runs", "operator", "application/json", string(body))
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	assert.Equal(t, "source", e.Field)
	assert.Contains(t, e.Message, "broken.yaml:7:11:")
	var got struct {
		Diagnostics []runbooks.Diagnostic `json:"diagnostics"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	require.NotEmpty(t, got.Diagnostics)
	assert.Equal(t, 7, got.Diagnostics[0].Line)
}

func TestTriggerHMAC(t *testing.T) {
	s := testServer(t)
	body := []byte(`{"alerts":[]}`)
	r := httptest.NewRequest("POST", "/v1/triggers/am", strings.NewReader(string(body)))
	assert.Error(t, s.checkSender(r, "am", s.opts.Triggers["am"], body))
	r.Header.Set("X-Bcdr-Signature", "sha256=00")
	assert.Error(t, s.checkSender(r, "am", s.opts.Triggers["am"], body))
	r.Header.Set("X-Bcdr-Signature", "sha256=4f2b2b3d8f1c2f1b3f4f0c7e1c7b53a1d0b3b5c6b1b2f7b8e0e7f4a5b6c7d8e9")
	assert.Error(t, s.checkSender(r, "am", s.opts.Triggers["am"], body))
	r.Header.Set("X-Bcdr-Signature", sign("hush", body))
	assert.NoError(t, s.checkSender(r, "am", s.opts.Triggers["am"], body))
	assert.Error(t, s.checkSender(r, "am", s.opts.Triggers["am"], []byte(`{"alerts":[{}]}`)), "the signature covers the body")
	r = httptest.NewRequest("POST", "/v1/triggers/am", nil)
	r.Header.Set("Authorization", "Bearer hook-token")
	assert.NoError(t, s.checkSender(r, "am", s.opts.Triggers["am"], body))
}

func TestAlertSelectionAndRunID(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	alerts := []alert{
		{Status: "resolved", Labels: map[string]string{"alertname": "RegionDown"}, StartsAt: t0.Add(-time.Hour)},
		{Status: "firing", Fingerprint: "b", Labels: map[string]string{"alertname": "RegionDown", "region": "eu"}, StartsAt: t0.Add(time.Minute)},
		{Status: "firing", Fingerprint: "a", Labels: map[string]string{"alertname": "RegionDown", "region": "us"}, StartsAt: t0},
		{Status: "firing", Fingerprint: "c", Labels: map[string]string{"alertname": "DiskFull"}, StartsAt: t0.Add(-time.Minute)},
	}
	a, ok := pick(alerts, map[string]string{"alertname": "RegionDown"})
	require.True(t, ok)
	assert.Equal(t, "us", a.Labels["region"], "the oldest firing alert that matches")
	_, ok = pick(alerts, map[string]string{"alertname": "Nope"})
	assert.False(t, ok)

	id := triggerRunID("region-down", a, t0.Add(10*time.Minute))
	assert.Equal(t, id, triggerRunID("region-down", a, t0.Add(70*time.Minute)), "one firing, one id, however late the repeat")
	refire := a
	refire.StartsAt = t0.Add(2 * time.Hour)
	assert.NotEqual(t, id, triggerRunID("region-down", refire, t0.Add(2*time.Hour)), "a new firing of the alert")
	b, _ := pick(alerts, map[string]string{"region": "eu"})
	assert.NotEqual(t, id, triggerRunID("region-down", b, t0.Add(10*time.Minute)), "another alert")
	assert.Regexp(t, `^trigger-region-down-[0-9a-f]{12}-\d+$`, id)
}

func TestRequireApprovalGatesEveryRootStep(t *testing.T) {
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	src := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata:\n  name: r\nsteps:\n  - id: a\n    uses: noop\n  - id: b\n    uses: noop\n  - id: c\n    uses: noop\n    needs: [a, b]\n"
	rb, diags := runbooks.Parse("r.yaml", []byte(src), reg)
	require.False(t, diags.HasErrors(), diags.Error())
	require.NoError(t, requireApproval(rb, approvalStepID, "Approve", "t", []string{"group:incident-commanders"}, reg))
	require.Equal(t, approvalStepID, rb.Steps[0].ID)
	require.NotNil(t, rb.Steps[0].Approval, "validation decoded the approval")
	assert.Equal(t, []string{"group:incident-commanders"}, rb.Steps[0].Approval.Approvers)
	assert.Equal(t, []string{approvalStepID}, rb.Step("a").Needs)
	assert.Equal(t, []string{approvalStepID}, rb.Step("b").Needs)
	assert.Equal(t, []string{"a", "b"}, rb.Step("c").Needs)
}

// TestOpenAPIMatchesRoutes checks that every route is described and every described
// path and method is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(OpenAPI, &doc))
	require.Equal(t, "3.0.3", doc.OpenAPI)
	var described []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			described = append(described, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(described)
	assert.Equal(t, testServer(t).Routes(), described)
}

func sign(secret string, body []byte) string {
	return "sha256=" + hmacHex(secret, body)
}

func TestCheckTriggers(t *testing.T) {
	s := testServer(t)
	assert.NoError(t, s.CheckTriggers())
	s.opts.Triggers["bad"] = Trigger{Source: "alertmanager", Runbook: "no-such", TokenHash: HashToken("x")}
	s.opts.Triggers["params"] = Trigger{Source: "alertmanager", Runbook: "demo-failover", TokenHash: HashToken("x"),
		Params: map[string]string{"router_url": "{{ .Labels.router", "regin": "x"}}
	err := s.CheckTriggers()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `config triggers.bad.runbook: "no-such": no such runbook`)
	assert.Contains(t, err.Error(), "config triggers.params.params.router_url:")
	assert.Contains(t, err.Error(), `config triggers.params.params.regin: runbook demo-failover has no parameter "regin"`)
}
