package runbooks

import (
	"maps"
	"slices"
	"time"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// APIVersion is the runbook format version this package reads.
const APIVersion = "bcdr.io/v1"

// Runbook is a parsed runbook: a recovery procedure, drill or tabletop scenario as code.
// A Runbook returned by Parse/Load has passed validation; every field is plain data that
// serializes to JSON, so a running workflow carries the runbook it started with.
type Runbook struct {
	APIVersion  string      `json:"apiVersion"`
	Metadata    Metadata    `json:"metadata"`
	Objectives  Objectives  `json:"objectives,omitempty"`
	Parameters  []Parameter `json:"parameters,omitempty"`
	SteadyState []Probe     `json:"steadyState,omitempty"`
	Injects     []Inject    `json:"injects,omitempty"`
	Steps       []Step      `json:"steps"`
	// Rollback says when a run undoes its steps (their rollback actions, in reverse
	// order): on_failure (the default: when a step fails with on_error: rollback, a drill's
	// stop condition fires, or an operator cancels with rollback), on_deviation (also when
	// the steady state does not return within objectives.verify_within after the last
	// step), or always (also after a drill that succeeded: the drill leaves nothing
	// changed, Chaos Toolkit's "always"; a live run is never rolled back for succeeding).
	Rollback RollbackStrategy `json:"rollback,omitempty"`
	// Policy is what the runbook requires of the runs that start it (require_proven:
	// what a live run of a version no drill proved does).
	Policy Policy `json:"policy,omitzero"`
	// Source says where the runbook came from; Digest is the SHA-256 of its bytes.
	Source Source `json:"source"`
}

// Source identifies the file a runbook was read from.
type Source struct {
	File   string `json:"file,omitempty"`
	Digest string `json:"digest"` // "sha256:<hex>" of the file's bytes
}

// Metadata names and describes a runbook.
type Metadata struct {
	Name        string            `json:"name"`
	Version     string            `json:"version,omitempty"`
	Description string            `json:"description,omitempty"`
	Service     string            `json:"service,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Tier        int               `json:"tier,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

// Objectives are the recovery targets the runbook is measured against.
type Objectives struct {
	RTO Duration `json:"rto,omitempty"`
	RPO Duration `json:"rpo,omitempty"`
	// RPOMarker is an expression giving the time of the newest canary marker readable from
	// the recovered store (an RFC 3339 time, e.g. ${{ steps.read_marker.outputs.written_at }}).
	// The measured RPO is the outage start minus that time.
	RPOMarker string `json:"rpoMarker,omitempty"`
	// Evacuates names the region the recovery moves away from (a region or an expression,
	// e.g. ${{ params.primary_region }}). Validate warns about every action on the live
	// path that calls a control plane living there.
	Evacuates string `json:"evacuates,omitempty"`
	// VerifyWithin bounds the wait, after the last step, for the steady-state probes to
	// pass again (the end of the measured RTO). Past it the run has deviated: it fails,
	// and rolls back when Rollback says so. Zero means 5 minutes in a drill and 15 in a
	// live run.
	VerifyWithin Duration `json:"verifyWithin,omitempty"`
}

// RollbackStrategy is when a run undoes its steps; see Runbook.Rollback.
type RollbackStrategy string

const (
	RollbackOnFailure   RollbackStrategy = "on_failure"
	RollbackOnDeviation RollbackStrategy = "on_deviation"
	RollbackAlways      RollbackStrategy = "always"
)

// ParamType is the type of a runbook parameter.
type ParamType string

const (
	ParamString   ParamType = "string"
	ParamNumber   ParamType = "number"
	ParamBool     ParamType = "bool"
	ParamDuration ParamType = "duration"
	// ParamList is a list of strings: `--param regions=us-east-1,eu-west-1` or a JSON
	// array; expressions see a list (`params.regions[0]`, `len(params.regions)`), and
	// allowed names the values each item may take.
	ParamList ParamType = "list"
)

// Parameter is a typed input of a runbook, given at start (bcdr run --param k=v).
type Parameter struct {
	Name        string    `json:"name"`
	Type        ParamType `json:"type"`
	Description string    `json:"description,omitempty"`
	Default     any       `json:"default,omitempty"`
	Allowed     []any     `json:"allowed,omitempty"`
	Required    bool      `json:"required,omitempty"`
	// Secret parameters are redacted in status, logs and evidence.
	Secret bool `json:"secret,omitempty"`
}

// ErrorMode says what a failed step does to the run.
type ErrorMode string

const (
	OnErrorStop     ErrorMode = "stop"     // the run fails; steps already running finish (default)
	OnErrorContinue ErrorMode = "continue" // the failure is recorded; dependents still run
	OnErrorRollback ErrorMode = "rollback" // the run fails and completed steps are rolled back
)

// Retry is a step's retry policy (a Temporal retry policy).
type Retry struct {
	Attempts    int      `json:"attempts,omitempty"`    // maximum attempts, including the first; 0 = default (3)
	Backoff     Duration `json:"backoff,omitempty"`     // initial interval
	MaxInterval Duration `json:"maxInterval,omitempty"` // cap on the interval
	Multiplier  float64  `json:"multiplier,omitempty"`  // backoff coefficient; 0 = 2.0
}

// Action is something a step does: a step kind and its inputs. Rollbacks and drill
// variants are Actions.
type Action struct {
	Uses    string         `json:"uses"`
	With    map[string]any `json:"with,omitempty"` // values may hold ${{ }} expressions
	Timeout Duration       `json:"timeout,omitempty"`
	Retry   *Retry         `json:"retry,omitempty"`
}

// Step is one node of the runbook's DAG.
type Step struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Instructions are shown to people: the manual task's text, the tabletop prompt.
	Instructions string `json:"instructions,omitempty"`
	Action
	Needs   []string  `json:"needs,omitempty"`
	OnError ErrorMode `json:"onError,omitempty"` // "" means stop
	When    string    `json:"when,omitempty"`    // expression; the step is skipped when false
	// Outputs derive named values from the kind's result: name -> expression over `result`.
	Outputs  map[string]string `json:"outputs,omitempty"`
	Rollback *Action           `json:"rollback,omitempty"`
	// Drill replaces the action in drill mode. A drill variant with Skip set does nothing;
	// one with Live set runs the step's own action for real.
	Drill *DrillVariant `json:"drill,omitempty"`
	// Acts is set by validation when the step's kind changes the world from an activity
	// (ActsForReal). In a drill such a step runs only through its drill variant: without
	// one it does not run (drill: {live: true} runs its own action, for real).
	Acts bool `json:"acts,omitempty"`
	// Estimate is the expected duration, used by the plan's critical path.
	Estimate Duration `json:"estimate,omitempty"`
	// Approval is set for steps of kind "approval" (decoded from With).
	Approval *Approval `json:"approval,omitempty"`
	// RollCall is set for steps of kind "people.roll_call" (decoded from With).
	RollCall *RollCall `json:"rollCall,omitempty"`
	// Recovery marks the steps whose end counts toward RTO (default: every step).
	Pos Pos `json:"pos"`
}

// DrillVariant is what a step does in drill mode instead of its action.
type DrillVariant struct {
	Action
	Skip bool `json:"skip,omitempty"`
	// Live runs the step's own action in drills: the step acts for real in a drill, and
	// the runbook says so.
	Live bool `json:"live,omitempty"`
	// Cleanup is the action that removes what the drill variant created; it goes in the
	// cleanup ledger when the drill step succeeds.
	Cleanup *Action `json:"cleanup,omitempty"`
}

// Approval configures a step of kind "approval".
type Approval struct {
	// Approvers are users ("alice") or groups ("group:dba").
	Approvers []string `json:"approvers"`
	Quorum    int      `json:"quorum,omitempty"` // distinct approvals needed; 0 means 1
	// AllowInitiator lets the person who started the run approve (four-eyes is the default).
	AllowInitiator bool     `json:"allowInitiator,omitempty"`
	Timeout        Duration `json:"timeout,omitempty"`   // 0 = wait forever
	OnTimeout      string   `json:"onTimeout,omitempty"` // "fail" (default), "approve", "escalate"
	// EscalateTo are the approvers asked when the first timeout passes and OnTimeout is "escalate".
	EscalateTo        []string `json:"escalateTo,omitempty"`
	EscalationTimeout Duration `json:"escalationTimeout,omitempty"`
}

// RollCall configures a step of kind "people.roll_call".
type RollCall struct {
	// People are users ("alice") or groups ("group:oncall"); a group is answered by any
	// one of its members.
	People  []string `json:"people"`
	Message string   `json:"message,omitempty"`
	// Quorum is how many of People acknowledging ends the roll call; 0 means all of them.
	Quorum  int      `json:"quorum,omitempty"`
	Timeout Duration `json:"timeout"`
	// EscalateTo are told who is missing when Timeout passes, and may acknowledge.
	EscalateTo        []string `json:"escalateTo,omitempty"`
	EscalationTimeout Duration `json:"escalationTimeout,omitempty"` // 0 = Timeout
}

// Probe is a steady-state check: run before a drill starts and while it runs.
type Probe struct {
	ID string `json:"id"`
	Action
	Pos Pos `json:"pos"`
}

// Inject is a new fact delivered to tabletop participants at an offset from the start.
type Inject struct {
	At      Duration `json:"at"`
	Title   string   `json:"title"`
	Message string   `json:"message,omitempty"`
	Pos     Pos      `json:"pos"`
}

// Pos is a place in a runbook file: line and column, from 1.
type Pos = yamlnode.Pos

// Duration is a time.Duration written as "90s", "5m", "1h30m" or "2d" in runbooks.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Undeclared returns, sorted, the names in given that none of rbs declares as a
// parameter: a typo that would otherwise be ignored and leave a default in its place.
func Undeclared(rbs []*Runbook, given map[string]string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(given)) {
		found := false
		for _, rb := range rbs {
			found = found || slices.ContainsFunc(rb.Parameters, func(p Parameter) bool { return p.Name == name })
		}
		if !found {
			out = append(out, name)
		}
	}
	return out
}

// Step returns the step with the given id, or nil.
func (r *Runbook) Step(id string) *Step {
	for i := range r.Steps {
		if r.Steps[i].ID == id {
			return &r.Steps[i]
		}
	}
	return nil
}
