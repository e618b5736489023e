package catalogue

import (
	"sort"
	"time"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/runbooks"
)

// Cadence states of a service in the portfolio.
const (
	CadenceOnTime      = "on-time"
	CadenceDueSoon     = "due-soon"
	CadenceOverdue     = "overdue"
	CadenceNotAssessed = "not-assessed" // the tier sets no drill_every, or the service has no runbook
)

// Portfolio is the continuity picture of a catalogue: per service, how recently and how
// well its recovery was proven. It is the coverage report (Coverage) seen per service:
// the same services, tiers, cadence and due dates, with each service's run history and
// the runbooks no drill has proven.
type Portfolio struct {
	GeneratedAt time.Time `json:"generatedAt"`
	// Source says where the list of services comes from: a catalogue, or, without one,
	// the runbooks' metadata (FromRunbooks).
	Source    string `json:"source"`
	Catalogue string `json:"catalogue,omitempty"`
	// Runs counts the ended runs read from the run history.
	Runs        int             `json:"runs"`
	Services    []ServiceHealth `json:"services"`
	NeverProven []RunbookHealth `json:"neverProven"`
	// Problems are run history that could not be read (a changed record, a store error).
	Problems []string `json:"problems,omitempty"`
	// Improvements count the improvement plan's items of the services (CountImprovements).
	Improvements improvements.Counts `json:"improvements"`
}

// ServiceHealth is one service in the portfolio.
type ServiceHealth struct {
	Service string `json:"service"`
	Tier    int    `json:"tier,omitempty"`
	// Cadence is the tier's drill_every as a Go duration ("2160h0m0s"); empty when none.
	Cadence string `json:"cadence,omitempty"`
	Status  string `json:"status"` // on-time, due-soon, overdue, not-assessed
	// LastDrill is the start of the last passed drill, LastRun its run.
	LastDrill time.Time `json:"lastDrill,omitzero"`
	LastRun   string    `json:"lastRun,omitempty"`
	// Due is when the next drill is due (coverage's NextDue); zero when it is due now
	// (a runbook never passed a drill) or nothing is assessed.
	Due       time.Time       `json:"due,omitzero"`
	DueText   string          `json:"dueText"`   // as the coverage report says it
	Drills    int             `json:"drills"`    // drills that ended
	Succeeded int             `json:"succeeded"` // of which succeeded
	Runbooks  []RunbookHealth `json:"runbooks"`
	// History is every drill and live recovery that ended, oldest first, with the RTO
	// and RPO figures its record states.
	History []RunResult `json:"history"`
	// Readiness sums up the last scheduled readiness checks of its runbooks; absent when
	// none was checked.
	Readiness *ServiceReadiness `json:"readiness,omitempty"`
	// Gaps are the service's coverage gaps (Coverage), a runbook that is not ready
	// among them.
	Gaps []Gap `json:"gaps"`
	// Improvements count the service's improvement items (CountImprovements).
	Improvements improvements.Counts `json:"improvements"`
}

// RunbookHealth is a runbook of a service.
type RunbookHealth struct {
	Name      string    `json:"name"`              // the runbook's metadata.name
	Path      string    `json:"path,omitempty"`    // in the catalogue
	Runbook   string    `json:"runbook,omitempty"` // metadata.name (kept for older readers)
	Service   string    `json:"service,omitempty"`
	Tier      int       `json:"tier,omitempty"`
	LastDrill time.Time `json:"lastDrill,omitzero"`
	// Readiness is the runbook's last scheduled readiness check (its outcome the
	// result, its reason what broke); absent when none ran.
	Readiness *RunResult `json:"readiness,omitempty"`
}

// DueSoon is how long before its due date a service's next drill counts as due soon: a
// quarter of the cadence, at most 30 days.
func DueSoon(cadence time.Duration) time.Duration {
	return min(cadence/4, 30*24*time.Hour)
}

// NewPortfolio builds the portfolio of the catalogue's services from the runs in
// results (any order, any source; tabletops are left out), as of now.
func NewPortfolio(c *Catalogue, rbs Runbooks, results []RunResult, now time.Time) *Portfolio {
	rep := Coverage(c, rbs, results, now)
	p := &Portfolio{GeneratedAt: now.UTC(), Source: "catalogue " + c.Metadata.Name, Catalogue: c.Metadata.Name,
		Services: []ServiceHealth{}, NeverProven: []RunbookHealth{}}
	if c.Metadata.Name == fromRunbooks {
		p.Source, p.Catalogue = "runbook metadata: no catalogue is configured, so the services are those the runbooks name (metadata.service)", ""
	}
	for _, r := range results {
		if r.proves() {
			p.Runs++
		}
	}
	for _, sc := range rep.Services {
		s := c.Service(sc.Service)
		sh := ServiceHealth{Service: sc.Service, Tier: sc.Tier, Due: sc.NextDue, DueText: sc.NextDueText(),
			Runbooks: []RunbookHealth{}, History: []RunResult{}, Gaps: sc.Gaps}
		if sc.Cadence > 0 {
			sh.Cadence = sc.Cadence.Std().String()
		}
		for k, rc := range sc.Runbooks {
			rh := RunbookHealth{Name: rc.Name, Runbook: rc.Name, Path: rc.Path, Service: sc.Service, Tier: sc.Tier, Readiness: rc.Readiness}
			if rc.LastPass != nil {
				rh.LastDrill = rc.LastPass.StartedAt
				if rc.LastPass.StartedAt.After(sh.LastDrill) {
					sh.LastDrill, sh.LastRun = rc.LastPass.StartedAt, rc.LastPass.RunID
				}
			} else {
				p.NeverProven = append(p.NeverProven, rh)
			}
			sh.Runbooks = append(sh.Runbooks, rh)
			ref := &s.Runbooks[k]
			for _, r := range results {
				if !r.proves() || !c.countsFor(&r, s, ref, rbs[ref.Path]) {
					continue
				}
				sh.History = append(sh.History, r)
				if r.Mode == "drill" {
					sh.Drills++
					if r.Passed() && r.provenFor(rbs[ref.Path]) { // as coverage's last pass counts it
						sh.Succeeded++
					}
				}
			}
		}
		sort.SliceStable(sh.History, func(i, j int) bool { return sh.History[i].EndedAt.Before(sh.History[j].EndedAt) })
		sh.Status = cadenceState(sc, now)
		sh.Readiness = serviceReadiness(sh.Runbooks)
		p.Services = append(p.Services, sh)
	}
	return p
}

// cadenceState is the service's drill cadence state, from the coverage's due date.
func cadenceState(sc ServiceCoverage, now time.Time) string {
	switch {
	case sc.Cadence <= 0 || len(sc.Runbooks) == 0:
		return CadenceNotAssessed
	case sc.DueNow || now.After(sc.NextDue):
		return CadenceOverdue
	case now.After(sc.NextDue.Add(-DueSoon(sc.Cadence.Std()))):
		return CadenceDueSoon
	}
	return CadenceOnTime
}

// fromRunbooks names the catalogue FromRunbooks derives.
const fromRunbooks = "(runbook metadata)"

// FromRunbooks is the catalogue the runbooks' metadata implies when there is none: a
// service per metadata.service, at the most critical of its runbooks' metadata.tier,
// recovered by those runbooks, and tiers whose drill_every is cadence[tier]. A runbook
// whose steps are all people's work (manual tasks and approvals: a tabletop exercise)
// names its service but recovers nothing a drill could prove, so it is not one of the
// runbooks the service must drill. The portfolio built on it says that its services
// come from runbook metadata.
func FromRunbooks(rbs Runbooks, cadence map[int]time.Duration) *Catalogue {
	c := &Catalogue{Metadata: Metadata{Name: fromRunbooks}}
	byName := map[string]*Service{}
	var names []string
	paths := make([]string, 0, len(rbs))
	for p := range rbs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		rb := rbs[p]
		if rb == nil || rb.Metadata.Service == "" {
			continue
		}
		s := byName[rb.Metadata.Service]
		if s == nil {
			s = &Service{Name: rb.Metadata.Service, Tier: rb.Metadata.Tier}
			byName[s.Name] = s
			names = append(names, s.Name)
		}
		if rb.Metadata.Tier > 0 && (s.Tier == 0 || rb.Metadata.Tier < s.Tier) {
			s.Tier = rb.Metadata.Tier
		}
		if !peopleOnly(rb) {
			s.Runbooks = append(s.Runbooks, RunbookRef{Path: p})
		}
	}
	for _, n := range names {
		c.Services = append(c.Services, *byName[n])
	}
	tiers := make([]int, 0, len(cadence))
	for t := range cadence {
		tiers = append(tiers, t)
	}
	sort.Ints(tiers)
	for _, t := range tiers {
		c.Tiers = append(c.Tiers, TierPolicy{Tier: t, DrillEvery: runbooks.Duration(cadence[t])})
	}
	return c
}

// peopleOnly reports whether every step of the runbook is a manual task or an approval.
func peopleOnly(rb *runbooks.Runbook) bool {
	for _, st := range rb.Steps {
		if st.Uses != runbooks.KindManual && st.Uses != runbooks.KindApproval {
			return false
		}
	}
	return len(rb.Steps) > 0
}
