package api

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/bcdr/bcdr/workflows"
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

// overdue reports, per service of the catalogue's runbooks, the last successful drill
// (from the engine's visibility: BcdrService, BcdrMode=drill, BcdrOutcome=succeeded) and
// whether the cadence of the service's tier has passed since.
func (s *Server) overdue(w http.ResponseWriter, r *http.Request, id *Identity) error {
	services := map[string]*Overdue{}
	for _, e := range s.opts.Catalog.Entries() {
		if e.Service == "" {
			continue
		}
		o := services[e.Service]
		if o == nil {
			o = &Overdue{Service: e.Service}
			services[e.Service] = o
		}
		o.Runbooks = append(o.Runbooks, e.Name)
		if e.Tier > 0 && (o.Tier == 0 || e.Tier < o.Tier) {
			o.Tier = e.Tier // the most critical tier of the service's runbooks
		}
	}
	out := []Overdue{}
	for _, o := range services {
		if err := s.assess(r.Context(), o); err != nil {
			return err
		}
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue
		}
		return out[i].Service < out[j].Service
	})
	writeJSON(w, http.StatusOK, map[string]any{"services": out})
	return nil
}

func (s *Server) assess(ctx context.Context, o *Overdue) error {
	runs, err := listRuns(ctx, s.opts.Client, fmt.Sprintf("WorkflowType = '%s' AND %s = '%s' AND %s = 'drill' AND %s = 'succeeded'",
		workflows.WorkflowName, workflows.SAService, o.Service, workflows.SAMode, workflows.SAOutcome), 20)
	if err != nil {
		return err
	}
	for _, rs := range runs {
		if rs.ClosedAt.After(o.LastDrill) {
			o.LastDrill, o.LastRun = rs.ClosedAt, rs.RunID
		}
	}
	cadence, ok := s.opts.Cadence[strconv.Itoa(o.Tier)]
	if !ok || cadence <= 0 {
		return nil
	}
	o.Cadence = cadence.String()
	if o.LastDrill.IsZero() {
		o.Overdue = true
		return nil
	}
	o.Due = o.LastDrill.Add(cadence)
	o.Overdue = s.now().After(o.Due)
	return nil
}
