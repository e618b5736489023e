package continuity

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/runbooks"
)

// Gap is something a clause asks for that the evidence does not show.
type Gap struct {
	Check   string `json:"check"`
	Service string `json:"service,omitempty"`
	Message string `json:"message"`
}

// checkFunc finds the gaps of one check over a pack's sources.
type checkFunc func(p *PackInput, ch Check) []Gap

// checks are the gap checks a mapping table may name. Each reads what others computed:
// the portfolio's last-proven dates, cadence states and coverage gaps, the improvement
// items' due dates, the catalogue's roles.
var checks = map[string]checkFunc{
	"critical-not-drilled": criticalNotDrilled,
	"cadence-overdue":      cadenceOverdue,
	"no-exercise":          noExercise,
	"targets-missed":       portfolioGaps("targets-missed", catalogue.GapLastFailed, catalogue.GapRTOMissed, catalogue.GapRPOMissed),
	"not-ready":            portfolioGaps("not-ready", catalogue.GapNotReady),
	"no-runbook":           portfolioGaps("no-runbook", catalogue.GapNoRunbook, catalogue.GapNotCovered, catalogue.GapNeverDrilled),
	"roles-missing":        rolesMissing,
	"corrective-overdue":   correctiveOverdue,
}

// CheckNames lists the gap checks, sorted.
func CheckNames() []string {
	out := make([]string, 0, len(checks))
	for n := range checks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// criticalNotDrilled: a critical service (tier 0 or 1) that no drill or live recovery
// proved within the window (default 365 days) before the pack's end.
func criticalNotDrilled(p *PackInput, ch Check) []Gap {
	within := ch.Within
	if within <= 0 {
		within = runbooks.Duration(365 * 24 * time.Hour)
	}
	var out []Gap
	for _, s := range p.Sources.Portfolio.Services {
		if !catalogue.Critical(s.Tier) {
			continue
		}
		switch {
		case s.LastDrill.IsZero():
			out = append(out, Gap{Service: s.Service, Message: fmt.Sprintf("tier %d service %s was never proven by a drill (none in %s)", s.Tier, s.Service, within)})
		case s.LastDrill.Before(p.Until.Add(-time.Duration(within))):
			out = append(out, Gap{Service: s.Service, Message: fmt.Sprintf("tier %d service %s was not proven by a drill in %s: last on %s", s.Tier, s.Service, within, day(s.LastDrill))})
		}
	}
	return out
}

// cadenceOverdue: a service whose next drill, by its tier's cadence, is overdue.
func cadenceOverdue(p *PackInput, _ Check) []Gap {
	var out []Gap
	for _, s := range p.Sources.Portfolio.Services {
		if s.Status == catalogue.CadenceOverdue {
			out = append(out, Gap{Service: s.Service, Message: fmt.Sprintf("the drill of %s (tier %d, every %s) is overdue: due %s", s.Service, s.Tier, cadenceText(s.Cadence), s.DueText)})
		}
	}
	return out
}

// noExercise: no drill and no tabletop ended in the period.
func noExercise(p *PackInput, _ Check) []Gap {
	for _, r := range p.period() {
		if r.Mode == "drill" || r.Mode == "tabletop" {
			return nil
		}
	}
	return []Gap{{Message: fmt.Sprintf("no drill or tabletop ended between %s and %s", day(p.Since), day(p.Until))}}
}

// portfolioGaps reports the portfolio's coverage gaps of the given kinds.
func portfolioGaps(name string, kinds ...catalogue.GapKind) checkFunc {
	return func(p *PackInput, _ Check) []Gap {
		var out []Gap
		for _, s := range p.Sources.Portfolio.Services {
			for _, g := range s.Gaps {
				if slices.Contains(kinds, g.Kind) {
					out = append(out, Gap{Service: g.Service, Message: g.Message})
				}
			}
		}
		return out
	}
}

// rolesMissing: a critical service without a deputy, a scenario without an incident
// commander, a person the catalogue names without contact details.
func rolesMissing(p *PackInput, _ Check) []Gap {
	c := p.Sources.Catalogue
	var out []Gap
	for _, s := range c.Services {
		if catalogue.Critical(s.Tier) && s.Deputy == "" {
			out = append(out, Gap{Service: s.Name, Message: fmt.Sprintf("tier %d service %s has no deputy to stand in for its owner %s", s.Tier, s.Name, s.Owner)})
		}
	}
	for _, sc := range c.Scenarios {
		if sc.IncidentCommander == "" {
			out = append(out, Gap{Message: fmt.Sprintf("scenario %s names no incident commander", sc.Name)})
		}
	}
	roles := Roles(c)
	names := make([]string, 0, len(roles))
	for n := range roles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n != "" && c.Contact(n) == nil {
			out = append(out, Gap{Message: fmt.Sprintf("%s (%s) has no contact details in the catalogue", n, rolesText(roles[n]))})
		}
	}
	return out
}

// correctiveOverdue: an improvement item still open or in progress after its due date.
func correctiveOverdue(p *PackInput, _ Check) []Gap {
	var out []Gap
	for _, it := range p.Sources.Improvements {
		if it.Overdue(p.Until) {
			out = append(out, Gap{Service: it.Service, Message: fmt.Sprintf("corrective action %s (%s, owner %s) is %s and was due %s", it.ID, it.Title, dash(it.Owner), it.Status, day(it.Due))})
		}
	}
	return out
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
