package api

import (
	"net/http"
	"time"

	"github.com/bcdr/bcdr/catalogue"
)

// Readiness is what the last scheduled readiness checks say of the services and
// runbooks the caller may view: the portfolio's readiness (catalogue.NewPortfolio),
// without the drill history.
type Readiness struct {
	GeneratedAt time.Time          `json:"generatedAt"`
	Services    []ServiceReadiness `json:"services"`
	// Problems are run history that could not be read (the portfolio's).
	Problems []string `json:"problems,omitempty"`
}

// ServiceReadiness is one service: the sum of its runbooks' last checks (absent when
// none was checked), the not-ready gaps among its coverage gaps, and each runbook's
// last check.
type ServiceReadiness struct {
	Service   string                      `json:"service"`
	Tier      int                         `json:"tier,omitempty"`
	Readiness *catalogue.ServiceReadiness `json:"readiness,omitempty"`
	Gaps      []catalogue.Gap             `json:"gaps"`
	Runbooks  []RunbookReadiness          `json:"runbooks"`
}

// RunbookReadiness is a runbook's last scheduled check: its outcome is the result, its
// reason what broke; absent when no check ran.
type RunbookReadiness struct {
	Name      string               `json:"name"`
	Path      string               `json:"path,omitempty"`
	Readiness *catalogue.RunResult `json:"readiness,omitempty"`
}

// readiness answers GET /v1/readiness from the portfolio the caller may view.
func (s *Server) readiness(w http.ResponseWriter, r *http.Request, id *Identity) error {
	p := s.engine(r, id).Portfolio(r.Context())
	out := Readiness{GeneratedAt: p.GeneratedAt, Services: []ServiceReadiness{}, Problems: p.Problems}
	for _, sh := range p.Services {
		sr := ServiceReadiness{Service: sh.Service, Tier: sh.Tier, Readiness: sh.Readiness, Gaps: []catalogue.Gap{}, Runbooks: []RunbookReadiness{}}
		for _, g := range sh.Gaps {
			if g.Kind == catalogue.GapNotReady {
				sr.Gaps = append(sr.Gaps, g)
			}
		}
		for _, rb := range sh.Runbooks {
			sr.Runbooks = append(sr.Runbooks, RunbookReadiness{Name: rb.Name, Path: rb.Path, Readiness: rb.Readiness})
		}
		out.Services = append(out.Services, sr)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
