package runbooks

import (
	"github.com/expr-lang/expr/ast"
)

// Taint marks what expressions compute from secrets. Secret reports whether a string
// holds a secret (a secret parameter's value, a secret output's). An expression that
// reads a value holding one (params.token, steps.a.outputs.key, result.password, or a
// whole params or steps) makes its result a secret too: upper(params.token) is as secret
// as the token. Add receives every string of those results, to be redacted like the
// secrets. The rule is conservative: `params.token == "" ? "missing" : "present"`
// makes "present" a secret.
type Taint struct {
	Secret func(s string) bool
	Add    func(s string)
}

// WithTaint returns s with t attached: the expressions evaluated in it record in t the
// strings they compute from secrets.
func (s Scope) WithTaint(t *Taint) Scope {
	s.taint = t
	return s
}

func taintOf(env any) *Taint {
	switch e := env.(type) {
	case Scope:
		return e.taint
	case outputScope:
		return e.taint
	}
	return nil
}

// add records every string in v.
func (t *Taint) add(v any) {
	switch x := v.(type) {
	case string:
		if x != "" {
			t.Add(x)
		}
	case map[string]any:
		for _, k := range sortedMapKeys(x) {
			t.add(x[k])
		}
	case []any:
		for _, e := range x {
			t.add(e)
		}
	case []string:
		for _, e := range x {
			t.add(e)
		}
	}
}

// holds reports whether v holds a secret string anywhere.
func (t *Taint) holds(v any) bool {
	switch x := v.(type) {
	case string:
		return t.Secret(x)
	case map[string]any:
		for _, e := range x {
			if t.holds(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if t.holds(e) {
				return true
			}
		}
	case map[string]StepScope:
		for _, e := range x {
			if t.holds(e.Outputs) {
				return true
			}
		}
	case StepScope:
		return t.holds(x.Outputs)
	}
	return false
}

// reads reports whether the compiled expression node reads a value holding a secret
// from env (a Scope or an outputScope).
func (t *Taint) reads(node ast.Node, env any) bool {
	if t == nil || t.Secret == nil || t.Add == nil {
		return false
	}
	c := &readCollector{inner: map[ast.Node]bool{}}
	ast.Walk(&node, c)
	for _, m := range c.members {
		if c.inner[m] {
			continue
		}
		if root, props, ok := readChain(m, c.inner); ok && t.holds(lookup(env, root, props)) {
			return true
		}
	}
	for _, id := range c.idents {
		if !c.inner[id] && t.holds(lookup(env, id.Value, nil)) {
			return true
		}
	}
	return false
}

type readCollector struct {
	members []*ast.MemberNode
	idents  []*ast.IdentifierNode
	inner   map[ast.Node]bool
}

func (c *readCollector) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.MemberNode:
		c.members = append(c.members, x)
		if in := unchain(x.Node); in != nil {
			c.inner[in] = true
		}
	case *ast.IdentifierNode:
		switch x.Value {
		case "params", "steps", "result":
			c.idents = append(c.idents, x)
		}
	}
}

// readChain is memberChain that keeps the constant part before a computed member
// (params[name] reads all of params) and marks the base identifier as read through it.
func readChain(m *ast.MemberNode, inner map[ast.Node]bool) (string, []string, bool) {
	var props []string
	var n ast.Node = m
	for {
		switch x := unchain(n).(type) {
		case *ast.MemberNode:
			if s, ok := x.Property.(*ast.StringNode); ok {
				props = append(props, s.Value)
			} else {
				props = nil
			}
			n = x.Node
			continue
		case *ast.IdentifierNode:
			inner[x] = true
			for a, b := 0, len(props)-1; a < b; a, b = a+1, b-1 {
				props[a], props[b] = props[b], props[a]
			}
			return x.Value, props, true
		}
		return "", nil, false
	}
}

// lookup follows root.props through env; past a value that has no properties (a string
// indexed, say) it stays at that value, which holds whatever the rest would read.
func lookup(env any, root string, props []string) any {
	var s Scope
	var v any
	switch e := env.(type) {
	case Scope:
		s = e
	case outputScope:
		s = e.Scope
		if root == "result" {
			v = e.Result
		}
	}
	switch root {
	case "params":
		v = s.Params
	case "steps":
		v = s.Steps
	case "result":
	default:
		return nil
	}
	for _, p := range props {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case map[string]StepScope:
			next, ok := x[p]
			if !ok {
				return nil
			}
			v = next
		case StepScope:
			if p != "outputs" {
				return nil // status
			}
			v = x.Outputs
		default:
			return v
		}
	}
	return v
}
