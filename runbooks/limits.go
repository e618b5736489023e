package runbooks

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// Limits that keep a hostile runbook from costing the parser, or a run's workflow code,
// unbounded time or memory. Runbooks reach bcdr from people and, through the API and the
// catalogue, from other systems; their expressions run inside workflow code, where a
// blow-up would take down every worker that picks the run up.
const (
	// maxErrors is how many errors a file reports; beyond them one more says how many
	// were left out.
	maxErrors = 1000
	// maxExpressions is the most ${{ }} expressions a runbook may hold.
	maxExpressions = 10_000
	// maxExprLen is the longest expression, in bytes.
	maxExprLen = 4096
	// maxRange is the largest integer range (a..b) an expression may spell out.
	maxRange = 10_000
	// maxIterations bounds the iterations of predicates nested over constant ranges.
	maxIterations = 1_000_000
	// maxStringBytes is the longest string repeat may build (checked when the runbook is
	// validated for constant arguments, and when it runs).
	maxStringBytes = 1 << 20
)

// safeRepeat replaces the repeat builtin, which checks only its count: repeat(s, n)
// with a long s could ask for terabytes.
var safeRepeat = expr.Function("repeat", func(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("repeat: want 2 arguments, got %d", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("repeat: want a string, got %s", typeName(args[0]))
	}
	n, ok := args[1].(int)
	if !ok {
		return nil, fmt.Errorf("repeat: want an integer count, got %s", typeName(args[1]))
	}
	if n < 0 {
		return nil, fmt.Errorf("repeat: negative count %d", n)
	}
	if len(s) > 0 && n > maxStringBytes/len(s) {
		return nil, fmt.Errorf("repeat: the result would be over %d bytes", maxStringBytes)
	}
	return strings.Repeat(s, n), nil
}, new(func(string, int) string))

// exprCost reports what in a compiled expression would cost too much when it runs: a
// constant range over maxRange, predicates nested over constant ranges beyond
// maxIterations, a repeat of constants beyond maxStringBytes. "" when nothing does.
func exprCost(node ast.Node) string {
	var problem string
	var walk func(n ast.Node, iterations int)
	walk = func(n ast.Node, iterations int) {
		if n == nil || problem != "" {
			return
		}
		switch x := n.(type) {
		case *ast.BinaryNode:
			if x.Operator == ".." {
				if size, ok := rangeSize(x); ok && size > maxRange {
					problem = fmt.Sprintf("the range %s has %s elements; the limit is %d", rangeText(x), bigCount(size, maxIterations*maxRange), maxRange)
					return
				}
			}
			walk(x.Left, iterations)
			walk(x.Right, iterations)
		case *ast.ConstantNode:
			if l, ok := constLen(x.Value); ok && l > maxRange {
				problem = fmt.Sprintf("a constant list of %d elements; the limit is %d", l, maxRange)
			}
		case *ast.BuiltinNode:
			inner := iterations
			if len(x.Arguments) > 0 {
				if size, ok := collectionSize(x.Arguments[0]); ok {
					inner = satMul(iterations, max(size, 1), maxIterations*maxRange)
				}
			}
			var preds []ast.Node
			for i, a := range x.Arguments {
				if _, isPred := a.(*ast.PredicateNode); isPred && i > 0 {
					preds = append(preds, a)
					continue
				}
				walk(a, iterations)
			}
			for _, a := range preds {
				if x.Name == "reduce" && problem == "" && pointers(a, "acc") > 1 {
					problem = "reduce uses #acc more than once in its step: the accumulator could double each time (a string of 2^n bytes)"
					return
				}
				if problem == "" && inner > maxIterations {
					problem = fmt.Sprintf("%s nests predicates over constant ranges: %s iterations; the limit is %d", x.Name, bigCount(inner, maxIterations*maxRange), maxIterations)
				}
				walk(a, inner)
			}
		case *ast.CallNode:
			if id, ok := x.Callee.(*ast.IdentifierNode); ok && id.Value == "repeat" {
				if l, ok := stringLen(x); ok && l > maxStringBytes {
					problem = fmt.Sprintf("repeat builds a string of %s bytes; the limit is %d", bigCount(l, 2*maxStringBytes), maxStringBytes)
					return
				}
				// In a loop, count what every iteration may build (unknown: the limit).
				if l, ok := stringLen(x); iterations > 1 && (!ok || satMul(max(l, 1), iterations, 2*maxStringBytes) > maxStringBytes) {
					problem = fmt.Sprintf("repeat inside a predicate over a constant range builds up to %s bytes; the limit is %d",
						bigCount(satMul(max(orLimit(l, ok), 1), iterations, 2*maxStringBytes), 2*maxStringBytes), maxStringBytes)
					return
				}
			}
			walk(x.Callee, iterations)
			for _, a := range x.Arguments {
				walk(a, iterations)
			}
		case *ast.UnaryNode:
			walk(x.Node, iterations)
		case *ast.ChainNode:
			walk(x.Node, iterations)
		case *ast.MemberNode:
			walk(x.Node, iterations)
			walk(x.Property, iterations)
		case *ast.SliceNode:
			walk(x.Node, iterations)
			walk(x.From, iterations)
			walk(x.To, iterations)
		case *ast.PredicateNode:
			walk(x.Node, iterations)
		case *ast.ConditionalNode:
			walk(x.Cond, iterations)
			walk(x.Exp1, iterations)
			walk(x.Exp2, iterations)
		case *ast.ArrayNode:
			for _, e := range x.Nodes {
				walk(e, iterations)
			}
		case *ast.MapNode:
			for _, p := range x.Pairs {
				walk(p, iterations)
			}
		case *ast.PairNode:
			walk(x.Key, iterations)
			walk(x.Value, iterations)
		case *ast.VariableDeclaratorNode:
			walk(x.Value, iterations)
			walk(x.Expr, iterations)
		case *ast.SequenceNode:
			for _, e := range x.Nodes {
				walk(e, iterations)
			}
		}
	}
	walk(node, 1)
	return problem
}

// intValue reads an integer literal, negative ones included.
func intValue(n ast.Node) (int, bool) {
	switch x := n.(type) {
	case *ast.IntegerNode:
		return x.Value, true
	case *ast.UnaryNode:
		if v, ok := intValue(x.Node); ok && x.Operator == "-" {
			return -v, true
		}
	case *ast.ConstantNode:
		v, ok := x.Value.(int)
		return v, ok
	}
	return 0, false
}

// rangeSize is the number of elements of a..b with constant bounds, saturating.
func rangeSize(r *ast.BinaryNode) (int, bool) {
	lo, ok1 := intValue(r.Left)
	hi, ok2 := intValue(r.Right)
	if !ok1 || !ok2 {
		return 0, false
	}
	if hi < lo {
		return 0, true
	}
	if lo < 0 && hi > 0 && hi > maxIterations*maxRange+lo { // would overflow
		return maxIterations * maxRange, true
	}
	return min(hi-lo+1, maxIterations*maxRange), true
}

func rangeText(r *ast.BinaryNode) string {
	lo, _ := intValue(r.Left)
	hi, _ := intValue(r.Right)
	return fmt.Sprintf("%d..%d", lo, hi)
}

// collectionSize is the size of a constant collection (a range, folded or not).
func collectionSize(n ast.Node) (int, bool) {
	switch x := n.(type) {
	case *ast.BinaryNode:
		if x.Operator == ".." {
			return rangeSize(x)
		}
	case *ast.ConstantNode:
		return constLen(x.Value)
	}
	return 0, false
}

func constLen(v any) (int, bool) {
	switch s := v.(type) {
	case []int:
		return len(s), true
	case []any:
		return len(s), true
	}
	return 0, false
}

// stringLen is the length of a string built from literals and repeats of literals,
// saturating at twice maxStringBytes.
func stringLen(n ast.Node) (int, bool) {
	switch x := n.(type) {
	case *ast.StringNode:
		return len(x.Value), true
	case *ast.ConstantNode:
		s, ok := x.Value.(string)
		return len(s), ok
	case *ast.CallNode:
		id, ok := x.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != "repeat" || len(x.Arguments) != 2 {
			return 0, false
		}
		l, ok1 := stringLen(x.Arguments[0])
		c, ok2 := intValue(x.Arguments[1])
		if !ok1 || !ok2 || c < 0 {
			return 0, false
		}
		if l > 0 && c > 2*maxStringBytes/l {
			return 2 * maxStringBytes, true
		}
		return l * c, true
	}
	return 0, false
}

// bigCount writes a count that saturates at limit, saturated ones as "more than".
func bigCount(n, limit int) string {
	if n >= limit {
		return fmt.Sprintf("more than %d", limit)
	}
	return fmt.Sprint(n)
}

// clipExpr shortens an expression quoted in a message.
func clipExpr(s string) string {
	const keep = 120
	if len(s) <= keep {
		return s
	}
	return s[:keep] + fmt.Sprintf("… (%d bytes)", len(s))
}

// maxIDLen is the longest step id: ids name activities, child runs and report rows.
const maxIDLen = 64

func tooManySteps(n int) string {
	return fmt.Sprintf("runbook has %d steps; the limit is %d (split it into runbooks that call each other with uses: runbook)", n, MaxSteps)
}

// maxValueDepth is how deep a value (a step's inputs, a parameter's default) may nest.
const maxValueDepth = 64

// satMul is a*b for positive a and b, saturating at limit.
func satMul(a, b, limit int) int {
	if a > limit/b {
		return limit
	}
	return min(a*b, limit)
}

// orLimit is l when known, else the most a repeat may build.
func orLimit(l int, known bool) int {
	if known {
		return l
	}
	return maxStringBytes
}

// pointers counts the #name pointers in a node (#acc in a reduce step).
func pointers(n ast.Node, name string) int {
	count := 0
	ast.Find(n, func(x ast.Node) bool {
		if p, ok := x.(*ast.PointerNode); ok && p.Name == name {
			count++
		}
		return false
	})
	return count
}
