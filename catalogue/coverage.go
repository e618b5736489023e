package catalogue

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/runbooks"
)

// RunResult is how one run of a runbook ended, as a run history records it.
type RunResult struct {
	RunID   string `json:"runId,omitempty"`
	Runbook string `json:"runbook"`
	// Service is the service the run was for (the runbook's metadata.service, or the
	// catalogue service a scenario run recovered); empty when unknown.
	Service string `json:"service,omitempty"`
	// Mode is live, drill or tabletop; Outcome succeeded, failed or cancelled.
	Mode      string    `json:"mode"`
	Outcome   string    `json:"outcome"`
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt,omitempty"`
	// RTO and RPO are the run's figures as its record states them
	// (workflows.Status.RTO and RPO), judged against the runbook's own targets.
	RTO runbooks.Figure `json:"rto"`
	RPO runbooks.Figure `json:"rpo"`
	// Reason is, for a readiness check (mode readiness), what did not pass.
	Reason string `json:"reason,omitempty"`
	// Proof is what the run's record (or, for a run that left no evidence, its start)
	// says for the proof rule (runbooks.Proof.For). A run that carries one proves its
	// service only when the rule holds for the runbook it ran; nil (a result given by
	// hand, bcdr coverage --results) is taken as stated.
	Proof *runbooks.Proof `json:"proof,omitempty"`
}

// UnmarshalJSON reads a run result, also in the older form that gave the measured
// durations as rtoActual/rtoTarget and rpoActual/rpoTarget (nanoseconds).
func (r *RunResult) UnmarshalJSON(b []byte) error {
	type plain RunResult
	var v struct {
		plain
		RTOActual time.Duration `json:"rtoActual"`
		RTOTarget time.Duration `json:"rtoTarget"`
		RPOActual time.Duration `json:"rpoActual"`
		RPOTarget time.Duration `json:"rpoTarget"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = RunResult(v.plain)
	if r.RTO.Verdict == "" && v.RTOActual > 0 {
		r.RTO = runbooks.MeasuredFigure(v.RTOActual, v.RTOTarget, "")
	}
	if r.RPO.Verdict == "" && v.RPOActual > 0 {
		r.RPO = runbooks.MeasuredFigure(v.RPOActual, v.RPOTarget, "")
	}
	return nil
}

// Passed reports whether the run succeeded.
func (r *RunResult) Passed() bool { return r.Outcome == "succeeded" }

// proves reports whether the run counts as proof of recovery: a drill, or a live
// recovery (tabletops exercise people, not systems).
func (r *RunResult) proves() bool { return r.Mode == "drill" || r.Mode == "live" }

// provenFor reports whether the run, counted for a service's runbook rb, proves it:
// always for a result without a proof record, else only when the proof rule holds for
// the service the run was for and rb's digest (a run of a changed copy, or one nobody
// was authorized to start for the service, is listed but proves nothing).
func (r *RunResult) provenFor(rb *runbooks.Runbook) bool {
	if r.Proof == nil {
		return true
	}
	return rb != nil && r.Proof.For(r.Service, []string{rb.Source.Digest})
}

// GapKind names a kind of coverage gap.
type GapKind string

// The kinds of gap a coverage report flags.
const (
	GapNoRunbook     GapKind = "no-runbook"         // the service has no runbook at all
	GapNotCovered    GapKind = "scenario-uncovered" // a scenario hits the service and it has no runbook for it
	GapNeverDrilled  GapKind = "never-passed"       // a runbook never passed a drill
	GapLastFailed    GapKind = "last-drill-failed"
	GapRTOMissed     GapKind = "rto-missed" // the last drill took longer than the service's RTO
	GapRPOMissed     GapKind = "rpo-missed"
	GapDrillOverdue  GapKind = "drill-overdue" // the last passed drill is older than the tier's cadence
	GapRunbookBroken GapKind = "runbook-invalid"
	// GapNotReady (readiness.go): the runbook's last readiness check did not pass.
)

// Gap is one finding of the coverage report.
type Gap struct {
	Kind    GapKind `json:"kind"`
	Service string  `json:"service"`
	Tier    int     `json:"tier"`
	Runbook string  `json:"runbook,omitempty"`
	Message string  `json:"message"`
}

// Report is the coverage of a catalogue: per service, its targets, runbooks, last drill
// and whether it met the targets; per tier, a summary; and every gap.
type Report struct {
	Catalogue   string            `json:"catalogue"`
	GeneratedAt time.Time         `json:"generatedAt"`
	Tiers       []TierCoverage    `json:"tiers"`
	Services    []ServiceCoverage `json:"services"`
	Gaps        []Gap             `json:"gaps"`
	// Improvements are the improvement plan's counts (CountImprovements); nil when the
	// plan was not read.
	Improvements *improvements.Summary `json:"improvements,omitempty"`
}

// TierCoverage sums up one tier.
type TierCoverage struct {
	Tier       int               `json:"tier"`
	Name       string            `json:"name,omitempty"`
	DrillEvery runbooks.Duration `json:"drillEvery,omitempty"`
	Services   int               `json:"services"`
	// WithRunbook have at least one runbook; Proven have every runbook passed a drill
	// within the tier's cadence with its targets met.
	WithRunbook int `json:"withRunbook"`
	Proven      int `json:"proven"`
	Gaps        int `json:"gaps"`
}

// ServiceCoverage is one service's line of the report.
type ServiceCoverage struct {
	Service         string                `json:"service"`
	Tier            int                   `json:"tier"`
	Owner           string                `json:"owner"`
	BusinessProcess string                `json:"businessProcess,omitempty"`
	Targets         map[Disruption]Target `json:"targets,omitempty"`
	Runbooks        []RunbookCoverage     `json:"runbooks"`
	// LastDrill is the latest drill or live run of any of its runbooks.
	LastDrill *RunResult `json:"lastDrill,omitempty"`
	// Cadence is the tier's drill_every; zero when the tier sets none (the service's
	// drills are then not assessed, and nothing is due).
	Cadence runbooks.Duration `json:"cadence,omitempty"`
	// NextDue is when the service's next drill is due: the earliest of its runbooks'
	// due dates. DueNow is set instead when one of its runbooks never passed a drill.
	NextDue time.Time `json:"nextDue,omitzero"`
	DueNow  bool      `json:"dueNow,omitempty"`
	Overdue bool      `json:"overdue"`
	Proven  bool      `json:"proven"`
	Gaps    []Gap     `json:"gaps"`
}

// RunbookCoverage is the drill record of one of a service's runbooks.
type RunbookCoverage struct {
	Path        string       `json:"path"`
	Name        string       `json:"name"`
	Disruptions []Disruption `json:"disruptions"`
	Runs        int          `json:"runs"`
	LastRun     *RunResult   `json:"lastRun,omitempty"`
	LastPass    *RunResult   `json:"lastPass,omitempty"`
	// DueBy is when the next passed drill is due (the last pass plus the tier's
	// cadence); zero when the tier sets no cadence or the runbook never passed.
	DueBy time.Time `json:"dueBy,omitempty"`
	// RTO and RPO are the strictest of the service's targets for the runbook's
	// disruptions, the bar its drills are measured against.
	RTO *runbooks.Duration `json:"rto,omitempty"`
	RPO *runbooks.Duration `json:"rpo,omitempty"`
	// Readiness is the runbook's last scheduled readiness check, if it had one.
	Readiness *RunResult `json:"readiness,omitempty"`
}

// Coverage reports how well the catalogue's services are covered by runbooks and
// proven by drills, from the runs in results (any order, any source). rbs are the
// runbooks LoadRunbooks returned (a runbook missing from it is reported as invalid).
// A run counts for a service when it names the service, or when it names no service
// (or the runbook's own) and the service is the only one that names its runbook.
func Coverage(c *Catalogue, rbs Runbooks, results []RunResult, now time.Time) *Report {
	rep := &Report{Catalogue: c.Metadata.Name, GeneratedAt: now, Tiers: []TierCoverage{}, Services: []ServiceCoverage{}, Gaps: []Gap{}}
	sorted := append([]RunResult(nil), results...)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].StartedAt.Before(sorted[b].StartedAt) })
	uncovered := c.uncoveredByScenario()
	for i := range c.Services {
		s := &c.Services[i]
		sc := c.serviceCoverage(s, rbs, sorted, now)
		for _, name := range uncovered[s.Name] {
			sc.addGap(GapNotCovered, "", fmt.Sprintf("scenario %s hits %s, which has no runbook for a %s disruption", name, s.Name, c.Scenario(name).Disruption))
		}
		sc.Proven = len(sc.Gaps) == 0 && len(sc.Runbooks) > 0
		rep.Services = append(rep.Services, sc)
		rep.Gaps = append(rep.Gaps, sc.Gaps...)
	}
	sort.SliceStable(rep.Services, func(a, b int) bool {
		if rep.Services[a].Tier != rep.Services[b].Tier {
			return rep.Services[a].Tier < rep.Services[b].Tier
		}
		return rep.Services[a].Service < rep.Services[b].Service
	})
	sort.SliceStable(rep.Gaps, func(a, b int) bool {
		if rep.Gaps[a].Tier != rep.Gaps[b].Tier {
			return rep.Gaps[a].Tier < rep.Gaps[b].Tier
		}
		return rep.Gaps[a].Service < rep.Gaps[b].Service
	})
	rep.Tiers = c.tierCoverage(rep.Services)
	return rep
}

func (c *Catalogue) serviceCoverage(s *Service, rbs Runbooks, results []RunResult, now time.Time) ServiceCoverage {
	sc := ServiceCoverage{
		Service: s.Name, Tier: s.Tier, Owner: s.Owner, BusinessProcess: s.BusinessProcess,
		Targets: c.targetsOf(s), Runbooks: []RunbookCoverage{}, Gaps: []Gap{},
	}
	if len(s.Runbooks) == 0 {
		sc.addGap(GapNoRunbook, "", fmt.Sprintf("%s (tier %d) has no runbook", s.Name, s.Tier))
	}
	var cadence runbooks.Duration
	if p := c.Tier(s.Tier); p != nil {
		cadence = p.DrillEvery
	}
	for k := range s.Runbooks {
		ref := &s.Runbooks[k]
		rb := rbs[ref.Path]
		rc := RunbookCoverage{Path: ref.Path, Name: runbookName(ref.Path, rb), Disruptions: ref.Disruptions}
		rc.RTO, rc.RPO = c.strictest(s, ref)
		if rb == nil {
			sc.addGap(GapRunbookBroken, rc.Name, fmt.Sprintf("runbook %s of %s does not load", ref.Path, s.Name))
		}
		for i := range results {
			r := &results[i]
			if !r.proves() || !c.countsFor(r, s, ref, rb) || !r.provenFor(rb) {
				continue
			}
			rc.Runs++
			rc.LastRun = r
			if r.Passed() {
				rc.LastPass = r
			}
			if sc.LastDrill == nil || r.StartedAt.After(sc.LastDrill.StartedAt) {
				sc.LastDrill = r
			}
		}
		sc.checkRunbook(&rc, cadence, now)
		rc.Readiness = c.lastCheck(results, s, ref, rbs)
		sc.checkReadiness(&rc)
		sc.Runbooks = append(sc.Runbooks, rc)
	}
	sc.Overdue = sc.hasGap(GapDrillOverdue) || sc.hasGap(GapNeverDrilled)
	sc.Cadence = cadence
	if cadence > 0 {
		for _, rc := range sc.Runbooks {
			switch {
			case rc.LastPass == nil:
				sc.DueNow = true
			case sc.NextDue.IsZero() || rc.DueBy.Before(sc.NextDue):
				sc.NextDue = rc.DueBy
			}
		}
		if sc.DueNow {
			sc.NextDue = time.Time{}
		}
	}
	return sc
}

// checkRunbook adds the gaps of one runbook's drill record.
func (sc *ServiceCoverage) checkRunbook(rc *RunbookCoverage, cadence runbooks.Duration, now time.Time) {
	if rc.LastPass == nil {
		sc.addGap(GapNeverDrilled, rc.Name, fmt.Sprintf("runbook %s of %s never passed a drill", rc.Name, sc.Service))
	} else if cadence > 0 {
		rc.DueBy = rc.LastPass.StartedAt.Add(cadence.Std())
		if now.After(rc.DueBy) {
			sc.addGap(GapDrillOverdue, rc.Name, fmt.Sprintf("runbook %s of %s was last drilled %s; tier %d drills every %s, so one was due %s",
				rc.Name, sc.Service, day(rc.LastPass.StartedAt), sc.Tier, cadence, day(rc.DueBy)))
		}
	}
	last := rc.LastRun
	if last == nil {
		return
	}
	if !last.Passed() {
		sc.addGap(GapLastFailed, rc.Name, fmt.Sprintf("the last drill of %s for %s (%s) %s", rc.Name, sc.Service, day(last.StartedAt), outcomeText(last.Outcome)))
	}
	// The record's figures are judged against the runbook's targets; the service's may
	// be stricter (a runbook that declares none, or a looser one validate warned of).
	if rto := rc.RTO; rto != nil && last.RTO.Measured && last.RTO.Actual > rto.Std() {
		sc.addGap(GapRTOMissed, rc.Name, fmt.Sprintf("the last drill of %s for %s (%s) took %s, over %s's RTO of %s",
			rc.Name, sc.Service, day(last.StartedAt), roundDur(last.RTO.Actual), sc.Service, *rto))
	}
	if rpo := rc.RPO; rpo != nil && last.RPO.Measured && last.RPO.Actual > rpo.Std() {
		sc.addGap(GapRPOMissed, rc.Name, fmt.Sprintf("the last drill of %s for %s (%s) lost %s of data, over %s's RPO of %s",
			rc.Name, sc.Service, day(last.StartedAt), roundDur(last.RPO.Actual), sc.Service, *rpo))
	}
}

func (sc *ServiceCoverage) addGap(kind GapKind, runbook, msg string) {
	sc.Gaps = append(sc.Gaps, Gap{Kind: kind, Service: sc.Service, Tier: sc.Tier, Runbook: runbook, Message: msg})
}

func (sc *ServiceCoverage) hasGap(kind GapKind) bool {
	for _, g := range sc.Gaps {
		if g.Kind == kind {
			return true
		}
	}
	return false
}

// countsFor reports whether a run is one of service s's runbook ref.
func (c *Catalogue) countsFor(r *RunResult, s *Service, ref *RunbookRef, rb *runbooks.Runbook) bool {
	if r.Runbook != runbookName(ref.Path, rb) {
		return false
	}
	if r.Service == s.Name {
		return true
	}
	own := ""
	if rb != nil {
		own = rb.Metadata.Service
	}
	return (r.Service == "" || r.Service == own) && c.usersOf(ref.Path) == 1
}

// runbookName is the runbook's name, or its file name without extension when it did
// not load.
func runbookName(p string, rb *runbooks.Runbook) string {
	if rb != nil {
		return rb.Metadata.Name
	}
	return strings.TrimSuffix(path.Base(p), path.Ext(p))
}

// strictest returns the service's smallest RTO and RPO targets over the disruptions a
// runbook is named for.
func (c *Catalogue) strictest(s *Service, ref *RunbookRef) (rto, rpo *runbooks.Duration) {
	for _, d := range ref.Disruptions {
		t := c.Target(s, d)
		if t.RTO != nil && (rto == nil || *t.RTO < *rto) {
			rto = t.RTO
		}
		if t.RPO != nil && (rpo == nil || *t.RPO < *rpo) {
			rpo = t.RPO
		}
	}
	return rto, rpo
}

// targetsOf returns the service's effective targets, per disruption type.
func (c *Catalogue) targetsOf(s *Service) map[Disruption]Target {
	out := map[Disruption]Target{}
	for _, d := range Disruptions {
		if t := c.Target(s, d); t.RTO != nil || t.RPO != nil {
			out[d] = t
		}
	}
	return out
}

// uncoveredByScenario returns, per service, the scenarios that hit it directly while it
// has no runbook for their disruption.
func (c *Catalogue) uncoveredByScenario() map[string][]string {
	out := map[string][]string{}
	for k := range c.Scenarios {
		sc := &c.Scenarios[k]
		for _, i := range c.selected(sc) {
			s := &c.Services[i]
			covered := false
			for r := range s.Runbooks {
				covered = covered || s.Runbooks[r].For(sc.Disruption)
			}
			if !covered && len(s.Runbooks) > 0 {
				out[s.Name] = append(out[s.Name], sc.Name)
			}
		}
	}
	return out
}

func (c *Catalogue) tierCoverage(services []ServiceCoverage) []TierCoverage {
	byTier := map[int]*TierCoverage{}
	for _, p := range c.Tiers {
		byTier[p.Tier] = &TierCoverage{Tier: p.Tier, Name: p.Name, DrillEvery: p.DrillEvery}
	}
	for _, s := range services {
		t := byTier[s.Tier]
		if t == nil {
			t = &TierCoverage{Tier: s.Tier}
			byTier[s.Tier] = t
		}
		t.Services++
		if len(s.Runbooks) > 0 {
			t.WithRunbook++
		}
		if s.Proven {
			t.Proven++
		}
		t.Gaps += len(s.Gaps)
	}
	out := make([]TierCoverage, 0, len(byTier))
	for _, t := range byTier {
		out = append(out, *t)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Tier < out[b].Tier })
	return out
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func roundDur(d time.Duration) runbooks.Duration {
	if d >= time.Minute {
		d = d.Round(time.Second)
	} else {
		d = d.Round(time.Millisecond)
	}
	return runbooks.Duration(d)
}

func outcomeText(outcome string) string {
	if outcome == "" {
		return "did not finish"
	}
	return outcome
}
