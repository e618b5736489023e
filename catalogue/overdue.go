package catalogue

import (
	"sort"
	"time"
)

// Overdue is one service in the drill cadence report (bcdr schedule overdue, GET
// /v1/drills/overdue): the portfolio's cadence column.
type Overdue struct {
	Service string `json:"service"`
	Tier    int    `json:"tier,omitempty"`
	// Cadence is the longest time the tier allows between successful drills; empty when
	// the tier has none (the service is not assessed).
	Cadence   string    `json:"cadence,omitempty"`
	LastDrill time.Time `json:"lastDrill,omitzero"` // start of the last successful drill
	LastRun   string    `json:"lastRun,omitempty"`
	Due       time.Time `json:"due,omitzero"` // when the next drill is due; zero when due now
	Overdue   bool      `json:"overdue"`
	Runbooks  []string  `json:"runbooks"`
}

// Overdue is the portfolio's cadence report: its services that have a runbook to drill,
// overdue ones first, then by name.
func (p *Portfolio) Overdue() []Overdue {
	out := []Overdue{}
	for _, sh := range p.Services {
		if len(sh.Runbooks) == 0 {
			continue // nothing to drill
		}
		o := Overdue{Service: sh.Service, Tier: sh.Tier, Cadence: sh.Cadence, LastDrill: sh.LastDrill,
			LastRun: sh.LastRun, Due: sh.Due, Overdue: sh.Status == CadenceOverdue, Runbooks: []string{}}
		for _, rb := range sh.Runbooks {
			o.Runbooks = append(o.Runbooks, rb.Name)
		}
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue
		}
		return out[i].Service < out[j].Service
	})
	return out
}
