package api

import (
	"net/http"
	"sort"
	"time"
)

// Overdue is one service in the drill cadence report.
type Overdue struct {
	Service string `json:"service"`
	Tier    int    `json:"tier,omitempty"`
	// Cadence is the longest time the tier allows between successful drills; empty when
	// the tier has none (the service is not assessed).
	Cadence   string    `json:"cadence,omitempty"`
	LastDrill time.Time `json:"lastDrill,omitzero"` // end of the last successful drill
	LastRun   string    `json:"lastRun,omitempty"`
	Due       time.Time `json:"due,omitzero"` // when the next drill is due; zero when never drilled
	Overdue   bool      `json:"overdue"`
	Runbooks  []string  `json:"runbooks"`
}

// overdue reports, per service of the catalogue's runbooks that the caller may view, the
// last successful drill and whether the cadence of the service's tier has passed since.
// It is the portfolio's cadence column: the last drill comes from the evidence store,
// which keeps every run, and from the engine's visibility, which keeps runs for its
// retention (30 days by default) and holds drills that wrote no evidence. Sources that
// could not be read are named in "problems".
func (s *Server) overdue(w http.ResponseWriter, r *http.Request, id *Identity) error {
	p := s.buildPortfolio(r.Context(), id)
	out := []Overdue{}
	for _, sh := range p.Services {
		if len(sh.Runbooks) == 0 {
			continue // known only from evidence: no runbook of the catalogue left to drill
		}
		o := Overdue{Service: sh.Service, Tier: sh.Tier, Cadence: sh.Cadence, LastDrill: sh.LastDrill,
			LastRun: sh.LastRun, Due: sh.Due, Overdue: sh.Status == CadenceOverdue, Runbooks: []string{}}
		for _, rb := range sh.Runbooks {
			o.Runbooks = append(o.Runbooks, rb.Name)
		}
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue
		}
		return out[i].Service < out[j].Service
	})
	body := map[string]any{"services": out}
	if len(p.Problems) > 0 {
		body["problems"] = p.Problems
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
