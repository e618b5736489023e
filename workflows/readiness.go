package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/readiness"
)

// Scheduled readiness: a Temporal Schedule starts the readiness workflow at every time
// of its spec (bcdr check --schedule, POST /v1/schedules with mode readiness). Each
// check runs the runbook's read-only checks in an activity on a worker, keeps the
// result (the workflow's own result, and a readiness record in the evidence store) and
// compares it with the result of the schedule's check before, which Temporal hands the
// next workflow the schedule starts (its last completion result). A change from ready
// to not ready, or back, is sent to the notifier as readiness.changed.

// The readiness workflow and its activities, as registered.
const (
	ReadinessWorkflowName   = "bcdr.Readiness"
	ReadinessCheckActivity  = "bcdr.readiness.check"
	ReadinessRecordActivity = "bcdr.readiness.record"
)

// ReadinessInput is what a readiness schedule starts its checks with.
type ReadinessInput struct {
	// Schedule is the id of the schedule that runs the checks.
	Schedule string            `json:"schedule,omitempty"`
	Check    readiness.Request `json:"check"`
	// Notify sends readiness.changed to the notifier; Evidence keeps each check's record
	// in the evidence store.
	Notify   bool `json:"notify,omitempty"`
	Evidence bool `json:"evidence,omitempty"`
	// CheckTimeout bounds one attempt of the checks; zero means 10 minutes.
	CheckTimeout time.Duration `json:"checkTimeout,omitempty"`
}

// Readiness checks a runbook once and returns the record, with the previous check's
// result. A check that cannot run at all (a worker without the checks, a parameter the
// runbook no longer declares) is a record that says so as "cannot check", not a failed
// workflow: the schedule's history and the evidence store show it like any other.
func Readiness(ctx workflow.Context, in ReadinessInput) (readiness.Record, error) {
	var prev readiness.Record
	if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &prev); err != nil {
			workflow.GetLogger(ctx).Warn("readiness: the previous check's result cannot be read", "error", err)
		}
	}
	began := workflow.Now(ctx)
	timeout := in.CheckTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: timeout,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3, InitialInterval: 5 * time.Second},
	})
	rb := in.Check.Runbook
	var rep readiness.Report
	if err := workflow.ExecuteActivity(actx, ReadinessCheckActivity, in.Check).Get(ctx, &rep); err != nil {
		mode := in.Check.Mode
		if mode == "" {
			mode = string(ModeLive)
		}
		rep = readiness.Report{Runbook: rb.Metadata.Name, Service: rb.Metadata.Service, File: rb.Source.File,
			Digest: rb.Source.Digest, Mode: mode, Result: readiness.CannotCheck,
			Findings: []readiness.Finding{{Step: "(runbook)", Check: "check", Result: readiness.CannotCheck,
				Reason: redactString(fmt.Sprintf("the checks did not run: %v", errorText(err)), secretValues(in.Check))}}}
	}
	rec := readiness.Record{ID: fmt.Sprintf("%s-%d", workflow.GetInfo(ctx).WorkflowExecution.ID, began.Unix()),
		Schedule: in.Schedule, Report: rep, CheckedAt: began, Previous: prev.Result}
	if in.Evidence {
		if err := workflow.ExecuteActivity(actx, ReadinessRecordActivity, rec).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("readiness: the record was not kept in the evidence store", "error", err)
		}
	}
	if in.Notify && rec.Changed() {
		ev := activities.Event{Type: activities.EventReadinessChanged, RunID: rec.ID, Runbook: rec.Runbook,
			Service: rec.Service, Labels: rb.Metadata.Labels, Mode: readiness.RecordMode, State: string(rec.Result),
			At: workflow.Now(ctx), Message: rec.What()}
		if broken := rec.Broken(); len(broken) > 0 {
			ev.Step, ev.Error = broken[0].Step, readiness.BrokenText(broken)
		}
		nctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3, InitialInterval: time.Second},
		})
		if err := workflow.ExecuteActivity(nctx, activities.EventActivity, ev).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("notification not delivered", "event", ev.Type, "error", err)
		}
	}
	return rec, nil
}

// secretValues are the values given for the runbook's secret parameters.
func secretValues(req readiness.Request) []string {
	var out []string
	for _, p := range req.Runbook.Parameters {
		if v := req.Params[p.Name]; p.Secret && v != "" {
			out = append(out, v)
		}
	}
	return out
}
