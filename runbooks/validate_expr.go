package runbooks

import (
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// exprCtx says where an expression sits, and so what it may refer to.
type exprCtx struct {
	step   int    // index of the step the expression belongs to; -1 outside steps
	where  string // outside steps: what holds the expression ("a steady_state probe")
	self   bool   // the step's own outputs may be used (its rollback, its drill cleanup)
	output bool   // an output expression: result is in scope
	result *Kind  // the kind whose result is in scope, when known
	// anyStep lets an expression outside steps refer to any step's outputs (it is
	// evaluated when the run ends).
	anyStep bool
	// drill is the kind of a drill variant that uses another kind than its step: in the
	// variant's cleanup the step's own outputs are that kind's result.
	drill *Kind
}

// exprsIn checks every ${{ }} expression in a value, recursively.
func (v *validator) exprsIn(val any, path string, ctx exprCtx) {
	switch x := val.(type) {
	case string:
		if hasExpr(x) {
			v.template(x, exprValue, path, ctx)
		}
	case map[string]any:
		for _, k := range sortedMapKeys(x) {
			v.exprsIn(x[k], path+"."+k, ctx)
		}
	case []any:
		for i, item := range x {
			v.exprsIn(item, yamlnode.Index(path, i), ctx)
		}
	}
}

// condition checks a when expression.
func (v *validator) condition(cond, path string, ctx exprCtx) {
	e, err := bareExpr(cond)
	if err != nil {
		v.errorf(v.pos.At(path), "bad condition: %v", err)
		return
	}
	if e != "" {
		v.checkExpr(e, exprBool, path, ctx)
	}
}

// outputExpr checks one of a step's outputs.
func (v *validator) outputExpr(src, path string, ctx exprCtx) {
	if e, err := bareExpr(src); err == nil {
		v.checkExpr(e, exprOutput, path, ctx)
		return
	}
	v.template(src, exprOutput, path, ctx)
}

// template checks each ${{ }} expression of a template as kind.
func (v *validator) template(src string, kind exprKind, path string, ctx exprCtx) {
	segs, err := splitTemplate(src)
	if err != nil {
		v.errorf(v.pos.At(path), "bad expression: %v", err)
		return
	}
	for _, sg := range segs {
		if sg.IsExpr {
			v.checkExpr(sg.Expr, kind, path, ctx)
		}
	}
}

// checkExpr compiles an expression and checks what it refers to.
func (v *validator) checkExpr(src string, kind exprKind, path string, ctx exprCtx) {
	if v.full() {
		return
	}
	v.exprs++
	switch {
	case v.exprs > maxExpressions+1:
		return
	case v.exprs > maxExpressions:
		v.errorf(v.pos.At(path), "runbook has more than %d expressions; the limit is %d", maxExpressions, maxExpressions)
		return
	case len(src) > maxExprLen:
		v.errorf(v.pos.At(path), "expression %q is %d bytes; the limit is %d", clipExpr(src), len(src), maxExprLen)
		return
	}
	prog, err := compile(src, kind)
	if err != nil {
		v.errorf(v.pos.At(path), "bad expression %q: %v%s", clipExpr(src), err, disabledHint(err))
		return
	}
	node := prog.Node()
	if msg := exprCost(node); msg != "" {
		v.errorf(v.pos.At(path), "expression %q: %s", clipExpr(src), msg)
		return
	}
	for _, r := range references(node) {
		if msg := v.checkRef(r, ctx); msg != "" {
			v.errorf(v.pos.At(path), "expression %q: %s", src, msg)
		}
	}
}

// ref is a constant member chain from a scope variable: params.x, steps.a.outputs.b.
type ref struct {
	root  string
	props []string
}

func (r ref) String() string { return strings.Join(append([]string{r.root}, r.props...), ".") }

// references returns the longest constant member chains rooted at params, steps or
// result in an expression tree.
func references(node ast.Node) []ref {
	c := &refCollector{inner: map[ast.Node]bool{}}
	ast.Walk(&node, c)
	var out []ref
	for _, m := range c.members {
		if c.inner[m] {
			continue
		}
		if r, ok := memberChain(m); ok {
			out = append(out, r)
		}
	}
	return out
}

type refCollector struct {
	members []*ast.MemberNode
	inner   map[ast.Node]bool
}

func (c *refCollector) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok {
		return
	}
	c.members = append(c.members, m)
	if in := unchain(m.Node); in != nil {
		c.inner[in] = true
	}
}

func unchain(n ast.Node) ast.Node {
	if ch, ok := n.(*ast.ChainNode); ok {
		return ch.Node
	}
	return n
}

func memberChain(m *ast.MemberNode) (ref, bool) {
	var props []string
	var n ast.Node = m
	for {
		switch x := unchain(n).(type) {
		case *ast.MemberNode:
			s, ok := x.Property.(*ast.StringNode)
			if !ok {
				props = nil // a computed member: only the part before it is checked
			} else {
				props = append(props, s.Value)
			}
			n = x.Node
			continue
		case *ast.IdentifierNode:
			switch x.Value {
			case "params", "steps", "result":
				for a, b := 0, len(props)-1; a < b; a, b = a+1, b-1 {
					props[a], props[b] = props[b], props[a]
				}
				return ref{root: x.Value, props: props}, len(props) > 0
			}
		}
		return ref{}, false
	}
}

// disabledHint explains why a builtin is unknown when it was disabled on purpose.
func disabledHint(err error) string {
	for _, name := range []string{"now", "date", "timezone"} {
		if strings.Contains(err.Error(), "unknown name "+name+" ") {
			return "; " + name + "() is not available: expressions run in workflow code and must be deterministic"
		}
	}
	return ""
}
