package runbooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Scope is what expressions see: params, steps, mode and run. Expressions run inside
// workflow code, so they are pure: no clock, no randomness, no I/O.
type Scope struct {
	Params map[string]any       `expr:"params" json:"params"`
	Steps  map[string]StepScope `expr:"steps" json:"steps"`
	Mode   string               `expr:"mode" json:"mode"` // live, drill or tabletop
	Run    RunScope             `expr:"run" json:"run"`
	taint  *Taint               // see WithTaint; not visible to expressions
	meter  *evalMeter           // the evaluation budget of one expression (see run)
}

// StepScope is a finished (or skipped) step as expressions see it: steps.<id>.status and
// steps.<id>.outputs.<name>.
type StepScope struct {
	Status  string         `expr:"status" json:"status"`
	Outputs map[string]any `expr:"outputs" json:"outputs,omitempty"`
}

// RunScope is the run as expressions see it: run.id and run.initiator.
type RunScope struct {
	ID        string `expr:"id" json:"id"`
	Initiator string `expr:"initiator" json:"initiator"`
}

// outputScope adds the step's own result, for the expressions of a step's outputs.
type outputScope struct {
	Scope
	Result map[string]any `expr:"result"`
}

// exprKind says what an expression is compiled for.
type exprKind int

const (
	exprValue  exprKind = iota // a value in with
	exprBool                   // a when condition
	exprOutput                 // an output, with result in scope
)

// compileOptions are the options every expression is compiled with: a typed scope, and
// no builtin that reads the clock, the time zone database or map order. A metered
// program (the one a run evaluates) also charges its evaluation budget as it runs; the
// validator checks the expression as written.
func compileOptions(kind exprKind, metered bool) []expr.Option {
	opts := []expr.Option{
		expr.DisableBuiltin("now"),
		expr.DisableBuiltin("date"),
		expr.DisableBuiltin("timezone"),
		sortedKeys, sortedValues, sortedPairs, safeRepeat,
	}
	if metered {
		opts = append(opts, meterFunction, expr.Patch(&meterPatch{}))
	}
	switch kind {
	case exprOutput:
		opts = append(opts, expr.Env(outputScope{}))
	case exprBool:
		opts = append(opts, expr.Env(Scope{}), expr.AsBool())
	default:
		opts = append(opts, expr.Env(Scope{}))
	}
	return opts
}

// The builtins keys, values and toPairs return map entries in Go's random map order;
// these replacements sort by key so that workflow code stays deterministic.
var (
	sortedKeys   = sortedByKey("keys", func(m map[string]any, k string) any { return k })
	sortedValues = sortedByKey("values", func(m map[string]any, k string) any { return m[k] })
	sortedPairs  = sortedByKey("toPairs", func(m map[string]any, k string) any { return []any{k, m[k]} })
)

// sortedByKey is the builtin fn over a map, giving entry(m, k) for each key k in order.
func sortedByKey(fn string, entry func(m map[string]any, k string) any) expr.Option {
	return expr.Function(fn, func(args ...any) (any, error) {
		m, err := mapArg(fn, args)
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, len(m))
		for _, k := range sortedMapKeys(m) {
			out = append(out, entry(m, k))
		}
		return out, nil
	}, new(func(map[string]any) []any))
}

func mapArg(fn string, args []any) (map[string]any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("%s: want 1 argument, got %d", fn, len(args))
	}
	m, ok := args[0].(map[string]any)
	if !ok && args[0] != nil {
		return nil, fmt.Errorf("%s: want a map, got %s", fn, typeName(args[0]))
	}
	return m, nil
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// programs caches compiled expressions; the cache is bounded and safe for concurrent
// use. A cache does not break determinism: a program is a pure function of its text.
var programs = struct {
	sync.Mutex
	m map[programKey]*vm.Program
}{m: map[programKey]*vm.Program{}}

type programKey struct {
	kind    exprKind
	src     string
	metered bool
}

const maxCachedPrograms = 10_000

// compile compiles an expression (without ${{ }}) for kind, as written.
func compile(src string, kind exprKind) (*vm.Program, error) {
	return compileProgram(programKey{kind: kind, src: src})
}

// compileProgram compiles key.src, metered if key says so.
func compileProgram(key programKey) (*vm.Program, error) {
	programs.Lock()
	p, ok := programs.m[key]
	programs.Unlock()
	if ok {
		return p, nil
	}
	p, err := expr.Compile(key.src, compileOptions(key.kind, key.metered)...)
	if err != nil {
		return nil, exprError(err)
	}
	programs.Lock()
	if len(programs.m) >= maxCachedPrograms {
		clear(programs.m)
	}
	programs.m[key] = p
	programs.Unlock()
	return p, nil
}

// exprError shortens an expr-lang error to its first line (the message, without the
// source snippet).
func exprError(err error) error {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return errors.New(strings.TrimSpace(msg))
}

// run evaluates src within its evaluation budget (see maxEvalSteps).
func run(src string, kind exprKind, env any) (any, error) {
	p, err := compileProgram(programKey{kind: kind, src: src, metered: true})
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, err)
	}
	v, err := expr.Run(p, withMeter(env))
	if isBudgetError(err) {
		return nil, fmt.Errorf("expression %q: %w", clipExpr(src), errEvalBudget)
	}
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, exprError(err))
	}
	if t := taintOf(env); t.reads(p.Node(), env) {
		t.add(v) // in "Bearer ${{ upper(params.token) }}" the part, so the rest reads
	}
	return v, nil
}

// EvalBool evaluates a when condition; the expression may or may not be wrapped in
// ${{ }}. An empty condition is true.
func EvalBool(cond string, s Scope) (bool, error) {
	e, err := bareExpr(cond)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", cond, err)
	}
	if e == "" {
		return true, nil
	}
	v, err := run(e, exprBool, s)
	if err != nil {
		return false, err
	}
	b, _ := v.(bool)
	return b, nil
}

// Expand evaluates the ${{ }} expressions in v, recursively through maps and lists. A
// string that is exactly one ${{ }} becomes the expression's value, with its type; other
// strings with expressions become strings. v itself is not changed.
func Expand(v any, s Scope) (any, error) {
	return expand(v, s, exprValue, nil)
}

// ExpandMap is Expand for a step's with.
func ExpandMap(m map[string]any, s Scope) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	out, err := expand(m, s, exprValue, nil)
	if err != nil {
		return nil, err
	}
	return out.(map[string]any), nil
}

func expand(v any, s Scope, kind exprKind, env any) (any, error) {
	switch x := v.(type) {
	case string:
		return expandString(x, kind, envFor(s, env))
	case map[string]any:
		out := make(map[string]any, len(x))
		var errs []error
		for _, k := range sortedMapKeys(x) {
			e, err := expand(x[k], s, kind, env)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", k, err))
			}
			out[k] = e
		}
		return out, errors.Join(errs...)
	case []any:
		out := make([]any, len(x))
		var errs []error
		for i, item := range x {
			e, err := expand(item, s, kind, env)
			if err != nil {
				errs = append(errs, fmt.Errorf("[%d]: %w", i, err))
			}
			out[i] = e
		}
		return out, errors.Join(errs...)
	}
	return v, nil
}

func envFor(s Scope, env any) any {
	if env != nil {
		return env
	}
	return s
}

func expandString(str string, kind exprKind, env any) (any, error) {
	if !hasExpr(str) {
		return str, nil
	}
	segs, err := splitTemplate(str)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", str, err)
	}
	if e, ok := singleExpr(segs); ok {
		return run(e, kind, env)
	}
	var b strings.Builder
	for _, sg := range segs {
		if !sg.IsExpr {
			b.WriteString(sg.Text)
			continue
		}
		v, err := run(sg.Expr, kind, env)
		if err != nil {
			return nil, err
		}
		b.WriteString(formatValue(v))
	}
	return b.String(), nil
}

// formatValue is how a value reads when interpolated into a string.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case Duration:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// DeriveOutputs returns a step's outputs: the kind's result plus the step's `outputs`
// expressions, evaluated with `result` (the kind's result) in scope. An output
// expression may or may not be wrapped in ${{ }}; a plain string with ${{ }} inside is
// interpolated.
func DeriveOutputs(step *Step, result map[string]any, s Scope) (map[string]any, error) {
	out := make(map[string]any, len(result)+len(step.Outputs))
	for k, v := range result {
		out[k] = v
	}
	env := outputScope{Scope: s, Result: result}
	var errs []error
	for _, name := range sortedMapKeys(step.Outputs) {
		v, err := evalOutput(step.Outputs[name], env)
		if err != nil {
			errs = append(errs, fmt.Errorf("step %q output %q: %w", step.ID, name, err))
			continue
		}
		out[name] = v
	}
	return out, errors.Join(errs...)
}

func evalOutput(src string, env outputScope) (any, error) {
	if e, err := bareExpr(src); err == nil {
		return run(e, exprOutput, env)
	}
	return expandString(src, exprOutput, env)
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64:
		return "an integer"
	case float64:
		return "a number"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}
