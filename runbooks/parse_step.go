package runbooks

import (
	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// step decodes one item of steps.
func (d *decoder) step(n *yaml.Node, path string) Step {
	st := Step{Pos: yamlnode.PosOf(n)}
	d.Fields(n, path, "step", d.stepFields(&st))
	return st
}

func (d *decoder) stepFields(st *Step) map[string]yamlnode.FieldFunc {
	f := map[string]yamlnode.FieldFunc{
		"id":           d.StrInto(&st.ID, "step id"),
		"name":         d.StrInto(&st.Name, "step name"),
		"description":  d.StrInto(&st.Description, "step description"),
		"instructions": d.StrInto(&st.Instructions, "step instructions"),
		"needs":        func(v *yaml.Node, p string) { st.Needs = d.StrList(v, p, "needs") },
		"on_error":     func(v *yaml.Node, p string) { st.OnError = d.onError(v) },
		"when":         d.StrInto(&st.When, "when"),
		"outputs":      func(v *yaml.Node, p string) { st.Outputs = d.StrMapOf(v, p, "outputs", "output") },
		"rollback":     func(v *yaml.Node, p string) { st.Rollback = d.action(v, p, "rollback") },
		"drill":        func(v *yaml.Node, p string) { st.Drill = yamlnode.Struct(d.Decoder, v, p, "drill", d.drillFields) },
		"estimate":     d.durationInto(&st.Estimate, "estimate"),
	}
	for k, fn := range d.actionFields(&st.Action, "step") {
		f[k] = fn
	}
	return f
}

// actionFields are the keys every action has: uses, with, timeout, retry.
func (d *decoder) actionFields(a *Action, what string) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"uses":    d.StrInto(&a.Uses, what+" uses"),
		"with":    func(v *yaml.Node, p string) { a.With = d.with(v, p) },
		"timeout": d.durationInto(&a.Timeout, "timeout"),
		"retry":   func(v *yaml.Node, p string) { a.Retry = yamlnode.Struct(d.Decoder, v, p, "retry", d.retryFields) },
	}
}

func (d *decoder) action(v *yaml.Node, path, what string) *Action {
	return yamlnode.Struct(d.Decoder, v, path, what, func(a *Action) map[string]yamlnode.FieldFunc { return d.actionFields(a, what) })
}

func (d *decoder) drillFields(dv *DrillVariant) map[string]yamlnode.FieldFunc {
	f := d.actionFields(&dv.Action, "drill")
	f["skip"] = d.BoolInto(&dv.Skip, "drill.skip")
	f["live"] = d.BoolInto(&dv.Live, "drill.live")
	f["cleanup"] = func(v *yaml.Node, p string) { dv.Cleanup = d.action(v, p, "drill cleanup") }
	return f
}

func (d *decoder) with(v *yaml.Node, path string) map[string]any {
	if yamlnode.Deref(v).Kind != yaml.MappingNode {
		d.errorf(yamlnode.PosOf(yamlnode.Deref(v)), "with must be a mapping of inputs, got %s", yamlnode.KindOf(v))
		return nil
	}
	m, _ := d.value(v, path).(map[string]any)
	return m
}

func (d *decoder) retryFields(r *Retry) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"attempts":     d.IntInto(&r.Attempts, "retry.attempts"),
		"backoff":      d.durationInto(&r.Backoff, "retry.backoff"),
		"max_interval": d.durationInto(&r.MaxInterval, "retry.max_interval"),
		"multiplier": func(v *yaml.Node, _ string) {
			if f, ok := d.Float(v, "retry.multiplier"); ok {
				r.Multiplier = f
			}
		},
	}
}

func (d *decoder) onError(v *yaml.Node) ErrorMode {
	s, ok := d.Str(v, "on_error")
	if !ok {
		return ""
	}
	switch m := ErrorMode(s); m {
	case OnErrorStop, OnErrorContinue, OnErrorRollback:
		return m
	}
	d.errorf(yamlnode.PosOf(yamlnode.Deref(v)), "on_error is %q; want stop, continue or rollback", s)
	return ""
}

// probe decodes one item of steady_state.
func (d *decoder) probe(n *yaml.Node, path string) Probe {
	pr := Probe{Pos: yamlnode.PosOf(n)}
	d.Fields(n, path, "steady_state probe", d.probeFields(&pr))
	return pr
}

func (d *decoder) probeFields(pr *Probe) map[string]yamlnode.FieldFunc {
	f := d.actionFields(&pr.Action, "probe")
	f["id"] = d.StrInto(&pr.ID, "probe id")
	return f
}

// inject decodes one item of injects.
func (d *decoder) inject(n *yaml.Node, path string) Inject {
	in := Inject{Pos: yamlnode.PosOf(n)}
	found := d.Fields(n, path, "inject", d.injectFields(&in))
	d.Require(found, "at", in.Pos, "inject needs at (its offset from the start, e.g. \"15m\")")
	d.Require(found, "title", in.Pos, "inject needs a title")
	return in
}

func (d *decoder) injectFields(in *Inject) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"at":      d.durationInto(&in.At, "inject at"),
		"title":   d.StrInto(&in.Title, "inject title"),
		"message": d.StrInto(&in.Message, "inject message"),
	}
}

// parameter decodes one item of parameters.
func (d *decoder) parameter(n *yaml.Node, path string) Parameter {
	var p Parameter
	d.Fields(n, path, "parameter", d.parameterFields(&p))
	return p
}

func (d *decoder) parameterFields(p *Parameter) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"name":        d.StrInto(&p.Name, "parameter name"),
		"type":        func(v *yaml.Node, _ string) { p.Type = d.paramType(v) },
		"description": d.StrInto(&p.Description, "parameter description"),
		"default":     func(v *yaml.Node, path string) { p.Default = d.value(v, path) },
		"allowed": func(v *yaml.Node, path string) {
			if yamlnode.Deref(v).Kind != yaml.SequenceNode {
				d.errorf(yamlnode.PosOf(yamlnode.Deref(v)), "allowed must be a list of values, got %s", yamlnode.KindOf(v))
				return
			}
			p.Allowed, _ = d.value(v, path).([]any)
		},
		"required": d.BoolInto(&p.Required, "parameter required"),
		"secret":   d.BoolInto(&p.Secret, "parameter secret"),
	}
}

func (d *decoder) paramType(v *yaml.Node) ParamType {
	s, ok := d.Str(v, "parameter type")
	if !ok {
		return ""
	}
	if t, ok := isOneOf(d, v, "parameter type", s, ParamString, ParamNumber, ParamBool, ParamDuration, ParamList); ok {
		return t
	}
	return ParamType("invalid")
}
