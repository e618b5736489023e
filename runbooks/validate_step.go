package runbooks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// step checks one step: its kind and inputs, approval, condition, outputs, rollback,
// drill variant and retry.
func (v *validator) step(i int) {
	st := &v.rb.Steps[i]
	p := yamlnode.Index("steps", i)
	ctx := exprCtx{step: i}
	k, ok := v.action(&st.Action, p, "step", ctx)
	st.Acts = ok && ActsForReal(k)
	if st.When != "" {
		v.condition(st.When, p+".when", ctx)
	}
	// Instructions are shown with their expressions rendered (to approvers, to whoever
	// does a manual task, to tabletop participants), so their references are checked.
	v.exprsIn(st.Instructions, p+".instructions", ctx)
	v.stepOutputs(i, p, k, ok)
	if ok && k.Name == KindApproval {
		st.Approval = v.approval(st.With, p+".with")
	}
	if ok && k.Name == KindRollCall {
		st.RollCall = v.rollCall(st.With, p+".with")
	}
	if st.Rollback != nil {
		v.rollback(i, p, k, ok)
	}
	if st.Drill != nil {
		v.drill(i, p, k, ok)
	}
}

// action checks an action's kind, inputs, retry and expressions. It returns the kind.
func (v *validator) action(a *Action, path, what string, ctx exprCtx) (Kind, bool) {
	v.retry(a.Retry, path+".retry")
	v.exprsIn(a.With, path+".with", ctx)
	if a.Uses == "" {
		v.errorf(v.pos.At(path), "%s has no uses: name its step kind", what)
		return Kind{}, false
	}
	k, ok := v.reg.Kind(a.Uses)
	if !ok {
		v.errorf(v.pos.At(path+".uses"), "unknown step kind %q%s", a.Uses, yamlnode.SuggestPrefix(a.Uses, kindNames(v.reg)))
		return Kind{}, false
	}
	v.inputs(k, a.With, func(key string) string { return path + ".with." + key }, path)
	return k, true
}

func kindNames(reg *Registry) []string {
	var names []string
	for _, k := range reg.Kinds() {
		names = append(names, k.Name)
	}
	return names
}

// inputs checks with against the kind's fields: required, known and typed. pathOf gives
// the path of an input's value.
func (v *validator) inputs(k Kind, with map[string]any, pathOf func(string) string, path string) {
	at := path + ".with"
	if _, ok := v.pos[at]; !ok {
		at = path + ".uses"
	}
	for _, f := range k.Inputs {
		if _, ok := with[f.Name]; f.Required && !ok {
			v.errorf(v.pos.At(at), "missing input %q for step kind %q", f.Name, k.Name)
		}
	}
	var names []string
	for _, f := range k.Inputs {
		names = append(names, f.Name)
	}
	for _, key := range sortedMapKeys(with) {
		f, ok := k.Input(key)
		if !ok {
			v.errorf(v.pos.At(yamlnode.KeyPath(pathOf(key))), "unknown input %q for step kind %q%s", key, k.Name, yamlnode.SuggestPrefix(key, names))
			continue
		}
		if msg := checkValue(f, with[key]); msg != "" {
			v.errorf(v.pos.At(pathOf(key)), "input %q of step kind %q: %s", key, k.Name, msg)
		}
	}
}

// checkValue checks a literal input value against its field; a value that is one
// ${{ }} expression is checked when the step runs. It returns "" or the problem.
func checkValue(f Field, val any) string {
	if s, ok := val.(string); ok && hasExpr(s) {
		if segs, err := splitTemplate(s); err == nil {
			if _, single := singleExpr(segs); single {
				return ""
			}
		}
		if f.Type == TypeString || f.Type == TypeDuration || f.Type == TypeAny {
			return ""
		}
		return fmt.Sprintf("must be %s; text around ${{ }} makes it a string", typeDesc(f.Type))
	}
	if !valueHasType(val, f.Type) {
		return fmt.Sprintf("must be %s, got %s", typeDesc(f.Type), typeName(val))
	}
	if s, ok := val.(string); ok && f.Type == TypeDuration {
		if _, err := ParseDuration(s); err != nil {
			return err.Error()
		}
	}
	if s, ok := val.(string); ok && len(f.Allowed) > 0 && !slices.Contains(f.Allowed, s) {
		return fmt.Sprintf("is %q; want one of %s", s, strings.Join(f.Allowed, ", "))
	}
	return ""
}

func valueHasType(val any, t ValueType) bool {
	switch t {
	case TypeString:
		_, ok := val.(string)
		return ok
	case TypeNumber:
		switch val.(type) {
		case int, int64, float64:
			return true
		}
		return false
	case TypeInt:
		switch x := val.(type) {
		case int, int64:
			return true
		case float64:
			return x == float64(int64(x))
		}
		return false
	case TypeBool:
		_, ok := val.(bool)
		return ok
	case TypeDuration:
		_, ok := val.(string)
		return ok
	case TypeList:
		_, ok := val.([]any)
		return ok
	case TypeMap:
		_, ok := val.(map[string]any)
		return ok
	}
	return true
}

func typeDesc(t ValueType) string {
	switch t {
	case TypeString:
		return "a string"
	case TypeNumber:
		return "a number"
	case TypeInt:
		return "an integer"
	case TypeBool:
		return "true or false"
	case TypeDuration:
		return `a duration like "90s"`
	case TypeList:
		return "a list"
	case TypeMap:
		return "a mapping"
	}
	return "a value"
}

func (v *validator) retry(r *Retry, path string) {
	if r == nil {
		return
	}
	if r.Attempts < 0 {
		v.errorf(v.pos.At(path+".attempts"), "retry.attempts must be 0 or more, got %d", r.Attempts)
	}
	if r.Multiplier != 0 && r.Multiplier < 1 {
		v.errorf(v.pos.At(path+".multiplier"), "retry.multiplier must be at least 1, got %g", r.Multiplier)
	}
	if r.MaxInterval != 0 && r.MaxInterval < r.Backoff {
		v.errorf(v.pos.At(path+".max_interval"), "retry.max_interval %s is shorter than retry.backoff %s", r.MaxInterval, r.Backoff)
	}
}

// stepOutputs checks the names and expressions of a step's outputs.
func (v *validator) stepOutputs(i int, path string, k Kind, known bool) {
	st := &v.rb.Steps[i]
	for _, name := range sortedMapKeys(st.Outputs) {
		p := path + ".outputs." + name
		if !identRE.MatchString(name) {
			v.errorf(v.pos.At(yamlnode.KeyPath(p)), "output name %q must hold only letters, digits and _", name)
		}
		ctx := exprCtx{step: i, output: true}
		if known {
			ctx.result = &k
		}
		v.outputExpr(st.Outputs[name], p, ctx)
	}
}

// rollback checks a step's rollback: the step's kind must be rollbackable.
func (v *validator) rollback(i int, path string, k Kind, known bool) {
	st := &v.rb.Steps[i]
	p := path + ".rollback"
	if known && !k.Rollbackable {
		why := "cannot be rolled back"
		if !k.SideEffects {
			why = "changes nothing, so there is nothing to roll back"
		}
		v.errorf(v.pos.At(p), "step %q has a rollback, but step kind %q %s", st.ID, k.Name, why)
	}
	v.compensation(st.Rollback, p, "rollback", exprCtx{step: i, self: true})
}

// compensation checks a rollback or a drill cleanup: it runs unattended as an activity
// when the run ends, so it cannot be a kind the workflow interprets (an approval, a
// manual task, a wait, a nested runbook).
func (v *validator) compensation(a *Action, p, what string, ctx exprCtx) {
	k, ok := v.action(a, p, what, ctx)
	if ok && k.Executor == ByWorkflow {
		v.errorf(v.pos.At(p+".uses"), "%s uses %q, which cannot run unattended as a %s; use a kind that acts (for a person's task, add a step instead)", what, k.Name, what)
	}
}

// drill checks a step's drill variant. Without uses, the variant runs the step's kind
// with its with merged over the step's.
func (v *validator) drill(i int, path string, k Kind, known bool) {
	st := &v.rb.Steps[i]
	d := st.Drill
	p := path + ".drill"
	ctx := exprCtx{step: i}
	if d.Live {
		if d.Skip || d.Uses != "" || len(d.With) > 0 || d.Timeout != 0 || d.Retry != nil {
			v.errorf(v.pos.At(p+".live"), "drill.live runs the step's own action for real in drills: remove uses, with, timeout, retry and skip, or live")
		}
		if d.Cleanup != nil {
			v.errorf(v.pos.At(p+".cleanup"), "drill.live runs the step's own action, which its rollback undoes, not a drill cleanup: move the cleanup to rollback")
		}
		return
	}
	if d.Skip {
		if d.Uses != "" || len(d.With) > 0 || d.Cleanup != nil {
			v.errorf(v.pos.At(p+".skip"), "drill.skip leaves nothing to run: remove uses, with and cleanup, or skip")
		}
		return
	}
	var dk Kind
	var dok bool
	if d.Uses != "" {
		dk, dok = v.action(&d.Action, p, "drill", ctx)
	} else {
		v.retry(d.Retry, p+".retry")
		v.exprsIn(d.With, p+".with", ctx)
		if !known {
			return
		}
		dk, dok = k, true
		merged, _ := st.DrillAction()
		v.inputs(k, merged.With, func(key string) string {
			if _, ok := d.With[key]; ok {
				return p + ".with." + key
			}
			return path + ".with." + key
		}, path)
	}
	if d.Cleanup != nil {
		cp := p + ".cleanup"
		if dok && !dk.SideEffects {
			v.errorf(v.pos.At(cp), "drill cleanup, but the drill variant's kind %q changes nothing, so there is nothing to clean up", dk.Name)
		}
		cctx := exprCtx{step: ctx.step, self: true}
		if dok && d.Uses != "" && d.Uses != st.Uses {
			cctx.drill = &dk
		}
		v.compensation(d.Cleanup, cp, "drill cleanup", cctx)
	}
}
