package api

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bcdr/bcdr/catalogue"
)

// Cadence states of a service in the portfolio: the domain's (catalogue).
const (
	CadenceOnTime      = catalogue.CadenceOnTime
	CadenceDueSoon     = catalogue.CadenceDueSoon
	CadenceOverdue     = catalogue.CadenceOverdue
	CadenceNotAssessed = catalogue.CadenceNotAssessed
)

// The portfolio the API serves is the domain's model (catalogue.NewPortfolio).
type (
	Portfolio     = catalogue.Portfolio
	ServiceHealth = catalogue.ServiceHealth
	RunbookHealth = catalogue.RunbookHealth
)

// portfolio reports the services of the catalogue that the caller may view: the last
// successful drill, the cadence state of the service's tier, RTO/RPO over time (from the
// run records), and the runbooks never proven by a drill.
func (s *Server) portfolio(w http.ResponseWriter, r *http.Request, id *Identity) error {
	writeCompressed(w, r, s.engine(r, id).Portfolio(r.Context()))
	return nil
}

// Portfolio is the portfolio the caller may view: catalogue.NewPortfolio over the
// configured catalogue (Options.Catalogue; without one, the runbooks' metadata and
// drills.cadence) and the run history (History). A catalogue, store or engine that
// cannot be read is named in Problems; what could be read is still reported.
func (e *Engine) Portfolio(ctx context.Context) Portfolio {
	now := e.now()
	c, rbs, err := e.opts.catalogue()
	if err != nil {
		return Portfolio{GeneratedAt: now.UTC(), Services: []ServiceHealth{}, NeverProven: []RunbookHealth{},
			Source: "catalogue", Problems: []string{err.Error()}}
	}
	names := map[string]bool{}
	for _, rb := range rbs {
		if rb != nil {
			names[rb.Metadata.Name] = true
		}
	}
	results, problems, err := e.history(true, true).Read(ctx, now.Add(-DefaultHistoryWindow), names)
	if err != nil {
		problems = append(problems, strings.Split(err.Error(), "\n")...)
	}
	p := catalogue.NewPortfolio(c, rbs, e.visible(results), now)
	p.Problems = problems
	services := p.Services[:0]
	for _, sh := range p.Services {
		if e.can(Viewer, sh.Service) {
			services = append(services, sh)
		}
	}
	never := p.NeverProven[:0]
	for _, rb := range p.NeverProven {
		if e.can(Viewer, rb.Service) {
			never = append(never, rb)
		}
	}
	p.Services, p.NeverProven = services, never
	if e.opts.Evidence != nil {
		_, sum, ps, err := e.visibleImprovements(ctx)
		if err != nil {
			ps = append(ps, "improvement plan: "+err.Error())
		}
		p.CountImprovements(sum)
		p.Problems = append(p.Problems, ps...)
	}
	return *p
}

// can reports whether the caller holds role on service.
func (e *Engine) can(role Role, service string) bool {
	return e.caller == nil || e.caller.Can(role, service)
}

// visible keeps the runs the caller may view: a viewer of some services sees their runs
// only.
func (e *Engine) visible(results []catalogue.RunResult) []catalogue.RunResult {
	out := results[:0]
	for _, r := range results {
		if e.can(Viewer, r.Service) {
			out = append(out, r)
		}
	}
	return out
}

// catalogue is the service's catalogue (Options.Catalogue), or, without one, the one its
// runbooks (Catalog) imply, with drills.cadence (Cadence) as the tiers' cadence.
func (o Options) catalogue() (*catalogue.Catalogue, catalogue.Runbooks, error) {
	if o.Catalogue != nil {
		return o.Catalogue()
	}
	rbs := o.Catalog.Runbooks()
	cadence := map[int]time.Duration{}
	for tier, d := range o.Cadence {
		if n, err := strconv.Atoi(tier); err == nil {
			cadence[n] = d
		}
	}
	return catalogue.FromRunbooks(rbs, cadence), rbs, nil
}

// history is the run-history reader of the service's evidence store and engine, each
// when asked for.
func (e *Engine) history(withEvidence, withEngine bool) *History {
	h := &History{cache: e.results}
	if withEvidence {
		h.Evidence = e.opts.Evidence
	}
	if withEngine {
		h.Engine = e.opts.Client
	}
	return h
}

// HistoryRequest asks for the run history (RunHistory).
type HistoryRequest struct {
	// Since is the earliest start of a run read.
	Since time.Time
	// Runbooks are the runbooks (metadata.name) whose runs are read; none means all.
	Runbooks []string
	// NoEvidence and NoEngine leave that source out.
	NoEvidence, NoEngine bool
}

// RunHistory is the run history a caller may view: the ended drill and live runs (and
// readiness checks) read by the one run-history reader (History), with the records
// left out (Problems) and the sources that could not be read (Errors).
type RunHistory struct {
	Runs     []catalogue.RunResult `json:"runs"`
	Problems []string              `json:"problems,omitempty"`
	Errors   []string              `json:"errors,omitempty"`
}

// History implements Runs.
func (e *Engine) History(ctx context.Context, req HistoryRequest) (RunHistory, error) {
	var names map[string]bool
	if len(req.Runbooks) > 0 {
		names = map[string]bool{}
		for _, n := range req.Runbooks {
			names[n] = true
		}
	}
	rs, problems, err := e.history(!req.NoEvidence, !req.NoEngine).Read(ctx, req.Since, names)
	h := RunHistory{Runs: e.visible(rs), Problems: problems}
	if h.Runs == nil {
		h.Runs = []catalogue.RunResult{}
	}
	if err != nil {
		h.Errors = strings.Split(err.Error(), "\n")
	}
	return h, nil
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
