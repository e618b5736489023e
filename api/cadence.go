package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/bcdr/bcdr/catalogue"
)

// Overdue is one service in the drill cadence report: the domain's (catalogue).
type Overdue = catalogue.Overdue

// OverdueReport is the drill cadence report: the services, and the sources of it that
// could not be read (the report is then built from the others).
type OverdueReport struct {
	Services []Overdue `json:"services"`
	Problems []string  `json:"problems,omitempty"`
}

// overdue is GET /v1/drills/overdue.
func (s *Server) overdue(w http.ResponseWriter, r *http.Request, id *Identity) error {
	rep, err := s.engine(r, id).Overdue(r.Context())
	return reply(w, http.StatusOK, rep, err)
}

// Overdue implements Runs: per service of the portfolio that the caller may view, the
// last successful drill and whether the cadence of the service's tier has passed since.
// It is the portfolio's cadence column (catalogue.Portfolio.Overdue), read from the same
// run history; sources that could not be read are named in Problems.
func (e *Engine) Overdue(ctx context.Context) (OverdueReport, error) {
	p := e.Portfolio(ctx)
	return OverdueReport{Services: p.Overdue(), Problems: p.Problems}, nil
}

// runHistory is GET /v1/history: the run history the caller may view (Engine.History),
// of the runbooks named by runbook (repeatable; none means all), started since (an RFC
// 3339 time or a duration back; default DefaultHistoryWindow); evidence=false and
// engine=false leave that source out.
func (s *Server) runHistory(w http.ResponseWriter, r *http.Request, id *Identity) error {
	q := r.URL.Query()
	req := HistoryRequest{Since: s.now().Add(-DefaultHistoryWindow), Runbooks: q["runbook"]}
	if v := q.Get("since"); v != "" {
		since, err := ParseSince(v, s.now())
		if err != nil {
			return badRequest("since", "%v", err)
		}
		req.Since = since
	}
	for name, off := range map[string]*bool{"evidence": &req.NoEvidence, "engine": &req.NoEngine} {
		if v := q.Get(name); v != "" {
			read, err := strconv.ParseBool(v)
			if err != nil {
				return badRequest(name, "%q is not true or false", v)
			}
			*off = !read
		}
	}
	h, err := s.engine(r, id).History(r.Context(), req)
	return reply(w, http.StatusOK, h, err)
}
