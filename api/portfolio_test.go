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
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/library"
	"github.com/bcdr/bcdr/workflows"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// evidenceServer has an evidence store in a folder holding the given records, the
// catalogue testCatalogue (demo-web in tier 1 on a 90-day cadence, payments and orders
// in tier 2, which sets none), and an engine that holds no runs.
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
		Catalogue: testCatalogue(t, reg),
		Auth: NewAuthenticator(Auth{Tokens: []Token{
			{Name: "vic", Hash: HashToken("viewer"), Roles: []string{"viewer"}},
			{Name: "pat", Hash: HashToken("pat")},
		}, Bindings: []Binding{{Roles: []string{"viewer"}, Users: []string{"pat"}, Services: []string{"orders"}}}}, nil, nil),
	})
}

// runbook names each service's runbook (demo-web's is the library's).
var runbook = map[string]string{"demo-web": "demo-failover", "payments": "payments-failover", "orders": "orders-failover"}

// runbookSource is the file of each runbook of testCatalogue.
func runbookSource(name string) []byte {
	if src, err := fs.ReadFile(library.FS, name+".yaml"); err == nil {
		return src
	}
	for svc, rb := range runbook {
		if rb == name {
			return []byte(source(name, svc))
		}
	}
	return nil
}

// testCatalogue is the catalogue of demo-web (tier 1, drilled every 90 days), payments
// and orders (tier 2: no cadence, or tier2Every), each recovered by its runbook.
func testCatalogue(t *testing.T, reg *runbooks.Registry, tier2Every ...string) func() (*catalogue.Catalogue, catalogue.Runbooks, error) {
	tier2 := "{tier: 2}"
	if len(tier2Every) > 0 {
		tier2 = "{tier: 2, drill_every: " + tier2Every[0] + "}"
	}
	src := []byte(`apiVersion: bcdr.io/v1
kind: Catalogue
metadata: {name: test-shop, owner: group:bcm}
tiers:
  - {tier: 1, drill_every: 90d}
  - ` + tier2 + `
services:
  - {name: demo-web, owner: group:web, tier: 1, runbooks: [{path: demo-failover.yaml, disruptions: region}]}
  - {name: payments, owner: group:pay, tier: 2, runbooks: [{path: payments-failover.yaml, disruptions: region}]}
  - {name: orders, owner: group:pay, tier: 2, runbooks: [{path: orders-failover.yaml, disruptions: region}]}
`)
	fsys := fstest.MapFS{}
	for _, name := range runbook {
		fsys[name+".yaml"] = &fstest.MapFile{Data: runbookSource(name)}
	}
	load := func() (*catalogue.Catalogue, catalogue.Runbooks, error) {
		c, rbs, diags := catalogue.Check("catalogue.yaml", src, func(path string) (*runbooks.Runbook, error) {
			rb, diags := runbooks.Load(fsys, path, reg)
			return rb, diags.Err()
		})
		return c, rbs, diags.Err()
	}
	_, _, err := load()
	require.NoError(t, err)
	return load
}

// drill is the record of a drill of the service's runbook, authorized for the service;
// its digest is the runbook file's, so that it proves the service (runbooks.Proof).
func drill(runID, service string, state workflows.RunState, ended time.Time, rto time.Duration) workflows.Status {
	return workflows.Status{
		RunID: runID, Runbook: runbook[service], Service: service, Mode: workflows.ModeDrill, State: state,
		Digest: runbooks.Digest(runbookSource(runbook[service])), Authorized: []string{service},
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

// getJSON GETs path as token, requires 200 and returns the body decoded as a T.
func getJSON[T any](t *testing.T, s *Server, token, path string) T {
	t.Helper()
	w := get(t, s, token, path)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var v T
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v))
	return v
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
	assert.Equal(t, "catalogue test-shop", p.Source)
	got := map[string]ServiceHealth{}
	for _, sh := range p.Services {
		got[sh.Service] = sh
	}
	require.Len(t, got, 3, "the catalogue's services, and only those")
	// demo-web is tier 1, drilled every 90 days; tier 2 sets no cadence.
	assert.Equal(t, CadenceOnTime, got["demo-web"].Status)
	assert.Equal(t, now.Add(-10*day-2*time.Minute+90*day), got["demo-web"].Due, "due 90 days after the last drill started")
	assert.Equal(t, CadenceNotAssessed, got["payments"].Status)
	assert.Equal(t, 2, got["payments"].Drills)
	assert.Equal(t, 1, got["payments"].Succeeded)
	assert.Equal(t, "pay-1", got["payments"].LastRun)
	require.Len(t, got["payments"].History, 2)
	assert.Equal(t, 4*time.Minute, got["payments"].History[0].RTO.Actual, "oldest first, from the record")
	assert.Equal(t, runbooks.VerdictMet, got["payments"].History[0].RTO.Verdict)
	failed := got["payments"].History[1].RTO
	assert.Equal(t, "pay-2", got["payments"].History[1].RunID)
	assert.False(t, failed.Measured, "a failed drill measured no recovery time")
	assert.Equal(t, "the run failed before recovery was verified", failed.Reason)
	assert.Equal(t, 10*time.Minute, failed.Target)
	assert.Empty(t, p.NeverProven, "every runbook of the catalogue passed a drill")

	// A viewer of orders only sees orders.
	p = getJSON[Portfolio](t, s, "pat", "/v1/portfolio")
	require.Len(t, p.Services, 1)
	assert.Equal(t, "orders", p.Services[0].Service)
	assert.Equal(t, 1, p.Runs)
}

// Without a configured catalogue the services are those the server's runbooks name,
// with drills.cadence, and the portfolio says so.
func TestPortfolioWithoutACatalogueNamesItsSource(t *testing.T) {
	s := evidenceServer(t, drill("web-1", "demo-web", workflows.RunSucceeded, now.Add(-24*time.Hour), 2*time.Minute))
	s.opts.Catalogue, s.opts.Cadence = nil, map[string]time.Duration{"1": 90 * 24 * time.Hour}
	p := portfolioOf(t, s)
	assert.Contains(t, p.Source, "runbook metadata")
	web := service(p, "demo-web")
	assert.Equal(t, "web-1", web.LastRun)
	assert.Equal(t, CadenceOnTime, web.Status)
	assert.Empty(t, service(p, "payments").Service, "no runbook of the server names payments")
}

// The overdue report reads the same sources as the portfolio: a drill the engine no
// longer holds (older than its retention) still counts from the evidence store, and a
// scoped viewer sees only its services.
func TestOverdueReadsEvidence(t *testing.T) {
	day := 24 * time.Hour
	s := evidenceServer(t, drill("web-old", "demo-web", workflows.RunSucceeded, now.Add(-45*day), 2*time.Minute))
	type overdueReport struct {
		Services []Overdue
		Problems []string
	}
	out := getJSON[overdueReport](t, s, "viewer", "/v1/drills/overdue")
	assert.Empty(t, out.Problems)
	got := map[string]Overdue{}
	for _, o := range out.Services {
		got[o.Service] = o
	}
	web := got["demo-web"]
	assert.Equal(t, "web-old", web.LastRun, "found in the evidence store, not in the engine")
	assert.False(t, web.Overdue)
	assert.Equal(t, now.Add(-45*day-2*time.Minute+90*day), web.Due)
	assert.Contains(t, web.Runbooks, "demo-failover")
	assert.Len(t, out.Services, 3)

	// pat views orders only.
	out = getJSON[overdueReport](t, s, "pat", "/v1/drills/overdue")
	require.Len(t, out.Services, 1)
	assert.Equal(t, "orders", out.Services[0].Service)
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
