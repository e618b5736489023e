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
	writeCompressed(w, r, s.buildPortfolio(r.Context(), id))
	return nil
}

// buildPortfolio is the portfolio the identity may view: catalogue.NewPortfolio over
// the configured catalogue (Options.Catalogue; without one, the runbooks' metadata and
// drills.cadence) and the run history (History). A catalogue, store or engine that
// cannot be read is named in Problems; what could be read is still reported.
func (s *Server) buildPortfolio(ctx context.Context, id *Identity) Portfolio {
	now := s.now()
	c, rbs, err := s.catalogue()
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
	results, problems, err := s.history().Read(ctx, now.Add(-DefaultHistoryWindow), names)
	if err != nil {
		problems = append(problems, strings.Split(err.Error(), "\n")...)
	}
	visible := results[:0]
	for _, r := range results { // a viewer of some services sees their runs only
		if id.Can(Viewer, r.Service) {
			visible = append(visible, r)
		}
	}
	p := catalogue.NewPortfolio(c, rbs, visible, now)
	p.Problems = problems
	services := p.Services[:0]
	for _, sh := range p.Services {
		if id.Can(Viewer, sh.Service) {
			services = append(services, sh)
		}
	}
	never := p.NeverProven[:0]
	for _, rb := range p.NeverProven {
		if id.Can(Viewer, rb.Service) {
			never = append(never, rb)
		}
	}
	p.Services, p.NeverProven = services, never
	if s.opts.Evidence != nil {
		_, sum, ps, err := s.visibleImprovements(ctx, id)
		if err != nil {
			ps = append(ps, "improvement plan: "+err.Error())
		}
		p.CountImprovements(sum)
		p.Problems = append(p.Problems, ps...)
	}
	return *p
}

// catalogue is the catalogue the portfolio reads: Options.Catalogue, or, without one,
// the one the server's runbooks imply, with drills.cadence as the tiers' cadence.
func (s *Server) catalogue() (*catalogue.Catalogue, catalogue.Runbooks, error) {
	if s.opts.Catalogue != nil {
		return s.opts.Catalogue()
	}
	rbs := s.opts.Catalog.Runbooks()
	cadence := map[int]time.Duration{}
	for tier, d := range s.opts.Cadence {
		if n, err := strconv.Atoi(tier); err == nil {
			cadence[n] = d
		}
	}
	return catalogue.FromRunbooks(rbs, cadence), rbs, nil
}

// history is the run-history reader of the server's evidence store and engine.
func (s *Server) history() *History {
	return &History{Evidence: s.opts.Evidence, Engine: s.opts.Client, cache: s.results}
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
