package workflows

import (
	"sort"
	"strings"
)

// redacted replaces a secret wherever it would be shown.
const redacted = "***"

func (r *run) secretParams() []string {
	var names []string
	for _, p := range r.rb.Parameters {
		if p.Secret {
			names = append(names, p.Name)
		}
	}
	return names
}

// redactMap copies m with every value that is or contains a secret replaced. secrets
// holds either parameter names (for the params map) or secret values.
func redactMap(m map[string]any, secrets []string) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if containsString(secrets, k) {
			out[k] = redacted
			continue
		}
		out[k] = redactValue(v, secrets)
	}
	return out
}

func redactValue(v any, secrets []string) any {
	switch t := v.(type) {
	case string:
		return redactString(t, secrets)
	case map[string]any:
		return redactMap(t, secrets)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = redactValue(e, secrets)
		}
		return out
	}
	return v
}

// redactString replaces every occurrence of a secret value in s, longest first.
func redactString(s string, secrets []string) string {
	if len(secrets) == 0 || s == "" {
		return s
	}
	sorted := append([]string(nil), secrets...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, sec := range sorted {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// holdsSecret reports whether s holds a secret value (see redactString's rule).
func (r *run) holdsSecret(s string) bool {
	for _, sec := range r.secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// addSecret makes s a secret: a value an expression computed from one (runbooks.Taint).
func (r *run) addSecret(s string) {
	if len(s) >= 4 && !containsString(r.secrets, s) {
		r.secrets = append(r.secrets, s)
	}
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
