package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// Runs is the run service: what bcdr does with runs, whichever way it reaches them. It
// has two adapters. Engine reaches the Temporal engine directly: the API's handlers use
// it, and so does the CLI when no server.url is set. Client goes through a bcdr server's
// HTTP API. The CLI's run commands hold a Runs and never know which one they have, so a
// flag works the same in both modes.
type Runs interface {
	// Start starts a run of a runbook the server knows by name or of an uploaded one.
	Start(ctx context.Context, req StartRequest) (RunRef, error)
	// Preflight says what a start of req would meet at the proven-version gate (whether
	// a drill proved the runbook's version, and what a live run of it will do), starting
	// nothing.
	Preflight(ctx context.Context, req StartRequest) (Preflight, error)
	// Run returns a run's live state, or its record once it ended.
	Run(ctx context.Context, runID string) (workflows.Status, error)
	// Wait follows a run to its end and returns its record.
	Wait(ctx context.Context, runID string) (workflows.Status, error)
	// List lists runs, newest first.
	List(ctx context.Context, f RunFilter) ([]RunSummary, error)
	// Act sends a decision, a control or a finding to a run, as the service's caller.
	Act(ctx context.Context, runID string, act Action) (ActionResult, error)
	// Report returns a run's report in a format (md, html, json, junit): from its
	// evidence bundle, or from its live state while it has none.
	Report(ctx context.Context, runID, format string) (Report, error)
	// History reads the ended drill and live runs of the service's evidence store and
	// engine (the one run-history reader, History) that the caller may view.
	History(ctx context.Context, req HistoryRequest) (RunHistory, error)
	// Overdue is the drill cadence report of the service's portfolio.
	Overdue(ctx context.Context) (OverdueReport, error)

	// Schedules lists the schedules of recurring drills, tabletops and readiness checks;
	// Schedule shows one.
	Schedules(ctx context.Context) ([]Schedule, error)
	Schedule(ctx context.Context, id string) (Schedule, error)
	// CreateSchedule makes a schedule; PauseSchedule pauses or unpauses one and
	// returns it as it now is; TriggerSchedule starts its run now; DeleteSchedule
	// deletes it (its past runs stay).
	CreateSchedule(ctx context.Context, req ScheduleRequest) (Schedule, error)
	PauseSchedule(ctx context.Context, id string, pause bool, note string) (Schedule, error)
	TriggerSchedule(ctx context.Context, id string) error
	DeleteSchedule(ctx context.Context, id string) error
}

var (
	_ Runs = (*Engine)(nil)
	_ Runs = (*Client)(nil)
)

// RunSummary is a run as listed.
type RunSummary struct {
	RunID     string    `json:"runId"`
	Runbook   string    `json:"runbook"`
	Service   string    `json:"service,omitempty"`
	Mode      string    `json:"mode"`
	Outcome   string    `json:"outcome,omitempty"` // succeeded, failed, cancelled; "" while open
	Status    string    `json:"status"`            // the engine's: running, completed, failed, ...
	StartedAt time.Time `json:"startedAt"`
	ClosedAt  time.Time `json:"closedAt,omitzero"`
	// RTO is an ended run's RTO as its record states it (workflows.Status.RTO, the one
	// computed figure); absent while the run is open or when its record was not read.
	RTO *runbooks.Figure `json:"rto,omitempty"`
	// Proof is what the run's start recorded (memo "proof") for the proof rule.
	Proof runbooks.Proof `json:"-"`
	// Step and Children place a run in its tree (GroupRuns): a child run is listed under
	// its parent, Step naming the parent's `runbook` step that started it.
	Step     string       `json:"step,omitempty"`
	Children []RunSummary `json:"children,omitempty"`
}

// GroupRuns nests each child run of the list under its parent (workflows.ChildRunID), at
// any depth, when the parent is in the list too; the rest stay at the top, in order.
func GroupRuns(runs []RunSummary) []RunSummary {
	byID := map[string]int{}
	for i, r := range runs {
		byID[r.RunID] = i
	}
	parentOf := make([]int, len(runs))
	kids := map[int][]int{}
	for i, r := range runs {
		parentOf[i] = -1
		if p, step, ok := workflows.ParentRunID(r.RunID); ok {
			if j, found := byID[p]; found {
				parentOf[i] = j
				runs[i].Step = step
				kids[j] = append(kids[j], i)
			}
		}
	}
	var build func(i int) RunSummary
	build = func(i int) RunSummary {
		r := runs[i]
		r.Children = nil
		// Children in the order their steps started: oldest first.
		for k := len(kids[i]) - 1; k >= 0; k-- {
			r.Children = append(r.Children, build(kids[i][k]))
		}
		return r
	}
	out := make([]RunSummary, 0, len(runs))
	for i := range runs {
		if parentOf[i] < 0 {
			out = append(out, build(i))
		}
	}
	return out
}

// RunFilter selects runs to list. Every field is optional.
type RunFilter struct {
	Service string
	Runbook string // its metadata.name
	Mode    string // live, drill or tabletop
	Outcome string // running, succeeded, failed or cancelled
	Since   time.Time
	// Limit is how many runs at the most, from 1 to MaxListRuns; 0 means DefaultListRuns.
	Limit int
}

// DefaultListRuns and MaxListRuns bound a list of runs.
const (
	DefaultListRuns = 50
	MaxListRuns     = 10_000
)

// query is the engine's visibility query for the filter, or an error naming the field
// that cannot be a filter. Values must be plain names (safeValue), so a filter value
// cannot change the query.
func (f RunFilter) query() (string, int, error) {
	parts := []string{fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowName)}
	for _, c := range []struct{ field, attr, val string }{
		{"service", workflows.SAService, f.Service}, {"runbook", workflows.SARunbook, f.Runbook}, {"mode", workflows.SAMode, f.Mode},
	} {
		if c.val == "" {
			continue
		}
		if !safeValue.MatchString(c.val) {
			return "", 0, badRequest(c.field, "%q holds characters a filter cannot", c.val)
		}
		parts = append(parts, fmt.Sprintf("%s = '%s'", c.attr, c.val))
	}
	if _, ok := workflows.ParseMode(f.Mode); f.Mode != "" && !ok {
		return "", 0, badRequest("mode", "%q is not one of live, drill, tabletop", f.Mode)
	}
	switch f.Outcome {
	case "":
	case "running":
		parts = append(parts, "ExecutionStatus = 'Running'")
	case "succeeded", "failed", "cancelled":
		parts = append(parts, fmt.Sprintf("%s = '%s'", workflows.SAOutcome, f.Outcome))
	default:
		return "", 0, badRequest("outcome", "%q is not one of running, succeeded, failed, cancelled", f.Outcome)
	}
	if !f.Since.IsZero() {
		parts = append(parts, fmt.Sprintf("StartTime >= '%s'", f.Since.UTC().Format(time.RFC3339)))
	}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultListRuns
	case limit < 0 || limit > MaxListRuns:
		return "", 0, badRequest("limit", "%d is not a number from 1 to %d", limit, MaxListRuns)
	}
	return strings.Join(parts, " AND "), limit, nil // newest first is the engine's own order
}

// ParseSince reads how far back a list of runs goes: a duration back from now in
// runbook syntax ("24h", "30d", "1d12h"), a date (2026-01-02, from midnight UTC) or an
// RFC 3339 time. The CLI's --since flags and the API's since parameter both read it here.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil // midnight UTC
	}
	d, err := runbooks.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a duration like 24h or 30d, a date like 2026-01-02, nor an RFC 3339 time like 2026-01-02T15:04:05Z", s)
	}
	return now.Add(-time.Duration(d)), nil
}

// Action is a decision, a control or a finding sent to a run. Name is one of approve,
// decline, complete (a manual task done), answer (a tabletop prompt answered), pause,
// resume, skip, retry, cancel, advance (the facilitator closes prompts) and finding.
type Action struct {
	Name    string
	Step    string
	Comment string // why; for answer, the answer; for finding, its text
	// Rollback makes a cancel compensate the completed steps.
	Rollback bool
	// Kind (gap, action, observation) and Owner are a finding's.
	Kind, Owner string
}

// update returns the name of the run's update for the action, the request it carries
// for by, and the role it needs; or an error naming the field at fault.
func (a Action) update(by workflows.Actor) (string, any, Role, error) {
	switch a.Name {
	case workflows.UpdateApprove, workflows.UpdateDecline, workflows.UpdateComplete:
		if a.Step == "" {
			return "", nil, "", badRequest("step", "name the step")
		}
		role := Approver
		if a.Name == workflows.UpdateComplete {
			role = Operator
		}
		return a.Name, workflows.DecisionRequest{Step: a.Step, Comment: a.Comment, By: by}, role, nil
	case "answer":
		switch {
		case a.Step == "":
			return "", nil, "", badRequest("step", "name the prompt's step")
		case strings.TrimSpace(a.Comment) == "":
			return "", nil, "", badRequest("answer", "an answer must say something")
		}
		return workflows.UpdateComplete, workflows.DecisionRequest{Step: a.Step, Comment: a.Comment, By: by}, Operator, nil
	case workflows.UpdatePause, workflows.UpdateResume, workflows.UpdateSkip, workflows.UpdateRetry, workflows.UpdateCancel, workflows.UpdateAdvance:
		stepped := a.Name == workflows.UpdateSkip || a.Name == workflows.UpdateRetry
		switch {
		case stepped && a.Step == "":
			return "", nil, "", badRequest("step", "%s needs the step", a.Name)
		case !stepped && a.Name != workflows.UpdateAdvance && a.Step != "":
			return "", nil, "", badRequest("step", "%s applies to the whole run, not a step", a.Name)
		case a.Rollback && a.Name != workflows.UpdateCancel:
			return "", nil, "", badRequest("rollback", "rollback applies to cancel only")
		}
		return a.Name, workflows.ControlRequest{Step: a.Step, Comment: a.Comment, Rollback: a.Rollback, By: by}, Operator, nil
	case workflows.UpdateFinding:
		if strings.TrimSpace(a.Comment) == "" {
			return "", nil, "", badRequest("text", "a finding needs a text")
		}
		return a.Name, workflows.FindingRequest{Kind: a.Kind, Text: a.Comment, Owner: a.Owner, Step: a.Step, By: by}, Operator, nil
	}
	return "", nil, "", badRequest("action", "%q is not an action on a run", a.Name)
}

// Report is a run's report in one format.
type Report struct {
	Data []byte
	// Evidence names the bundle the report was read from ("<seq> <hash>"), or is "none"
	// for a report made from the run's live state.
	Evidence string
	// Check is "ok", or what in the bundle does not match its manifest (the report is
	// then refused); "" for a report made from the live state.
	Check string
}
