package runbooks

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// Validate checks a runbook built in Go (Parse validates what it parses) against reg (nil
// means the builtin kinds) and returns every problem found. Places come from the Pos
// fields the runbook carries. Validate fills Step.Approval for approval steps.
func Validate(rb *Runbook, reg *Registry) Diagnostics {
	if reg == nil {
		reg = builtinRegistry()
	}
	rep := &reporter{file: rb.Source.File}
	v := &validator{reporter: rep, rb: rb, reg: reg, pos: positionsOf(rb)}
	v.run()
	return rep.result()
}

// validator checks the meaning of a decoded runbook: kinds, inputs, the graph,
// parameters and expressions.
type validator struct {
	*reporter
	rb     *Runbook
	reg    *Registry
	pos    yamlnode.Positions
	params map[string]*Parameter
	byID   map[string]int
	graph  *graph
	exprs  int // expressions checked, against maxExpressions
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// idRE is what step and steady_state probe ids look like: an identifier that may also
// hold '-' (Chaos Toolkit's and many teams' kebab-case). Expressions refer to such a
// step with brackets: steps["read-marker"].outputs.written_at.
var idRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// stepRefHint is how expressions refer to a step.
func stepRefHint(id string) string {
	if identRE.MatchString(id) {
		return "steps." + id
	}
	return `steps["` + id + `"]`
}

// MaxSteps is the most steps a runbook may have. A run records a few workflow history
// events per step, and Temporal caps a history at 51,200 events.
const MaxSteps = 10_000

func (v *validator) run() {
	if n := len(v.rb.Steps); n > MaxSteps {
		v.errorf(v.pos.At("steps"), "%s", tooManySteps(n))
		return
	}
	v.header()
	v.parameters()
	v.stepIDs()
	v.needs()
	v.graph = newGraph(v.rb.Steps)
	for _, c := range v.graph.cycles() {
		v.errorf(v.pos.At(yamlnode.Index("steps", c[0])+".needs"), "cyclic needs: %s", v.graph.cycleText(c))
	}
	for i := range v.rb.Steps {
		v.step(i)
	}
	v.probes()
	v.injects()
	if m := v.rb.Objectives.RPOMarker; m != "" {
		v.exprsIn(m, "objectives.rpo_marker", exprCtx{step: -1, where: "objectives.rpo_marker", anyStep: true})
	}
	v.evacuation()
	v.policy()
	if r := v.rb.Rollback; (r == RollbackOnDeviation || r == RollbackAlways) && len(v.rb.SteadyState) == 0 {
		v.warnf(v.pos.At("rollback"), "rollback: %s needs steady_state probes to notice a deviation; without them only failures roll back", r)
	}
}

// policy checks that an approve policy names who approves, and that each approver is a
// name.
func (v *validator) policy() {
	p := v.rb.Policy
	for i, a := range p.Approvers {
		if strings.TrimSpace(a) == "" || hasExpr(a) {
			v.errorf(v.pos.At(yamlnode.Index("policy.approvers", i)), "approver must be a user name or \"group:name\", got %q", a)
		}
	}
	if p.RequireProven == ProvenApprove && len(p.Approvers) == 0 {
		v.errorf(v.pos.At("policy.require_proven"), "policy.require_proven is approve, but policy.approvers names no one: name the users or groups (\"group:dr-leads\") who may approve a live run of a version no drill proved")
	}
	_, given := v.pos["policy.require_proven"] // a misspelt value was reported already
	if p.RequireProven != ProvenApprove && len(p.Approvers) > 0 && (!given || p.RequireProven != "") {
		v.warnf(v.pos.At("policy.approvers"), "policy.approvers is used only with policy.require_proven: approve")
	}
}

func (v *validator) header() {
	rb := v.rb
	switch {
	case rb.APIVersion == "":
		v.errorf(v.pos.At(""), "missing apiVersion: want %q", APIVersion)
	case rb.APIVersion != APIVersion:
		v.errorf(v.pos.At("apiVersion"), "apiVersion is %q; this version of bcdr reads %q", rb.APIVersion, APIVersion)
	}
	if rb.Metadata.Name == "" {
		v.errorf(v.pos.At("metadata"), "missing metadata.name")
	}
	if rb.Metadata.Tier < 0 {
		v.errorf(v.pos.At("metadata.tier"), "metadata.tier must be 0 or more, got %d", rb.Metadata.Tier)
	}
	if len(rb.Steps) == 0 && v.pos["steps"] != (Pos{}) {
		v.errorf(v.pos.At("steps"), "steps is empty: a runbook needs at least one step")
	}
}

// stepIDs checks that every step has a unique id usable in expressions.
func (v *validator) stepIDs() {
	v.byID = make(map[string]int, len(v.rb.Steps))
	for i, s := range v.rb.Steps {
		p := yamlnode.Index("steps", i)
		switch {
		case s.ID == "":
			if _, given := v.pos[p+".id"]; !given {
				v.errorf(v.pos.At(p), "step has no id")
			}
			continue
		case len(s.ID) > maxIDLen:
			v.errorf(v.pos.At(p+".id"), "step id %q is %d characters; the limit is %d", clipExpr(s.ID), len(s.ID), maxIDLen)
			continue
		case !idRE.MatchString(s.ID):
			v.errorf(v.pos.At(p+".id"), "step id %q must start with a letter or _ and hold only letters, digits, _ and - (expressions refer to a step as steps.my_step or steps[\"my-step\"])", s.ID)
		}
		if first, dup := v.byID[s.ID]; dup {
			v.errorf(v.pos.At(p+".id"), "duplicate step id %q (first used at line %d)", s.ID, v.pos.At(yamlnode.Index("steps", first)).Line)
			continue
		}
		v.byID[s.ID] = i
	}
}

// needs checks that every need names a step.
func (v *validator) needs() {
	ids := slices.Sorted(maps.Keys(v.byID))
	for i, s := range v.rb.Steps {
		for j, need := range s.Needs {
			if _, ok := v.byID[need]; !ok {
				v.errorf(v.pos.At(yamlnode.Index(yamlnode.Index("steps", i)+".needs", j)), "step %q needs unknown step %q%s", s.ID, need, yamlnode.SuggestPrefix(need, ids))
			}
		}
	}
}

func (v *validator) probes() {
	seen := map[string]bool{}
	for i := range v.rb.SteadyState {
		pr := &v.rb.SteadyState[i]
		p := yamlnode.Index("steady_state", i)
		switch {
		case pr.ID == "":
			if _, given := v.pos[p+".id"]; !given {
				v.errorf(v.pos.At(p), "steady_state probe has no id")
			}
		case seen[pr.ID]:
			v.errorf(v.pos.At(p+".id"), "duplicate steady_state probe id %q", pr.ID)
		case !idRE.MatchString(pr.ID):
			v.errorf(v.pos.At(p+".id"), "steady_state probe id %q must start with a letter or _ and hold only letters, digits, _ and -", pr.ID)
		}
		seen[pr.ID] = true
		k, ok := v.action(&pr.Action, p, "steady_state probe", exprCtx{step: -1, where: "a steady_state probe"})
		if ok && k.SideEffects {
			v.errorf(v.pos.At(p+".uses"), "steady_state probe %q uses %q, which changes things; probes must only observe", pr.ID, k.Name)
		}
	}
}

func (v *validator) injects() {
	for i, in := range v.rb.Injects {
		p := yamlnode.Index("injects", i)
		ctx := exprCtx{step: -1, where: "an inject"}
		v.exprsIn(in.Title, p+".title", ctx)
		v.exprsIn(in.Message, p+".message", ctx)
	}
}
