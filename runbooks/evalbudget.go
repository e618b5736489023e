package runbooks

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// maxEvalSteps is the evaluation budget of one expression, in steps: one step per
// iteration of a predicate ({...} in all, map, count...), and one per byte or element of
// the values builtins, functions and operators read and make. Validation bounds what it
// can see (constant ranges, repeats of constants); the budget bounds what depends on the
// run's values, such as count(split(body, ""), {all(split(body, ""), {# == "x"})}) on
// a 16 KB body, which held the workflow task for minutes. A million steps take tens of
// milliseconds, far from the engine's one-second deadlock detector.
const maxEvalSteps = 1_000_000

// errEvalBudget is the error of an expression that spends its budget.
var errEvalBudget = fmt.Errorf("evaluation budget exceeded: more than %d steps (loops over large values, or string work on them); "+
	"loop over less (filter or slice the value first) or compute the value in a step", maxEvalSteps)

// evalMeter counts one evaluation's steps. It reaches the expression through the
// scope, so one compiled program serves every evaluation.
type evalMeter struct{ left int }

// meterFunc is the function the metering patch calls: $meter($env, values...) charges
// one step, plus the size of each value. Its name cannot be written in a runbook's
// expression (validation compiles without the patch, so it would be unknown there).
const meterFunc = "$meter"

var meterFunction = expr.Function(meterFunc, func(args ...any) (any, error) {
	if len(args) == 0 {
		return nil, nil
	}
	var m *evalMeter
	switch e := args[0].(type) {
	case Scope:
		m = e.meter
	case outputScope:
		m = e.meter
	}
	if m == nil {
		return nil, nil
	}
	m.left--
	for _, v := range args[1:] {
		m.left -= valueSize(v, m.left+1)
	}
	if m.left < 0 {
		return nil, errEvalBudget
	}
	return nil, nil
})

// valueSize is what reading v costs, in steps: a string's bytes, a collection's elements
// and theirs. It stops counting past limit.
func valueSize(v any, limit int) int {
	switch x := v.(type) {
	case nil, bool, int, int64, float64, Duration:
		return 1
	case string:
		return len(x) + 1
	case []any:
		n := len(x) + 1
		for _, e := range x {
			if n > limit {
				break
			}
			n += valueSize(e, limit-n)
		}
		return n
	case []string:
		n := len(x) + 1
		for _, e := range x {
			n += len(e)
		}
		return n
	case map[string]any:
		n := len(x) + 1
		for k, e := range x {
			if n > limit {
				break
			}
			n += len(k) + valueSize(e, limit-n)
		}
		return n
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		n := rv.Len() + 1
		for i := 0; i < rv.Len() && n <= limit; i++ {
			n += valueSize(rv.Index(i).Interface(), limit-n)
		}
		return n
	case reflect.Map:
		n := rv.Len() + 1
		it := rv.MapRange()
		for n <= limit && it.Next() {
			n += valueSize(it.Key().Interface(), limit-n) + valueSize(it.Value().Interface(), limit-n)
		}
		return n
	case reflect.Struct:
		n := 1
		for i := 0; i < rv.NumField() && n <= limit; i++ {
			if rv.Type().Field(i).IsExported() {
				n += valueSize(rv.Field(i).Interface(), limit-n)
			}
		}
		return n
	}
	return 1
}

// withMeter returns env (a Scope or an outputScope) with a fresh meter.
func withMeter(env any) any {
	m := &evalMeter{left: maxEvalSteps}
	switch e := env.(type) {
	case Scope:
		e.meter = m
		return e
	case outputScope:
		e.meter = m
		return e
	}
	return env
}

// isBudgetError reports whether err is an expression's spent budget.
func isBudgetError(err error) bool { return errors.Is(err, errEvalBudget) }

// meterPatch rewrites a checked expression so that it charges its meter as it runs:
// every predicate iteration charges a step; every builtin, function call and operator
// that may cost in proportion to its operands charges, before it runs, the size of the
// operands it reads straight from the scope, and after it runs the size of its result.
// The rewrite keeps each node's type: `f(a)` becomes
// `$meter($env, a); let v = f(a); $meter($env, v); v`.
type meterPatch struct{ vars int }

func (p *meterPatch) Visit(node *ast.Node) {
	switch x := (*node).(type) {
	case *ast.PredicateNode:
		x.Node = &ast.SequenceNode{Nodes: []ast.Node{meterCall(), x.Node}}
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok && id.Value != meterFunc {
			p.wrap(node, x.Arguments)
		}
	case *ast.BuiltinNode:
		switch x.Name {
		case "len", "type": // constant time
			return
		}
		var args []ast.Node
		for _, a := range x.Arguments {
			if _, pred := a.(*ast.PredicateNode); !pred {
				args = append(args, a)
			}
		}
		p.wrap(node, args)
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "||", "and", "or", "??", "..":
			// Logic charges through its operands; a range is charged by what reads it
			// (the optimizer turns `x in 1..9` into two comparisons).
			return
		}
		p.wrap(node, []ast.Node{x.Left, x.Right})
	}
}

// wrap replaces *node by its metered form, charging the operands among args that can be
// read again at no cost.
func (p *meterPatch) wrap(node *ast.Node, args []ast.Node) {
	p.vars++
	name := fmt.Sprintf("$metered%d", p.vars)
	before := meterCall()
	for _, a := range args {
		if rereadable(a) {
			before.Arguments = append(before.Arguments, a)
		}
	}
	after := meterCall(&ast.IdentifierNode{Value: name})
	metered := &ast.VariableDeclaratorNode{
		Name:  name,
		Value: *node,
		Expr:  &ast.SequenceNode{Nodes: []ast.Node{after, &ast.IdentifierNode{Value: name}}},
	}
	var out ast.Node = metered
	if len(before.Arguments) > 1 {
		out = &ast.SequenceNode{Nodes: []ast.Node{before, metered}}
	}
	ast.Patch(node, out)
}

func meterCall(args ...ast.Node) *ast.CallNode {
	return &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: meterFunc},
		Arguments: append([]ast.Node{&ast.IdentifierNode{Value: "$env"}}, args...),
	}
}

// rereadable reports whether evaluating n again costs nothing and changes nothing: a
// name, #, or a member chain of them with constant keys.
func rereadable(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return x.Value != "$env"
	case *ast.PointerNode:
		return true
	case *ast.MemberNode:
		switch x.Property.(type) {
		case *ast.StringNode, *ast.IntegerNode:
			return rereadable(x.Node)
		}
	}
	return false
}
