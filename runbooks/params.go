package runbooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// ResolveParams turns the parameters given at start (`--param k=v`, as strings) into the
// typed values expressions see as params: numbers as float64, booleans as bool, strings
// and durations as strings (a duration in its canonical form, "90s" -> "1m30s", so that it
// survives JSON). Defaults fill what is not given. Unknown names, values of the wrong type
// or not allowed, and missing required parameters are errors, each naming the parameter.
func ResolveParams(rb *Runbook, given map[string]string) (map[string]any, error) {
	out := make(map[string]any, len(rb.Parameters))
	known := make(map[string]bool, len(rb.Parameters))
	var errs []error
	for _, p := range rb.Parameters {
		known[p.Name] = true
		v, err := resolveParam(p, given)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if v != nil {
			out[p.Name] = v
		}
	}
	var names []string
	for _, p := range rb.Parameters {
		names = append(names, p.Name)
	}
	for _, name := range sortedMapKeys(given) {
		if !known[name] {
			errs = append(errs, fmt.Errorf("parameter %q: runbook %q has no such parameter%s", name, rb.Metadata.Name, yamlnode.SuggestPrefix(name, names)))
		}
	}
	return out, errors.Join(errs...)
}

func resolveParam(p Parameter, given map[string]string) (any, error) {
	raw, ok := given[p.Name]
	var v any
	switch {
	case ok:
		parsed, err := parseParam(p.Type, raw)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", p.Name, err)
		}
		v = parsed
	case p.Required:
		return nil, fmt.Errorf("parameter %q is required%s", p.Name, describe(p))
	case p.Default != nil:
		d, err := paramValue(p.Type, p.Default)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: default %w", p.Name, err)
		}
		v = d
	default:
		return zeroParam(p.Type), nil
	}
	if len(p.Allowed) > 0 && !allowedHas(p.Type, p.Allowed, v) {
		return nil, fmt.Errorf("parameter %q: %s is not allowed; want one of %s", p.Name, formatValue(v), allowedText(p.Allowed))
	}
	return v, nil
}

// zeroParam is the value of an optional parameter given no value and no default, so that
// expressions can still use it.
func zeroParam(t ParamType) any {
	switch t {
	case ParamNumber:
		return float64(0)
	case ParamBool:
		return false
	case ParamList:
		return []any{}
	}
	return ""
}

func describe(p Parameter) string {
	if p.Description == "" {
		return ""
	}
	return " (" + p.Description + ")"
}

func allowedText(allowed []any) string {
	parts := make([]string, len(allowed))
	for i, a := range allowed {
		parts[i] = formatValue(a)
	}
	return strings.Join(parts, ", ")
}

// parseParam reads a parameter value given as text.
func parseParam(t ParamType, raw string) (any, error) {
	switch t {
	case ParamNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", raw)
		}
		return f, nil
	case ParamBool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", raw)
		}
		return b, nil
	case ParamDuration:
		d, err := ParseDuration(raw)
		if err != nil {
			return nil, err
		}
		return d.String(), nil
	case ParamList:
		return parseList(raw)
	}
	return raw, nil
}

// parseList reads a list parameter given as text: a JSON array of strings
// (["a","b,c"]) or items separated by commas ("a, b"), spaces around them trimmed.
func parseList(raw string) (any, error) {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(raw, "[") {
		var items []string
		if err := json.Unmarshal([]byte(raw), &items); err != nil {
			return nil, fmt.Errorf("%q is not a JSON array of strings", raw)
		}
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = it
		}
		return out, nil
	}
	out := []any{}
	for it := range strings.SplitSeq(raw, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out, nil
}
