package runbooks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// checkRef checks one reference in an expression; it returns "" or the problem.
func (v *validator) checkRef(r ref, ctx exprCtx) string {
	switch r.root {
	case "params":
		if _, ok := v.params[r.props[0]]; !ok {
			return fmt.Sprintf("undefined parameter %q (params.%s)%s", r.props[0], r.props[0], yamlnode.SuggestPrefix(r.props[0], slices.Sorted(maps.Keys(v.params))))
		}
	case "steps":
		return v.checkStepRef(r, ctx)
	case "result":
		if ctx.result != nil && !kindHasOutput(*ctx.result, nil, r.props[0]) {
			return fmt.Sprintf("step kind %q has no output %q%s", ctx.result.Name, r.props[0], outputList(*ctx.result, nil))
		}
	}
	return ""
}

func (v *validator) checkStepRef(r ref, ctx exprCtx) string {
	id := r.props[0]
	if ctx.step < 0 && !ctx.anyStep {
		return fmt.Sprintf("%s cannot refer to steps (%s)", ctx.where, stepRefHint(id))
	}
	j, ok := v.byID[id]
	if !ok {
		return fmt.Sprintf("unknown step %q (%s)%s", id, stepRefHint(id), yamlnode.SuggestPrefix(id, slices.Sorted(maps.Keys(v.byID))))
	}
	if ctx.step < 0 {
		if len(r.props) >= 3 && r.props[1] == "outputs" {
			return v.checkOutputRef(j, r.props[2])
		}
		return ""
	}
	self := v.rb.Steps[ctx.step].ID
	switch {
	case j == ctx.step && !ctx.self:
		if ctx.output {
			return fmt.Sprintf("step %q refers to itself; its outputs use result.<name>", self)
		}
		return fmt.Sprintf("step %q refers to itself; only its rollback and drill cleanup can use its outputs", self)
	case j != ctx.step && v.graph.depth[ctx.step] >= 0 && v.graph.depth[j] >= 0 && !v.graph.upstream(ctx.step, j):
		return fmt.Sprintf("step %q is not upstream of step %q: add it to needs (directly or through another step)", id, self)
	}
	if len(r.props) >= 3 && r.props[1] == "outputs" {
		if j == ctx.step && ctx.drill != nil {
			if _, ok := v.rb.Steps[j].Outputs[r.props[2]]; ok || kindHasOutput(*ctx.drill, nil, r.props[2]) {
				return ""
			}
			return fmt.Sprintf("step %q's drill variant (%s) has no output %q%s", self, ctx.drill.Name, r.props[2], outputList(*ctx.drill, nil))
		}
		return v.checkOutputRef(j, r.props[2])
	}
	return ""
}

// checkOutputRef checks that step j declares the output name.
func (v *validator) checkOutputRef(j int, name string) string {
	st := &v.rb.Steps[j]
	k, ok := v.reg.Kind(st.Uses)
	if !ok {
		return "" // the unknown kind is reported on the step
	}
	if _, ok := st.Outputs[name]; ok || kindHasOutput(k, st, name) {
		return ""
	}
	return fmt.Sprintf("step %q (%s) has no output %q%s", st.ID, k.Name, name, outputList(k, st))
}

// kindHasOutput reports whether a step of kind k (st may be nil) can have the output.
func kindHasOutput(k Kind, st *Step, name string) bool {
	if _, ok := k.Output(name); ok {
		return true
	}
	if k.OutputsFrom == "" {
		return false
	}
	if st == nil {
		return true
	}
	m, isMap := st.With[k.OutputsFrom].(map[string]any)
	if !isMap {
		return st.With[k.OutputsFrom] != nil // an expression: not known before the run
	}
	_, ok := m[name]
	return ok
}

// outputList says which outputs a step has, for error messages.
func outputList(k Kind, st *Step) string {
	var names []string
	for _, f := range k.Outputs {
		names = append(names, f.Name)
	}
	if st != nil {
		names = append(names, sortedMapKeys(st.Outputs)...)
		if m, ok := st.With[k.OutputsFrom].(map[string]any); ok && k.OutputsFrom != "" {
			names = append(names, sortedMapKeys(m)...)
		}
	}
	if len(names) == 0 {
		return "; it has no outputs"
	}
	return "; it has " + strings.Join(names, ", ")
}
