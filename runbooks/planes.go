package runbooks

import (
	"fmt"
	"io"
	"strings"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// The evacuation check: a recovery must not depend on a control plane that lives in the
// region it moves away from (AWS Well-Architected REL11-BP04, "rely on the data plane and
// not the control plane during recovery"). objectives.evacuates names that region; every
// action a live run may execute (each step's action whose when is not false for a live run
// with the runbook's parameter defaults, its rollback, and the steady-state probes that end
// the RTO clock) is compared with it: a kind whose control plane is homed there (Route 53
// and IAM in us-east-1) or a regional control plane called with region: set to it is
// reported. A region the check cannot work out before a run (a required parameter without
// a default) is compared by its text: ${{ params.primary_region }} matches itself.

// planeRisk is one action on the live path that calls a control plane in the evacuated
// region.
type planeRisk struct {
	path string // where it is: steps[2], steps[2].rollback, steady_state[0]
	msg  string
}

// planeScope is what the check evaluates expressions with: the parameters' defaults in a
// live run.
type planeScope struct {
	scope     Scope
	evacuates string // the region evacuated, or its expression's text when unknown
	known     bool   // evacuates is a value, not a text
	text      string // objectives.evacuates as written
}

func newPlaneScope(rb *Runbook) (planeScope, bool) {
	if strings.TrimSpace(rb.Objectives.Evacuates) == "" {
		return planeScope{}, false
	}
	params, _ := ResolveParams(rb, nil) // what cannot be resolved stays unknown
	ps := planeScope{scope: Scope{Params: params, Mode: "live", Steps: map[string]StepScope{}},
		text: strings.TrimSpace(rb.Objectives.Evacuates)}
	ps.evacuates, ps.known = ps.value(rb.Objectives.Evacuates)
	return ps, true
}

// value is s evaluated, or s's text and false when it cannot be evaluated before a run.
func (ps planeScope) value(s string) (string, bool) {
	if !hasExpr(s) {
		return strings.TrimSpace(s), true
	}
	v, err := Expand(s, ps.scope)
	if str, ok := v.(string); ok && err == nil && str != "" {
		return str, true
	}
	return strings.TrimSpace(s), false
}

// in reports whether region (a value or an expression) is the evacuated region.
func (ps planeScope) in(region string) bool {
	v, known := ps.value(region)
	if known && ps.known {
		return v == ps.evacuates
	}
	return strings.TrimSpace(region) == ps.text
}

// onLivePath reports whether a live run may execute the step: its when is not false with
// the parameters' defaults (a when that needs other steps' outputs may be true).
func (ps planeScope) onLivePath(st *Step) bool {
	if st.When == "" {
		return true
	}
	ok, err := EvalBool(st.When, ps.scope)
	return err != nil || ok
}

// planeRisks returns every action on rb's live path that calls a control plane in the
// region objectives.evacuates names; none when it names none.
func planeRisks(rb *Runbook, reg *Registry) []planeRisk {
	ps, ok := newPlaneScope(rb)
	if !ok {
		return nil
	}
	var out []planeRisk
	check := func(path, what string, a *Action) {
		if a == nil {
			return
		}
		k, ok := reg.Kind(a.Uses)
		if !ok || k.Plane != PlaneControl {
			return
		}
		home, region := k.Home, ""
		if home == "" {
			r, _ := a.With["region"].(string)
			if r == "" {
				return // the worker's region: not known before a run
			}
			region = r
		}
		switch {
		case home != "" && home != HomeAnyRegion && ps.known && home == ps.evacuates:
			out = append(out, planeRisk{path, fmt.Sprintf(
				"%s uses %s, which calls a control plane that lives in %s, the region this runbook evacuates (objectives.evacuates): in a regional outage it may not answer. "+
					"Switch on a data plane instead (aws.arc.set_routing_controls, or a failover record driven by a health check), or keep this off the live path (a when that is false, or a drill-only step)",
				what, k.Name, home)})
		case home == "" && ps.in(region):
			out = append(out, planeRisk{path + ".with.region", fmt.Sprintf(
				"%s uses %s in region %s, the region this runbook evacuates (objectives.evacuates): that region's control plane may not answer during the outage. "+
					"Act from the recovery region, or keep this off the live path (a when that is false, or a drill-only step)",
				what, k.Name, strings.TrimSpace(region))})
		}
	}
	for i := range rb.Steps {
		st := &rb.Steps[i]
		if !ps.onLivePath(st) {
			continue
		}
		p := yamlnode.Index("steps", i)
		check(p, fmt.Sprintf("step %q", st.ID), &st.Action)
		check(p+".rollback", fmt.Sprintf("the rollback of step %q", st.ID), st.Rollback)
	}
	for i := range rb.SteadyState {
		pr := &rb.SteadyState[i]
		check(yamlnode.Index("steady_state", i), fmt.Sprintf("steady_state probe %q (it ends the RTO clock)", pr.ID), &pr.Action)
	}
	return out
}

// evacuation warns about every action on the live path that calls a control plane in the
// evacuated region.
func (v *validator) evacuation() {
	ev := v.rb.Objectives.Evacuates
	if ev == "" {
		return
	}
	v.exprsIn(ev, "objectives.evacuates", exprCtx{step: -1, where: "objectives.evacuates"})
	if v.reporter.errors > 0 {
		return // the check evaluates expressions: only on a runbook that is otherwise valid
	}
	for _, r := range planeRisks(v.rb, v.reg) {
		v.warnf(v.pos.At(r.path), "%s", r.msg)
	}
}

// stepPlane is the plane a step's live action calls and where: the kind's home, or the
// step's region input (its text when an expression), or "" when the worker's region.
func stepPlane(st *Step, k Kind) (Plane, string) {
	if k.Plane == PlaneNone {
		return PlaneNone, ""
	}
	if k.Home != "" {
		return k.Plane, k.Home
	}
	r, _ := st.With["region"].(string)
	return k.Plane, r
}

// planWarnings is the evacuation check of a plan: validate's warnings, placed at the
// steps (a plan knows the steps' places, not their fields').
func planWarnings(rb *Runbook, reg *Registry) []Diagnostic {
	risks := planeRisks(rb, reg)
	if len(risks) == 0 {
		return nil
	}
	pos := positionsOf(rb)
	out := make(Diagnostics, len(risks))
	for i, r := range risks {
		at := pos.At(r.path)
		out[i] = Diagnostic{File: rb.Source.File, Line: at.Line, Col: at.Column, Severity: SeverityWarning, Message: r.msg}
	}
	out.Sort()
	return out
}

// planeText is how the plan's text shows a step's plane: "data plane", "control plane
// us-east-1", "control plane in ${{ params.dr_region }}".
func (s *PlanStep) planeText() string {
	switch {
	case s.Plane == PlaneNone:
		return ""
	case s.Home == "":
		return string(s.Plane) + " plane (worker's region)"
	case s.Home == HomeAnyRegion:
		return string(s.Plane) + " plane (any region)"
	}
	return string(s.Plane) + " plane " + s.Home
}

// writeWarnings writes the plan's warnings, one "file:line:col: warning: ..." a line.
func (p *Plan) writeWarnings(w io.Writer) {
	if len(p.Warnings) == 0 {
		return
	}
	fmt.Fprintf(w, "\nWarnings:\n")
	for _, d := range p.Warnings {
		fmt.Fprintf(w, "  %s\n", d)
	}
}
