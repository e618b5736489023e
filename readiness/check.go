package readiness

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// Result is the outcome of one check.
type Result string

// The results, from best to worst for a report's overall result (Worst).
const (
	Ready       Result = "ready"
	Warning     Result = "warning"
	CannotCheck Result = "cannot check"
	NotReady    Result = "not ready"
)

func (r Result) rank() int {
	switch r {
	case Ready:
		return 0
	case Warning:
		return 1
	case CannotCheck:
		return 2
	}
	return 3
}

// Passes reports whether a run could go ahead on this result: ready, or ready with a
// warning. CannotCheck does not pass: a check that could not look has not seen a ready
// target.
func (r Result) Passes() bool { return r == Ready || r == Warning }

// Finding is one check of one step: what was checked, the result, and why.
type Finding struct {
	Step     string        `json:"step"`
	Check    string        `json:"check"` // target, permissions, capacity, probe, ...
	Result   Result        `json:"result"`
	Reason   string        `json:"reason"`
	Duration time.Duration `json:"durationNs"`
}

// Target is what a checker is given: one step's action in the checked mode, with the
// inputs known before a run (literals and expressions over parameters and mode).
type Target struct {
	Runbook *runbooks.Runbook
	// Step is the step's id; steady-state probes are "steady_state.<id>".
	Step   string
	Action runbooks.Action
	Kind   runbooks.Kind
	Mode   string
	Params map[string]any
	// With holds the inputs known before the run; Unknown names those only a run knows
	// (they read steps.* or run.*).
	With    map[string]any
	Unknown []string
}

// Known reports whether the input is known before the run (given or defaulted).
func (t Target) Known(name string) bool {
	_, ok := t.With[name]
	return ok
}

// IsUnknown reports whether the step gives the input, but only a run knows its value.
func (t Target) IsUnknown(name string) bool {
	for _, u := range t.Unknown {
		if u == name {
			return true
		}
	}
	return false
}

// Checker checks one step. It returns its findings with Check, Result and Reason set;
// Check fills in the step and the time it took. A checker must only read.
type Checker func(ctx context.Context, t Target) []Finding

// Options say what to check and with what.
type Options struct {
	// Params are the runbook's parameters as given (name=value); defaults fill the rest.
	Params map[string]string
	// Mode is live (default) or drill: drill checks each step's drill variant and the
	// steady-state probes.
	Mode string
	// Kinds are the checkers per step kind name.
	Kinds map[string]Checker
	// Every are checkers run for every step (permissions, for example); they return
	// nothing for a step they do not concern.
	Every []Checker
	// Parallel bounds the checks running at once; 0 means 8.
	Parallel int
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Drills are the recorded drills a live check looks through for one that proved this
	// very version of the runbook (the "proven" finding); nil leaves that finding out (no
	// evidence store to read). bcdr check and the scheduled checks give the same.
	Drills func(context.Context) ([]Drill, error)
}

// Report is the readiness of one runbook.
type Report struct {
	Runbook  string        `json:"runbook"`
	Service  string        `json:"service,omitempty"`
	File     string        `json:"file,omitempty"`
	Digest   string        `json:"digest"`
	Mode     string        `json:"mode"`
	Result   Result        `json:"result"`
	Findings []Finding     `json:"findings"`
	Duration time.Duration `json:"durationNs"`
}

// Worst is the overall result of findings: the worst of them; Ready when there are none.
func Worst(fs []Finding) Result {
	w := Ready
	for _, f := range fs {
		w = WorstOf(w, f.Result)
	}
	return w
}

// WorstOf is the worst of results (a runbook's or a service's checks); Ready when there
// are none.
func WorstOf(rs ...Result) Result {
	w := Ready
	for _, r := range rs {
		if r.rank() > w.rank() {
			w = r
		}
	}
	return w
}

// Check runs the checks of every step of rb (and, in drill mode, of its steady-state
// probes) in parallel and returns the findings in step order. A bad parameter or mode
// is an error naming it; everything a check finds is a finding.
func Check(ctx context.Context, rb *runbooks.Runbook, reg *runbooks.Registry, o Options) (*Report, error) {
	if o.Mode == "" {
		o.Mode = "live"
	}
	if o.Mode != "live" && o.Mode != "drill" {
		return nil, fmt.Errorf("mode %q: checks run for live or drill", o.Mode)
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	params, err := runbooks.ResolveParams(rb, o.Params)
	if err != nil {
		return nil, err
	}
	start := now()
	jobs := targets(rb, reg, params, o.Mode)
	results := make([][]Finding, len(jobs))
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = j.run(ctx, o, now)
		}()
	}
	wg.Wait()
	rep := &Report{Runbook: rb.Metadata.Name, Service: rb.Metadata.Service, File: rb.Source.File, Digest: rb.Source.Digest, Mode: o.Mode, Findings: []Finding{}}
	secrets := secretValues(rb, params)
	for _, fs := range results {
		for _, f := range fs {
			f.Reason = redact(f.Reason, secrets)
			rep.Findings = append(rep.Findings, f)
		}
	}
	if o.Mode == "live" && o.Drills != nil {
		rep.Findings = append(rep.Findings, provenIn(ctx, rb, o.Drills))
	}
	rep.Result = Worst(rep.Findings)
	rep.Duration = now().Sub(start)
	return rep, nil
}

// job is one step to check, or a step that needs no check with the reason why.
type job struct {
	target Target
	known  bool   // the kind is registered
	skip   string // a reason the step is not checked in this mode
}

func (j job) run(ctx context.Context, o Options, now func() time.Time) []Finding {
	t := j.target
	if j.skip != "" {
		return []Finding{{Step: t.Step, Check: "target", Result: Ready, Reason: j.skip}}
	}
	var out []Finding
	own, ok := o.Kinds[t.Kind.Name]
	if !ok || !j.known {
		out = append(out, Finding{Step: t.Step, Check: "target", Result: Warning,
			Reason: fmt.Sprintf("bcdr has no readiness check for step kind %q", t.Action.Uses)})
	} else {
		out = append(out, timed(ctx, own, t, now)...)
	}
	for _, c := range o.Every {
		out = append(out, timed(ctx, c, t, now)...)
	}
	return out
}

// timed runs a checker and stamps its findings with the step and the time it took.
func timed(ctx context.Context, c Checker, t Target, now func() time.Time) []Finding {
	began := now()
	fs := safely(ctx, c, t)
	d := now().Sub(began)
	for k := range fs {
		fs[k].Step, fs[k].Duration = t.Step, d
	}
	return fs
}

// safely runs a checker, turning a panic into a finding rather than a crash of every
// other check.
func safely(ctx context.Context, c Checker, t Target) (fs []Finding) {
	defer func() {
		if r := recover(); r != nil {
			fs = []Finding{{Check: "target", Result: CannotCheck, Reason: fmt.Sprintf("the check failed: %v", r)}}
		}
	}()
	return c(ctx, t)
}

// targets lists what to check, in step order: each step's action in the mode, then (in
// drill mode) the steady-state probes.
func targets(rb *runbooks.Runbook, reg *runbooks.Registry, params map[string]any, mode string) []job {
	var out []job
	scope := runbooks.Scope{Params: params, Mode: mode}
	for i := range rb.Steps {
		st := &rb.Steps[i]
		a, ok := st.ActionFor(mode)
		t := Target{Runbook: rb, Step: st.ID, Action: a, Mode: mode, Params: params}
		if !ok {
			t.Action = st.Action
			out = append(out, job{target: t, skip: "skipped in a drill: nothing to check"})
			continue
		}
		if st.When != "" && !runTime.MatchString(st.When) {
			if run, err := runbooks.EvalBool(st.When, scope); err == nil && !run {
				out = append(out, job{target: t, skip: fmt.Sprintf("skipped: when %q is false for these parameters", st.When)})
				continue
			}
		}
		out = append(out, newJob(t, reg, scope))
	}
	if mode == "drill" {
		for _, p := range rb.SteadyState {
			t := Target{Runbook: rb, Step: "steady_state." + p.ID, Action: p.Action, Mode: mode, Params: params}
			out = append(out, newJob(t, reg, scope))
		}
	}
	return out
}

func newJob(t Target, reg *runbooks.Registry, scope runbooks.Scope) job {
	k, ok := reg.Kind(t.Action.Uses)
	t.Kind = k
	t.With, t.Unknown = resolve(t.Action.With, k, scope)
	return job{target: t, known: ok}
}

// runTime matches an expression that reads what only a run knows: a step's outputs or
// status, or the run's id and initiator.
var runTime = regexp.MustCompile(`\b(steps|run)\.`)

// resolve returns the inputs known before a run, the kind's defaults filling those the
// step does not give, and the names of the inputs only a run knows.
func resolve(with map[string]any, k runbooks.Kind, scope runbooks.Scope) (map[string]any, []string) {
	out := map[string]any{}
	for _, f := range k.Inputs {
		if f.Default != nil {
			out[f.Name] = f.Default
		}
	}
	var unknown []string
	for name, v := range with {
		if readsRun(v) {
			delete(out, name)
			unknown = append(unknown, name)
			continue
		}
		r, err := runbooks.Expand(v, scope)
		if err != nil || r == nil {
			delete(out, name)
			unknown = append(unknown, name)
			continue
		}
		out[name] = r
	}
	sort.Strings(unknown)
	return out, unknown
}

func readsRun(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, "${{") && runTime.MatchString(x)
	case []any:
		for _, e := range x {
			if readsRun(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if readsRun(e) {
				return true
			}
		}
	}
	return false
}

// secretValues are the values of the runbook's secret parameters: no reason shows them.
func secretValues(rb *runbooks.Runbook, params map[string]any) []string {
	var out []string
	for _, p := range rb.Parameters {
		if s, ok := params[p.Name].(string); ok && p.Secret && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func redact(s string, secrets []string) string {
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, "***")
	}
	return s
}
