package api

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"

	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/library"
	"github.com/bcdr/bcdr/workflows"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// evidenceServer has an evidence store in a folder holding the given records, a catalogue
// of the library, tier 1 on a 90-day cadence, and an engine that holds no runs.
func evidenceServer(t *testing.T, records ...workflows.Status) *Server {
	store, err := evidence.NewFileStore(filepath.Join(t.TempDir(), "evidence"))
	require.NoError(t, err)
	for _, st := range records {
		_, err := store.Append(context.Background(), st)
		require.NoError(t, err)
	}
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	engine := &mocks.Client{}
	engine.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil)
	return New(Options{
		Client: engine, Registry: reg, Evidence: store, Now: func() time.Time { return now },
		Cadence: map[string]time.Duration{"1": 90 * 24 * time.Hour},
		Auth: NewAuthenticator(config.Auth{Tokens: []config.Token{
			{Name: "vic", Hash: HashToken("viewer"), Roles: []string{"viewer"}},
			{Name: "pat", Hash: HashToken("pat")},
		}, Bindings: []config.Binding{{Roles: []string{"viewer"}, Users: []string{"pat"}, Services: []string{"orders"}}}}, nil, nil),
	})
}

// runbook names each service's runbook (demo-web's is the library's).
var runbook = map[string]string{"demo-web": "demo-failover", "payments": "payments-failover", "orders": "orders-failover"}

// drill is the record of a drill of the service's runbook, authorized for the service;
// its digest is the library file's where the library holds the runbook (demo-web's),
// so that it proves the service (workflows.Proof).
func drill(runID, service string, state workflows.RunState, ended time.Time, rto time.Duration) workflows.Status {
	var digest string
	if src, err := fs.ReadFile(library.FS, runbook[service]+".yaml"); err == nil {
		digest = runbooks.Digest(src)
	}
	return workflows.Status{
		RunID: runID, Runbook: runbook[service], Service: service, Mode: workflows.ModeDrill, State: state,
		Digest: digest, Authorized: []string{service},
		StartedAt: ended.Add(-rto), EndedAt: ended, RTOActual: rto, RTOTarget: 10 * time.Minute, RPOTarget: time.Minute,
		Steps: []workflows.StepState{{ID: "a", Uses: "noop", Status: workflows.StepSucceeded}},
	}
}

func get(t *testing.T, s *Server, token, path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

func TestPortfolioCadenceAndHistory(t *testing.T) {
	day := 24 * time.Hour
	s := evidenceServer(t,
		drill("pay-1", "payments", workflows.RunSucceeded, now.Add(-200*day), 4*time.Minute),
		drill("pay-2", "payments", workflows.RunFailed, now.Add(-100*day), 12*time.Minute),
		drill("ord-1", "orders", workflows.RunSucceeded, now.Add(-80*day), 3*time.Minute),
		drill("web-1", "demo-web", workflows.RunSucceeded, now.Add(-10*day), 2*time.Minute),
	)
	w := get(t, s, "viewer", "/v1/portfolio", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
	zr, err := gzip.NewReader(w.Body)
	require.NoError(t, err)
	var p Portfolio
	require.NoError(t, json.NewDecoder(zr).Decode(&p))
	assert.Equal(t, 4, p.Runs)
	assert.Empty(t, p.Problems)
	got := map[string]ServiceHealth{}
	for _, sh := range p.Services {
		got[sh.Service] = sh
	}
	// demo-web is tier 1 in the library, so it is assessed; payments and orders are not
	// in the catalogue: no tier, no cadence.
	assert.Equal(t, CadenceOnTime, got["demo-web"].Status)
	assert.Equal(t, now.Add(-10*day+90*day), got["demo-web"].Due)
	assert.Equal(t, CadenceNotAssessed, got["payments"].Status)
	assert.Equal(t, 2, got["payments"].Drills)
	assert.Equal(t, 1, got["payments"].Succeeded)
	assert.Empty(t, got["payments"].LastRun, "payments has no runbook in the catalogue, so no drill proves it")
	require.Len(t, got["payments"].History, 2)
	assert.Equal(t, 4*time.Minute, got["payments"].History[0].RTO.Actual, "oldest first, from the record")
	assert.Equal(t, runbooks.VerdictMet, got["payments"].History[0].RTO.Verdict)
	failed := got["payments"].History[1].RTO
	assert.Equal(t, "pay-2", got["payments"].History[1].RunID)
	assert.False(t, failed.Measured, "a failed drill measured no recovery time")
	assert.Equal(t, "the run failed before recovery was verified", failed.Reason)
	assert.Equal(t, 10*time.Minute, failed.Target)
	for _, rb := range p.NeverProven {
		assert.NotEqual(t, "demo-web", rb.Service, "demo-failover was drilled")
	}
	assert.NotEmpty(t, p.NeverProven, "the library holds runbooks no drill ran")

	// A viewer of orders only sees orders.
	w = get(t, s, "pat", "/v1/portfolio")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	p = Portfolio{}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	require.Len(t, p.Services, 1)
	assert.Equal(t, "orders", p.Services[0].Service)
	assert.Equal(t, 1, p.Runs)
}

// The overdue report reads the same sources as the portfolio: a drill the engine no
// longer holds (older than its retention) still counts from the evidence store, and a
// scoped viewer sees only its services.
func TestOverdueReadsEvidence(t *testing.T) {
	day := 24 * time.Hour
	s := evidenceServer(t, drill("web-old", "demo-web", workflows.RunSucceeded, now.Add(-45*day), 2*time.Minute))
	w := get(t, s, "viewer", "/v1/drills/overdue")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var out struct {
		Services []Overdue
		Problems []string
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	assert.Empty(t, out.Problems)
	got := map[string]Overdue{}
	for _, o := range out.Services {
		got[o.Service] = o
	}
	web := got["demo-web"]
	assert.Equal(t, "web-old", web.LastRun, "found in the evidence store, not in the engine")
	assert.False(t, web.Overdue)
	assert.Equal(t, now.Add(-45*day+90*day), web.Due)
	assert.Contains(t, web.Runbooks, "demo-failover")
	onTime := false
	for _, o := range out.Services {
		assert.False(t, onTime && o.Overdue, "overdue services come first: %s", o.Service)
		onTime = onTime || !o.Overdue
		if o.Cadence != "" && o.LastRun == "" {
			assert.True(t, o.Overdue, "%s was never drilled", o.Service)
		}
	}

	// pat views orders only, which has no runbook in the catalogue: nothing to report.
	w = get(t, s, "pat", "/v1/drills/overdue")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	out.Services = nil
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	assert.Empty(t, out.Services)
}

func TestCadenceStates(t *testing.T) {
	day := 24 * time.Hour
	s := &Server{now: func() time.Time { return now }, opts: Options{Cadence: map[string]time.Duration{"1": 90 * day}}}
	for _, tc := range []struct {
		name  string
		tier  int
		last  time.Time
		state string
	}{
		{"never drilled", 1, time.Time{}, CadenceOverdue},
		{"past due", 1, now.Add(-91 * day), CadenceOverdue},
		{"due within a quarter", 1, now.Add(-70 * day), CadenceDueSoon},
		{"recent", 1, now.Add(-60 * day), CadenceOnTime},
		{"tier without cadence", 2, now.Add(-900 * day), CadenceNotAssessed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh := &ServiceHealth{Tier: tc.tier, LastDrill: tc.last}
			s.assessCadence(sh)
			assert.Equal(t, tc.state, sh.Status)
		})
	}
}

func TestReportAndEvidenceFromTheStore(t *testing.T) {
	st := drill("pay-1", "payments", workflows.RunSucceeded, now, 4*time.Minute)
	s := evidenceServer(t, st)
	w := get(t, s, "viewer", "/v1/runs/pay-1/report?format=md")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "pay-1")
	assert.Regexp(t, `^1 sha256:[0-9a-f]{64}$`, w.Header().Get("X-Bcdr-Evidence"))

	w = get(t, s, "viewer", "/v1/runs/pay-1/report?format=pdf")
	assert.Equal(t, http.StatusBadRequest, w.Code)

	w = get(t, s, "pat", "/v1/runs/pay-1/evidence")
	assert.Equal(t, http.StatusForbidden, w.Code, "pat views orders only")

	w = get(t, s, "viewer", "/v1/runs/pay-1/evidence")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "ok", w.Header().Get("X-Bcdr-Evidence-Check"))
	zr, err := zip.NewReader(bytes.NewReader(w.Body.Bytes()), int64(w.Body.Len()))
	require.NoError(t, err)
	b := evidence.Bundle{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		b[filepath.Base(f.Name)] = data
	}
	m, problems := b.Check()
	assert.Empty(t, problems, "the downloaded bundle verifies on its own")
	assert.Equal(t, "pay-1", m.RunID)
}
