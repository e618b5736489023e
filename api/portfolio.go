package api

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/workflows"
)

// Cadence states of a service in the portfolio: the domain's (catalogue).
const (
	CadenceOnTime      = catalogue.CadenceOnTime
	CadenceDueSoon     = catalogue.CadenceDueSoon
	CadenceOverdue     = catalogue.CadenceOverdue
	CadenceNotAssessed = catalogue.CadenceNotAssessed
)

// The portfolio the API serves is the domain's model (catalogue.Portfolio); the server
// still assembles it from the runbooks it knows and drills.cadence.
type (
	Portfolio     = catalogue.Portfolio
	ServiceHealth = catalogue.ServiceHealth
	RunbookHealth = catalogue.RunbookHealth
)

// Result is one ended run read from the evidence store: its run result (with the RTO
// and RPO figures its record states) and what the record says for the proof rule.
type Result struct {
	catalogue.RunResult
	Proof workflows.Proof
}

// portfolio reports the services of the catalogue and of the evidence store that the
// caller may view: the last successful drill (from the evidence store and the engine's
// visibility), the cadence state of the service's tier, RTO/RPO over time (from the
// evidence records), and the runbooks never proven by a drill.
func (s *Server) portfolio(w http.ResponseWriter, r *http.Request, id *Identity) error {
	writeCompressed(w, r, s.buildPortfolio(r.Context(), id))
	return nil
}

// buildPortfolio assembles the portfolio the identity may view. A store or engine that
// cannot be read is named in Problems; what could be read is still reported.
func (s *Server) buildPortfolio(ctx context.Context, id *Identity) Portfolio {
	p := Portfolio{GeneratedAt: s.now().UTC(), Services: []ServiceHealth{}, NeverProven: []RunbookHealth{},
		Source: "runbook metadata: no catalogue is configured, so the services are those the runbooks name (metadata.service)"}
	services := map[string]*ServiceHealth{}
	service := func(name string) *ServiceHealth {
		if services[name] == nil {
			services[name] = &ServiceHealth{Service: name, Runbooks: []RunbookHealth{}, History: []catalogue.RunResult{}}
		}
		return services[name]
	}
	byTitle := map[string]*RunbookHealth{} // catalogue runbooks by metadata.name
	var books []*RunbookHealth
	digests := map[string][]string{} // the digests of each service's runbooks: a run of one proves it
	for _, e := range s.opts.Catalog.Entries() {
		if e.Service != "" && e.Error == "" {
			digests[e.Service] = append(digests[e.Service], e.Digest)
		}
		if e.Service == "" || e.Error != "" || !id.Can(Viewer, e.Service) {
			continue
		}
		sh := service(e.Service)
		if e.Tier > 0 && (sh.Tier == 0 || e.Tier < sh.Tier) {
			sh.Tier = e.Tier // the most critical tier of the service's runbooks
		}
		rb := &RunbookHealth{Name: e.Name, Runbook: e.Title, Service: e.Service, Tier: e.Tier}
		books = append(books, rb)
		if byTitle[e.Title] == nil {
			byTitle[e.Title] = rb
		}
	}
	// drilled counts a successful drill as the service's proof, when the proof rule
	// (workflows.Proof.For) says it is.
	drilled := func(svc, runbook, runID string, at time.Time, proof workflows.Proof) {
		if !proof.For(svc, digests[svc]) {
			return
		}
		sh := service(svc)
		if at.After(sh.LastDrill) {
			sh.LastDrill, sh.LastRun = at, runID
		}
		if rb := byTitle[runbook]; rb != nil && rb.Service == svc && at.After(rb.LastDrill) {
			rb.LastDrill = at
		}
	}
	if err := s.readEvidence(ctx, id, &p, service, drilled); err != nil {
		p.Problems = append(p.Problems, "evidence store: "+err.Error())
	}
	// Runs the engine still holds that left no evidence count as proof too.
	runs, err := listRuns(ctx, s.opts.Client, fmt.Sprintf("WorkflowType = '%s' AND %s = 'drill' AND %s = 'succeeded'",
		workflows.WorkflowName, workflows.SAMode, workflows.SAOutcome), 1000)
	if err != nil {
		p.Problems = append(p.Problems, "engine: "+err.Error())
	}
	for _, rs := range runs {
		if rs.Service != "" && id.Can(Viewer, rs.Service) {
			drilled(rs.Service, rs.Runbook, rs.RunID, rs.ClosedAt, rs.Proof)
		}
	}
	for _, name := range sortedKeys(services) {
		sh := services[name]
		s.assessCadence(sh)
		for _, rb := range books {
			if rb.Service == name {
				sh.Runbooks = append(sh.Runbooks, *rb)
				if rb.LastDrill.IsZero() {
					p.NeverProven = append(p.NeverProven, *rb)
				}
			}
		}
		sort.Slice(sh.History, func(i, j int) bool { return sh.History[i].EndedAt.Before(sh.History[j].EndedAt) })
		p.Services = append(p.Services, *sh)
	}
	return p
}

// assessCadence sets the service's due date and cadence state from its tier's cadence.
func (s *Server) assessCadence(sh *ServiceHealth) {
	cadence, ok := s.opts.Cadence[strconv.Itoa(sh.Tier)]
	if !ok || cadence <= 0 {
		sh.Status, sh.DueText = CadenceNotAssessed, "-"
		return
	}
	sh.Cadence = cadence.String()
	if sh.LastDrill.IsZero() {
		sh.Status, sh.DueText = CadenceOverdue, "now (never drilled)"
		return
	}
	sh.Due = sh.LastDrill.Add(cadence)
	sh.DueText = sh.Due.UTC().Format("2006-01-02")
	switch now := s.now(); {
	case now.After(sh.Due):
		sh.Status = CadenceOverdue
	case now.After(sh.Due.Add(-catalogue.DueSoon(cadence))):
		sh.Status = CadenceDueSoon
	default:
		sh.Status = CadenceOnTime
	}
}

// readEvidence adds every bundle of a viewable service to the portfolio: drills to the
// drill counts and the last successful drill, drills and live recoveries to the history.
func (s *Server) readEvidence(ctx context.Context, id *Identity, p *Portfolio, service func(string) *ServiceHealth, drilled func(svc, runbook, runID string, at time.Time, proof workflows.Proof)) error {
	if s.opts.Evidence == nil {
		return nil
	}
	list, err := s.opts.Evidence.List(ctx)
	if err != nil {
		return err
	}
	var measured []evidence.Manifest
	for _, m := range list {
		if m.Service == "" || m.Mode == readiness.RecordMode || !id.Can(Viewer, m.Service) {
			continue // a readiness record is a check, not a run
		}
		p.Runs++
		sh := service(m.Service)
		if m.Mode == string(workflows.ModeDrill) {
			sh.Drills++
			if m.State == string(workflows.RunSucceeded) {
				sh.Succeeded++
			}
		}
		if m.Mode != string(workflows.ModeTabletop) {
			measured = append(measured, m)
		}
	}
	results, problems := s.results.get(ctx, s.opts.Evidence, measured)
	p.Problems = append(p.Problems, problems...)
	for i, m := range measured {
		if results[i] != nil {
			sh := service(m.Service)
			sh.History = append(sh.History, results[i].RunResult)
			if m.Mode == string(workflows.ModeDrill) && m.State == string(workflows.RunSucceeded) {
				drilled(m.Service, m.Runbook, m.RunID, m.EndedAt, results[i].Proof)
			}
		}
	}
	return nil
}

// resultCache holds the results read from evidence records by bundle hash: a bundle in
// the chain never changes, so each record is read once per server.
type resultCache struct {
	mu sync.Mutex
	m  map[string]*Result
}

func newResultCache() *resultCache { return &resultCache{m: map[string]*Result{}} }

// get returns the result of each bundle (nil where its record cannot be read, with the
// problem), reading the records not yet cached.
func (c *resultCache) get(ctx context.Context, store Evidence, ms []evidence.Manifest) ([]*Result, []string) {
	out := make([]*Result, len(ms))
	var missing []evidence.Manifest
	var at []int
	c.mu.Lock()
	for i, m := range ms {
		if out[i] = c.m[m.Hash]; out[i] == nil {
			missing, at = append(missing, m), append(at, i)
		}
	}
	c.mu.Unlock()
	records, errs := evidence.ReadRecords(ctx, store, missing)
	var problems []string
	c.mu.Lock()
	for j, st := range records {
		if st == nil {
			problems = append(problems, errs[j].Error())
			continue
		}
		m := missing[j]
		out[at[j]] = &Result{RunResult: evidence.RunResult(m, st), Proof: st.Proof()}
		c.m[m.Hash] = out[at[j]]
	}
	c.mu.Unlock()
	sort.Strings(problems)
	return out, problems
}

// writeCompressed writes v as compact JSON, gzipped when the client accepts it: the
// portfolio of a few thousand runs shrinks about tenfold.
func writeCompressed(w http.ResponseWriter, r *http.Request, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Add("Vary", "Accept-Encoding")
	var out io.Writer = w
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		defer gz.Close()
		out = gz
	}
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(out).Encode(v)
}
