package runbooks

import (
	"fmt"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// parameters checks the runbook's parameters: names, types, defaults and allowed values.
func (v *validator) parameters() {
	v.params = make(map[string]*Parameter, len(v.rb.Parameters))
	for i := range v.rb.Parameters {
		prm := &v.rb.Parameters[i]
		p := yamlnode.Index("parameters", i)
		switch {
		case prm.Name == "":
			v.errorf(v.pos.At(p), "parameter has no name")
			continue
		case !identRE.MatchString(prm.Name):
			v.errorf(v.pos.At(p+".name"), "parameter name %q must start with a letter or _ and hold only letters, digits and _ (expressions refer to it as params.%s)", prm.Name, prm.Name)
		}
		if _, dup := v.params[prm.Name]; dup {
			v.errorf(v.pos.At(p+".name"), "duplicate parameter %q", prm.Name)
			continue
		}
		v.params[prm.Name] = prm
		v.parameterValues(prm, p)
	}
}

func (v *validator) parameterValues(prm *Parameter, path string) {
	t := prm.Type
	if t == "" {
		t = ParamString
	}
	if t == "invalid" {
		return // reported when decoded
	}
	for j, a := range prm.Allowed {
		if msg := checkParamValue(itemType(t), a); msg != "" {
			v.errorf(v.pos.At(yamlnode.Index(path+".allowed", j)), "parameter %q: allowed value %s", prm.Name, msg)
		}
	}
	if prm.Default == nil {
		if empty, ok := emptyParam[t]; ok && !prm.Required {
			v.warnf(v.pos.At(path+".name"), "parameter %q has no default and is not required: a run that does not give it sees %s; give it a default (default: %s says empty on purpose) or required: true", prm.Name, empty, empty)
		}
		return
	}
	if msg := checkParamValue(t, prm.Default); msg != "" {
		v.errorf(v.pos.At(path+".default"), "parameter %q: default %s", prm.Name, msg)
		return
	}
	if len(prm.Allowed) > 0 && !allowedHas(t, prm.Allowed, prm.Default) {
		v.errorf(v.pos.At(path+".default"), "parameter %q: default %s is not one of the allowed values", prm.Name, formatValue(prm.Default))
	}
	if prm.Required {
		v.warnf(v.pos.At(path+".required"), "parameter %q is required and has a default: the default is never used", prm.Name)
	}
}

// emptyParam is what an optional scalar parameter with no default is when not given:
// validate warns about those, since an empty region or a zero count is more often an
// oversight than a choice. An optional list is simply empty: no warning.
var emptyParam = map[ParamType]string{ParamString: `""`, ParamDuration: `""`, ParamNumber: "0", ParamBool: "false"}

// checkParamValue checks a literal value against a parameter type; "" means fine.
func checkParamValue(t ParamType, val any) string {
	if _, err := paramValue(t, val); err != nil {
		return err.Error()
	}
	return ""
}

// paramValue converts a literal (from YAML) to the parameter's type.
func paramValue(t ParamType, val any) (any, error) {
	switch t {
	case ParamString, "":
		if s, ok := val.(string); ok {
			return s, nil
		}
	case ParamNumber:
		switch x := val.(type) {
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		}
	case ParamBool:
		if b, ok := val.(bool); ok {
			return b, nil
		}
	case ParamDuration:
		s, ok := val.(string)
		if !ok {
			break
		}
		d, err := ParseDuration(s)
		if err != nil {
			return nil, err
		}
		return d.String(), nil
	case ParamList:
		items, ok := val.([]any)
		if !ok {
			break
		}
		out := make([]any, len(items))
		for i, it := range items {
			switch x := it.(type) {
			case string, bool, int, int64, float64:
				out[i] = formatValue(x)
			default:
				return nil, fmt.Errorf("item %d must be a string, got %s", i+1, typeName(it))
			}
		}
		return out, nil
	}
	if t == ParamList {
		return nil, fmt.Errorf("must be a list, got %s", typeName(val))
	}
	return nil, fmt.Errorf("must be a %s, got %s", t, typeName(val))
}

// itemType is the type of the values allowed names: a list's items are strings.
func itemType(t ParamType) ParamType {
	if t == ParamList {
		return ParamString
	}
	return t
}

func allowedHas(t ParamType, allowed []any, val any) bool {
	if t == ParamList {
		items, err := paramValue(t, val)
		if err != nil {
			return false
		}
		for _, it := range items.([]any) {
			if !allowedHas(ParamString, allowed, it) {
				return false
			}
		}
		return true
	}
	want, err := paramValue(t, val)
	if err != nil {
		return false
	}
	for _, a := range allowed {
		if got, err := paramValue(t, a); err == nil && got == want {
			return true
		}
	}
	return false
}
