package readiness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// RecordMode is the mode a readiness record is kept under in the evidence store and in
// a run history, beside the runs' live, drill and tabletop: a check, not a run.
const RecordMode = "readiness"

// Record is one scheduled check of a runbook: its report, when it ran, and the result of
// the check before it. The readiness workflow returns it (so the next check of the
// schedule compares with it) and the evidence store keeps it, chained like the runs'
// bundles.
type Record struct {
	// ID names the check: the check workflow's id and the time it started.
	ID       string `json:"id"`
	Schedule string `json:"schedule,omitempty"`
	Report
	CheckedAt time.Time `json:"checkedAt"`
	// Previous is the result of the schedule's check before this one; empty for the
	// first.
	Previous Result `json:"previous,omitempty"`
}

// Broken are the findings that do not pass (not ready, cannot check), in step order.
func (r Record) Broken() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if !f.Result.Passes() {
			out = append(out, f)
		}
	}
	return out
}

// Changed reports whether the check's result says something new to the people who
// keep the runbook: it went from passing to not (or back), or the schedule's first
// check does not pass.
func (r Record) Changed() bool {
	if r.Previous == "" {
		return !r.Result.Passes()
	}
	return r.Previous.Passes() != r.Result.Passes()
}

// What is one line for a person: the runbook's result and, when it does not pass, what
// broke (each step, check and reason).
func (r Record) What() string {
	if r.Result.Passes() {
		if r.Previous != "" && !r.Previous.Passes() {
			return fmt.Sprintf("%s is ready again (was %s)", r.Runbook, r.Previous)
		}
		return fmt.Sprintf("%s is %s", r.Runbook, r.Result)
	}
	return fmt.Sprintf("%s is %s: %s", r.Runbook, r.Result, BrokenText(r.Broken()))
}

// BrokenText says what broke: "step (check): reason" for each finding, joined.
func BrokenText(fs []Finding) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s (%s): %s", f.Step, f.Check, f.Reason))
	}
	return strings.Join(parts, "; ")
}

// Request is what a scheduled check checks: the runbook as it was when the schedule
// was made (like a run's), the parameters as given, and the mode.
type Request struct {
	Runbook runbooks.Runbook  `json:"runbook"`
	Params  map[string]string `json:"params,omitempty"`
	Mode    string            `json:"mode,omitempty"` // live (default) or drill
}

// Activity runs scheduled checks on a worker: Check with the worker's checkers. It only
// reads, like bcdr check.
type Activity struct {
	Registry *runbooks.Registry
	// Options are the checkers (Kinds, Every) and the bound on parallel checks; Params
	// and Mode come from each request.
	Options Options
}

// Check checks the request's runbook. A bad parameter or mode is an error (the schedule
// was made with it; each check says so until the schedule is fixed).
func (a *Activity) Check(ctx context.Context, req Request) (*Report, error) {
	o := a.Options
	o.Params, o.Mode = req.Params, req.Mode
	rb := req.Runbook
	return Check(ctx, &rb, a.Registry, o)
}
