package api

import (
	"net/http"

	"github.com/bcdr/bcdr/catalogue"
)

// Overdue is one service in the drill cadence report: the domain's (catalogue).
type Overdue = catalogue.Overdue

// overdue reports, per service of the portfolio that the caller may view, the last
// successful drill and whether the cadence of the service's tier has passed since. It is
// the portfolio's cadence column (catalogue.Portfolio.Overdue), read from the same run
// history; sources that could not be read are named in "problems".
func (s *Server) overdue(w http.ResponseWriter, r *http.Request, id *Identity) error {
	p := s.buildPortfolio(r.Context(), id)
	body := map[string]any{"services": p.Overdue()}
	if len(p.Problems) > 0 {
		body["problems"] = p.Problems
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
