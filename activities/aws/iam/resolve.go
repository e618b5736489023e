package iam

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/bcdr/bcdr/runbooks"
)

// unknown stands for a value the runbook leaves to run time (a required parameter not
// given); a string that contains it is not known.
const unknown = "\x00unknown\x00"

// checkParams reports a given parameter that no runbook declares (a typo would
// otherwise widen the policy silently).
func checkParams(rbs []*runbooks.Runbook, given map[string]string) error {
	var errs []error
	for _, name := range runbooks.Undeclared(rbs, given) {
		errs = append(errs, fmt.Errorf("parameter %q: no runbook given declares it", name))
	}
	return errors.Join(errs...)
}

// resolveParams returns the runbook's parameter values: given, else default, else (a
// required string not given) unknown.
func resolveParams(rb *runbooks.Runbook, given map[string]string) map[string]any {
	relaxed := *rb
	relaxed.Parameters = slices.Clone(rb.Parameters)
	mine := map[string]string{}
	for i := range relaxed.Parameters {
		p := &relaxed.Parameters[i]
		p.Required = false
		if v, ok := given[p.Name]; ok {
			mine[p.Name] = v
		}
	}
	params, _ := runbooks.ResolveParams(&relaxed, mine) // a bad value leaves the parameter unknown
	for _, p := range rb.Parameters {
		if _, ok := mine[p.Name]; ok && params[p.Name] != nil {
			continue
		}
		if p.Type == runbooks.ParamString && (p.Required || params[p.Name] == nil) {
			params[p.Name] = unknown
		}
	}
	return params
}

// runTimeRef matches an expression that reads what only a run knows.
var runTimeRef = regexp.MustCompile(`\$\{\{[^}]*\b(steps|run|mode)\b`)

// resolveInputs returns the action's inputs as far as they are known before the run:
// literal values, and expressions over parameters. Unknown values are left out. The
// kind's defaults fill inputs the step does not give.
func resolveInputs(a runbooks.Action, k runbooks.Kind, params map[string]any) map[string]any {
	in := map[string]any{}
	for _, f := range k.Inputs {
		if f.Default != nil {
			in[f.Name] = f.Default
		}
	}
	scope := runbooks.Scope{Params: params}
	for name, v := range a.With {
		if r, ok := resolveValue(v, scope); ok {
			in[name] = r
		} else {
			delete(in, name)
			if name == "role_arn" {
				in[name] = nil // a role only the run knows is still a role
			}
		}
	}
	return in
}

func resolveValue(v any, scope runbooks.Scope) (any, bool) {
	switch x := v.(type) {
	case string:
		if runTimeRef.MatchString(x) {
			return nil, false
		}
		r, err := runbooks.Expand(x, scope)
		if err != nil {
			return nil, false
		}
		if s, ok := r.(string); ok && strings.Contains(s, unknown) {
			return nil, false
		}
		return r, r != nil
	case []any:
		out := make([]any, 0, len(x))
		for _, item := range x {
			r, ok := resolveValue(item, scope)
			if !ok {
				return nil, false
			}
			out = append(out, r)
		}
		return out, true
	case map[string]any:
		// a map's known entries (an Automation's AutomationAssumeRole); unknown ones left out
		out := make(map[string]any, len(x))
		for k, item := range x {
			if r, ok := resolveValue(item, scope); ok {
				out[k] = r
			}
		}
		return out, true
	}
	return v, true
}
