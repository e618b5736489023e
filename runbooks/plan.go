package runbooks

import (
	"maps"
	"slices"
	"sort"
	"time"
)

// Plan is what a runbook will do, computed without running it: the DAG's layers (steps
// in a layer can run in parallel), the critical path, the expected duration and the IAM
// actions it needs.
type Plan struct {
	Runbook    string     `json:"runbook"`
	Version    string     `json:"version,omitempty"`
	Digest     string     `json:"digest,omitempty"`
	Objectives Objectives `json:"objectives,omitempty"`
	// Layers are step ids by topological layer; a step's needs are all in earlier layers.
	Layers       [][]string `json:"layers"`
	CriticalPath []string   `json:"criticalPath"`
	// ExpectedDuration is the sum of the estimates along the critical path.
	ExpectedDuration     Duration   `json:"expectedDuration"`
	ExpectedDurationText string     `json:"expectedDurationText"`
	IAMActions           []string   `json:"iamActions"`
	Steps                []PlanStep `json:"steps"`
	// Warnings are the live path's calls to a control plane in the evacuated region
	// (objectives.evacuates), as validate reports them.
	Warnings []Diagnostic `json:"warnings,omitempty"`
}

// PlanStep is one step in a plan.
type PlanStep struct {
	ID          string   `json:"id"`
	Name        string   `json:"name,omitempty"`
	Uses        string   `json:"uses"`
	Executor    Executor `json:"executor,omitempty"`
	Needs       []string `json:"needs,omitempty"`
	Layer       int      `json:"layer"` // from 0; -1 when the step is on a cycle
	Estimate    Duration `json:"estimate"`
	EstimatedBy string   `json:"estimatedBy"` // step, input, runbook (its child's plan), kind, timeout or default
	Start       Duration `json:"start"`       // earliest start, from the beginning of the run
	Finish      Duration `json:"finish"`
	Critical    bool     `json:"critical,omitempty"`
	SideEffects bool     `json:"sideEffects,omitempty"`
	Approvers   []string `json:"approvers,omitempty"`
	When        string   `json:"when,omitempty"`
	Rollback    string   `json:"rollback,omitempty"` // the rollback's kind
	Drill       string   `json:"drill,omitempty"`    // "skip", "live", the drill variant's kind, or ""
	// InDrill says what the step does in a drill: whether it acts for real (for-real), is
	// left out because it would and has no drill variant (not-run), and so on.
	InDrill DrillEffect `json:"inDrill"`
	// Plane is the side of a cloud service the step's live action calls, and Home where
	// that plane lives: a region, the step's region input as written, "any", or "".
	Plane Plane  `json:"plane,omitempty"`
	Home  string `json:"home,omitempty"`
}

// defaultEstimate is the guess for a step nothing else tells about.
const defaultEstimate = Duration(30 * time.Second)

// NewPlan computes the plan of a runbook; reg (nil means the builtin kinds) provides
// the kinds' estimates and IAM actions. Steps on a cycle are listed with layer -1 and
// left out of the layers and the critical path. A `runbook` step is estimated at its
// kind's flat default; NewPlanNested knows better.
func NewPlan(rb *Runbook, reg *Registry) *Plan {
	return NewPlanNested(rb, reg, nil)
}

// NewPlanNested is NewPlan given the runbooks rb's `runbook` steps run, keyed by the
// path they name (as a run's input carries them): such a step without an estimate of
// its own is estimated at its child's expected duration, planned the same way.
func NewPlanNested(rb *Runbook, reg *Registry, nested map[string]Runbook) *Plan {
	return newPlan(rb, reg, nested, map[string]bool{})
}

// maxNestingPlanned bounds how deep nested runbooks are planned; deeper ones take the
// kind's default estimate.
const maxNestingPlanned = 16

func newPlan(rb *Runbook, reg *Registry, nested map[string]Runbook, onPath map[string]bool) *Plan {
	if reg == nil {
		reg = builtinRegistry()
	}
	g := newGraph(rb.Steps)
	p := &Plan{
		Runbook: rb.Metadata.Name, Version: rb.Metadata.Version, Digest: rb.Source.Digest,
		Objectives: rb.Objectives, Layers: [][]string{}, CriticalPath: []string{},
		IAMActions: iamActions(rb, reg), Steps: make([]PlanStep, len(rb.Steps)),
	}
	for i := range rb.Steps {
		p.Steps[i] = planStep(&rb.Steps[i], reg, g.depth[i])
		if est, ok := childEstimate(&rb.Steps[i], reg, nested, onPath); ok {
			p.Steps[i].Estimate, p.Steps[i].EstimatedBy = est, "runbook"
		}
	}
	for _, i := range g.order {
		d := g.depth[i]
		for len(p.Layers) <= d {
			p.Layers = append(p.Layers, nil)
		}
		p.Layers[d] = append(p.Layers[d], rb.Steps[i].ID)
	}
	p.schedule(g)
	p.Warnings = planWarnings(rb, reg)
	p.ExpectedDurationText = p.ExpectedDuration.String()
	return p
}

func planStep(st *Step, reg *Registry, depth int) PlanStep {
	k, _ := reg.Kind(st.Uses)
	ps := PlanStep{
		ID: st.ID, Name: st.Name, Uses: st.Uses, Executor: k.Executor, Needs: st.Needs,
		Layer: depth, SideEffects: k.SideEffects, When: st.When,
	}
	ps.Estimate, ps.EstimatedBy = estimate(st, k)
	ps.Plane, ps.Home = stepPlane(st, k)
	if st.Approval != nil {
		ps.Approvers = st.Approval.Approvers
	}
	if st.Rollback != nil {
		ps.Rollback = st.Rollback.Uses
	}
	ps.InDrill = st.InDrill()
	switch {
	case st.Drill == nil:
	case st.Drill.Live:
		ps.Drill = "live"
	case st.Drill.Skip:
		ps.Drill = "skip"
	default:
		a, _ := st.DrillAction()
		ps.Drill = a.Uses
	}
	return ps
}

// childEstimate is the expected duration of the child a `runbook` step runs, when the
// step has no estimate of its own and its child is among nested (and not already being
// planned: a runbook that nests itself is refused when loaded, this only stays safe).
func childEstimate(st *Step, reg *Registry, nested map[string]Runbook, onPath map[string]bool) (Duration, bool) {
	if st.Uses != KindRunbook || st.Estimate > 0 || len(nested) == 0 || len(onPath) >= maxNestingPlanned {
		return 0, false
	}
	path, _ := st.With["path"].(string)
	child, ok := nested[path]
	if !ok || onPath[path] {
		return 0, false
	}
	onPath[path] = true
	defer delete(onPath, path)
	return newPlan(&child, reg, nested, onPath).ExpectedDuration, true
}

// estimate guesses how long a step takes: its estimate, a duration input (wait's
// duration, noop's sleep), the kind's default, half its timeout, or 30s.
func estimate(st *Step, k Kind) (Duration, string) {
	if st.Estimate > 0 {
		return st.Estimate, "step"
	}
	for _, name := range []string{"duration", "sleep"} {
		if f, ok := k.Input(name); ok && f.Type == TypeDuration {
			if s, ok := st.With[name].(string); ok && !hasExpr(s) {
				if d, err := ParseDuration(s); err == nil {
					return d, "input"
				}
			}
		}
	}
	if k.DefaultEstimate > 0 {
		return k.DefaultEstimate, "kind"
	}
	if st.Timeout > 0 {
		return st.Timeout / 2, "timeout"
	}
	return defaultEstimate, "default"
}

// schedule computes earliest start and finish times and the critical path.
func (p *Plan) schedule(g *graph) {
	if len(g.order) == 0 {
		return
	}
	prev := make([]int, len(p.Steps))
	last := -1
	for _, i := range g.order {
		prev[i] = -1
		for _, j := range g.needs[i] {
			if p.Steps[j].Finish > p.Steps[i].Start || (prev[i] < 0 && p.Steps[j].Finish == p.Steps[i].Start) {
				p.Steps[i].Start = p.Steps[j].Finish
				prev[i] = j
			}
		}
		p.Steps[i].Finish = p.Steps[i].Start + p.Steps[i].Estimate
		if last < 0 || p.Steps[i].Finish > p.Steps[last].Finish || (p.Steps[i].Finish == p.Steps[last].Finish && i < last) {
			last = i
		}
	}
	p.ExpectedDuration = p.Steps[last].Finish
	var path []string
	for i := last; i >= 0; i = prev[i] {
		p.Steps[i].Critical = true
		path = append(path, p.Steps[i].ID)
	}
	for a, b := 0, len(path)-1; a < b; a, b = a+1, b-1 {
		path[a], path[b] = path[b], path[a]
	}
	p.CriticalPath = path
}

// iamActions returns the sorted, unique AWS actions of every kind the runbook uses.
func iamActions(rb *Runbook, reg *Registry) []string {
	set := map[string]bool{}
	add := func(a *Action) {
		if a == nil {
			return
		}
		if k, ok := reg.Kind(a.Uses); ok {
			for _, act := range k.IAMActions {
				set[act] = true
			}
		}
	}
	for i := range rb.Steps {
		st := &rb.Steps[i]
		add(&st.Action)
		add(st.Rollback)
		if st.Drill != nil {
			add(&st.Drill.Action)
			add(st.Drill.Cleanup)
		}
	}
	for i := range rb.SteadyState {
		add(&rb.SteadyState[i].Action)
	}
	out := slices.AppendSeq(make([]string, 0, len(set)), maps.Keys(set)) // [] in JSON, not null
	sort.Strings(out)
	return out
}
