package runbooks

// WithDefaults returns a step's inputs completed with the Default of each input the
// step left out (or set to null). It is the one place a kind's declared defaults are
// applied: an action reads its inputs through it and carries no defaults of its own.
func (k Kind) WithDefaults(with map[string]any) map[string]any {
	out := make(map[string]any, len(with)+len(k.Inputs))
	for name, v := range with {
		out[name] = v
	}
	for _, f := range k.Inputs {
		if v, ok := out[f.Name]; (!ok || v == nil) && f.Default != nil {
			out[f.Name] = f.Default
		}
	}
	return out
}

// Builtin returns the builtin kind of that name.
func Builtin(name string) (Kind, bool) {
	for _, k := range Builtins() {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}
