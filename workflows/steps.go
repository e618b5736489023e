package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// The step kinds the workflow interprets itself (runbooks.KindApproval, KindManual,
// KindWait, KindRunbook, KindRollCall) are declared once, in runbooks; every other kind runs as an
// activity.

// Defaults for steps that do not say.
const (
	defaultStepTimeout = 10 * time.Minute
	defaultAttempts    = 3
	defaultBackoff     = time.Second
	defaultMaxInterval = time.Minute
)

// nonRetryable are the activity error types that retrying cannot fix.
var nonRetryable = []string{activities.ErrValidation, activities.ErrNotFound, activities.ErrAccessDenied}

// errSkipped ends a step as skipped (a drill variant that skips).
var errSkipped = errors.New("skipped")

// errNotInDrill ends as skipped a step that would act for real in a drill and has no
// drill variant (runbooks.Step.Acts). Runs started before validation set Acts carry
// runbooks without it, so their histories replay unchanged.
var errNotInDrill = errors.New("not run in a drill")

// launch starts step i in its own coroutine with its own cancellable context.
func (r *run) launch(ctx workflow.Context, i int) {
	s := &r.st.Steps[i]
	s.Status, s.StartedAt, s.Error, s.Reason = StepRunning, workflow.Now(ctx), "", ""
	sctx, cancel := workflow.WithCancel(ctx)
	r.cancels[i] = cancel
	r.running++
	workflow.Go(sctx, func(gctx workflow.Context) {
		out, attempts, err := r.exec(gctx, i)
		r.running--
		r.cancels[i] = nil
		r.tasks[i] = nil
		r.stepDone(ctx, i, out, attempts, err)
		recordStep(ctx, r.rb.Metadata.Name, &r.st.Steps[i])
		r.dirty = true
	})
}

// exec carries out step i's action for the run's mode.
func (r *run) exec(ctx workflow.Context, i int) (activities.Outcome, int, error) {
	def := &r.rb.Steps[i]
	action := def.Action
	if r.in.Mode == ModeDrill && def.Drill == nil && def.Acts {
		return activities.Outcome{}, 0, errNotInDrill
	}
	if r.in.Mode == ModeDrill && def.Drill != nil {
		var ok bool
		if action, ok = def.DrillAction(); !ok {
			return activities.Outcome{}, 0, errSkipped
		}
		r.st.Steps[i].Drill = !def.Drill.Live
	}
	if r.in.Mode == ModeTabletop && action.Uses != runbooks.KindRunbook {
		return r.awaitTask(ctx, i, taskPrompt)
	}
	switch action.Uses {
	case runbooks.KindApproval:
		if err := r.awaitApproval(ctx, i); err != nil {
			return activities.Outcome{}, 0, err
		}
		return activities.Outcome{Outputs: r.approvalOutputs(i)}, 0, nil
	case runbooks.KindManual:
		return r.awaitTask(ctx, i, taskManual)
	case runbooks.KindRollCall:
		return r.awaitRollCall(ctx, i)
	case runbooks.KindWait:
		return r.wait(ctx, i, action)
	case runbooks.KindRunbook:
		return r.child(ctx, i, action)
	}
	with, err := r.expand(action.With)
	if err != nil {
		return activities.Outcome{}, 0, fmt.Errorf("evaluate inputs: %w", err)
	}
	return r.activity(ctx, def.ID, action, with, activitySummary("", def.ID, def.Name, action.Uses))
}

// activity runs one step kind as a Temporal activity named after the kind; summary names
// it in the Web UI (see webui.go).
func (r *run) activity(ctx workflow.Context, stepID string, a runbooks.Action, with map[string]any, summary string) (activities.Outcome, int, error) {
	timeout := a.Timeout.Std()
	if timeout <= 0 {
		timeout = defaultStepTimeout
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              r.in.TaskQueue,
		ScheduleToCloseTimeout: timeout,
		StartToCloseTimeout:    timeout,
		HeartbeatTimeout:       heartbeatTimeout(timeout),
		RetryPolicy:            retryPolicy(a.Retry),
		Summary:                summary,
	})
	req := activities.Request{RunID: r.st.RunID, StepID: stepID, Mode: string(r.in.Mode), With: with, Secrets: r.secrets}
	var out activities.Outcome
	err := workflow.ExecuteActivity(ctx, a.Uses, req).Get(ctx, &out)
	if err != nil {
		return out, attemptsOf(err), err
	}
	return out, int(out.Attempt), nil
}

// heartbeatTimeout is how soon an attempt lost with its worker (killed, its host gone)
// is noticed and retried: lostAttemptAfter whatever the step's timeout, since during a
// live recovery every second the orchestrator loses is recovery time; a third of the
// step's timeout for a step too short for that; none for a step under 6 seconds, whose
// own timeout catches a lost attempt as soon. The activities heartbeat four times per
// timeout (activities.Register keeps them alive, and the worker sends each at once:
// MaxHeartbeatThrottleInterval), so a worker that is merely slow misses three beats in a
// row before its attempt is given up. Without a heartbeat timeout a lost attempt is
// noticed only when the step's timeout has passed. Activity options are not part of the
// commands replay compares, so running histories replay unchanged.
func heartbeatTimeout(step time.Duration) time.Duration {
	hb := min(lostAttemptAfter, step/3)
	if hb < 2*time.Second {
		return 0
	}
	return hb
}

// lostAttemptAfter is the heartbeat timeout of steps of 9 seconds or more. With the
// retry's first backoff (a second) and the heartbeats' spacing, a step whose worker dies
// runs again on another about 3.5 seconds later (the reliability suite measures it).
const lostAttemptAfter = 3 * time.Second

func retryPolicy(rt *runbooks.Retry) *temporal.RetryPolicy {
	p := &temporal.RetryPolicy{
		InitialInterval: defaultBackoff, BackoffCoefficient: 2, MaximumInterval: defaultMaxInterval,
		MaximumAttempts: defaultAttempts, NonRetryableErrorTypes: nonRetryable,
	}
	if rt == nil {
		return p
	}
	if rt.Attempts > 0 {
		p.MaximumAttempts = int32(rt.Attempts)
	}
	if rt.Backoff > 0 {
		p.InitialInterval = rt.Backoff.Std()
	}
	if rt.MaxInterval > 0 {
		p.MaximumInterval = rt.MaxInterval.Std()
	}
	if rt.Multiplier >= 1 {
		p.BackoffCoefficient = rt.Multiplier
	}
	return p
}

// attemptsOf reads the attempt an activity failed on from its error's details.
func attemptsOf(err error) int {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.HasDetails() {
		var n int32
		if app.Details(&n) == nil {
			return int(n)
		}
	}
	return 1
}

// errorText is the message a person should read for a step's error.
func errorText(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		if app.Type() != "" && app.Type() != activities.ErrFailed {
			return app.Type() + ": " + app.Message()
		}
		return app.Message()
	}
	var to *temporal.TimeoutError
	if errors.As(err, &to) {
		return "timed out (" + to.TimeoutType().String() + ")"
	}
	return err.Error()
}

// wait is the `wait` kind: a durable timer.
func (r *run) wait(ctx workflow.Context, i int, a runbooks.Action) (activities.Outcome, int, error) {
	with, err := r.expand(a.With)
	if err != nil {
		return activities.Outcome{}, 0, err
	}
	d, err := runbooks.ParseDuration(fmt.Sprint(with["duration"]))
	if err != nil {
		return activities.Outcome{}, 0, fmt.Errorf("wait duration: %w", err)
	}
	if err := workflow.Sleep(ctx, d.Std()); err != nil {
		return activities.Outcome{}, 0, err
	}
	return activities.Outcome{Attempt: 1}, 1, nil
}

// child is the `runbook` kind: the nested runbook runs as a child workflow.
func (r *run) child(ctx workflow.Context, i int, a runbooks.Action) (activities.Outcome, int, error) {
	with, err := r.expand(a.With)
	if err != nil {
		return activities.Outcome{}, 0, err
	}
	path := fmt.Sprint(with["path"])
	nested, ok := r.in.Nested[path]
	if !ok {
		return activities.Outcome{}, 0, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("nested runbook %q was not loaded at start", path), activities.ErrNotFound, nil)
	}
	given := map[string]string{}
	if m, ok := with["params"].(map[string]any); ok {
		for k, v := range m {
			given[k] = fmt.Sprint(v)
		}
	}
	params, err := runbooks.ResolveParams(&nested, given)
	if err != nil {
		return activities.Outcome{}, 0, temporal.NewNonRetryableApplicationError(err.Error(), activities.ErrValidation, err)
	}
	// The child inherits how the parent runs; it has its own record and evidence bundle.
	in := r.in
	in.Runbook, in.Params, in.Trigger, in.OutageStart = nested, params, "parent:"+r.st.RunID, r.st.ClockStart
	in.ContinueAfter, in.Resume = 0, nil
	summary, details := WebUISummary(in)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: ChildRunID(r.st.RunID, r.rb.Steps[i].ID),
		TaskQueue:  r.in.TaskQueue,
		// What the Web UI shows of it (webui.go): user metadata, not compared on replay.
		StaticSummary: summary, StaticDetails: details,
		// Found by its runbook, mode and service from its start, like any run.
		TypedSearchAttributes: SearchAttributes(in),
	})
	var st Status
	if err := workflow.ExecuteChildWorkflow(cctx, WorkflowName, in).Get(cctx, &st); err != nil {
		return activities.Outcome{}, 1, err
	}
	outputs := map[string]any{}
	for _, s := range st.Steps {
		if len(s.Outputs) > 0 {
			outputs[s.ID] = s.Outputs
		}
	}
	out := activities.Result{"status": string(st.State), "run_id": st.RunID, "outputs": outputs}
	return activities.Outcome{Outputs: out, Attempt: 1}, 1, nil
}

// stepDone records how step i ended and applies its error mode.
func (r *run) stepDone(ctx workflow.Context, i int, out activities.Outcome, attempts int, err error) {
	s := &r.st.Steps[i]
	now := workflow.Now(ctx)
	if s.Status == StepSkipped {
		return // an operator skipped it while it ran; its late result is ignored
	}
	s.EndedAt = now
	if attempts > s.Attempts {
		s.Attempts = attempts
	}
	switch {
	case errors.Is(err, errSkipped):
		s.Status, s.Reason = StepSkipped, "drill: skipped in drill mode"
	case errors.Is(err, errNotInDrill):
		s.Status, s.Reason = StepSkipped, "drill: not run, it would act for real and has no drill variant (drill: {live: true} runs it)"
	case err != nil && r.cancel != nil && temporal.IsCanceledError(err):
		s.Status, s.Reason = StepCancelled, "run cancelled"
	case err != nil && r.failing && temporal.IsCanceledError(err):
		s.Status, s.Reason = StepCancelled, "stopped: "+r.st.Error
	case err != nil:
		r.stepFailed(ctx, i, err, attempts)
	default:
		r.stepSucceeded(ctx, i, out)
	}
}

func (r *run) stepSucceeded(ctx workflow.Context, i int, out activities.Outcome) {
	s, def := &r.st.Steps[i], &r.rb.Steps[i]
	raw := map[string]any(out.Outputs)
	var err error
	if len(def.Outputs) > 0 {
		raw, err = runbooks.DeriveOutputs(def, out.Outputs, r.scope())
	}
	if err != nil {
		r.stepFailed(ctx, i, fmt.Errorf("derive outputs: %w", err), s.Attempts)
		return
	}
	raw, s.OutputsTruncated = r.budgetOutputs(raw)
	r.outputs[i] = raw
	for _, name := range out.Secret {
		if v, ok := raw[name].(string); ok && v != "" {
			r.secrets = append(r.secrets, v)
		}
	}
	s.Status, s.Outputs = StepSucceeded, redactMap(raw, r.secrets)
	if r.in.Mode == ModeTabletop {
		return
	}
	if s.Drill {
		if def.Drill.Cleanup != nil {
			r.cleanup = append(r.cleanup, r.compensation(i, *def.Drill.Cleanup))
		}
		return
	}
	if def.Rollback != nil {
		r.ledger = append(r.ledger, r.compensation(i, *def.Rollback))
	}
}

// compensation evaluates a rollback's inputs now, while the step's outputs are fresh.
func (r *run) compensation(i int, a runbooks.Action) compensation {
	with, err := r.expand(a.With)
	return compensation{step: i, action: a, with: with, err: err}
}

// stepFailed marks step i failed and applies its error mode.
func (r *run) stepFailed(ctx workflow.Context, i int, err error, attempts int) {
	s, def := &r.st.Steps[i], &r.rb.Steps[i]
	s.EndedAt = workflow.Now(ctx)
	if attempts > s.Attempts {
		s.Attempts = attempts
	}
	var declined *declinedError
	if errors.As(err, &declined) {
		s.Status = StepDeclined
	} else {
		s.Status = StepFailed
	}
	s.Error = redactString(errorText(err), r.secrets)
	r.dirty = true
	r.emitStepFailed(ctx, i)
	if r.cancel != nil || def.OnError == runbooks.OnErrorContinue {
		return
	}
	reason := fmt.Sprintf("step %q %s: %s", def.ID, s.Status, s.Error)
	if r.in.HoldOnFailure > 0 && s.Status == StepFailed {
		r.hold(ctx, i, reason)
		return
	}
	r.fail(reason, def.OnError == runbooks.OnErrorRollback)
}

// hold keeps the run open on failed step i until an operator retries or skips it, or the
// hold runs out and the run fails.
func (r *run) hold(ctx workflow.Context, i int, reason string) {
	id := r.rb.Steps[i].ID
	r.blocked = id
	r.syncState()
	rollback := r.rb.Steps[i].OnError == runbooks.OnErrorRollback
	workflow.Go(ctx, func(gctx workflow.Context) {
		released, err := workflow.AwaitWithTimeout(gctx, r.in.HoldOnFailure, func() bool { return r.blocked != id })
		if err == nil && !released && r.blocked == id {
			r.fail(reason+" (not retried or skipped within "+r.in.HoldOnFailure.String()+")", rollback)
		}
	})
}

func (r *run) setSkipped(ctx workflow.Context, i int, reason string) {
	s := &r.st.Steps[i]
	now := workflow.Now(ctx)
	if s.StartedAt.IsZero() {
		s.StartedAt = now
	}
	s.Status, s.Reason, s.EndedAt = StepSkipped, reason, now
	r.dirty = true
}

// compensate runs compensations in reverse order; failures are recorded on the step and
// joined into the run's error, never hidden.
func (r *run) compensate(ctx workflow.Context, list []compensation, isRollback bool) {
	var errs []error
	for j := len(list) - 1; j >= 0; j-- {
		c := list[j]
		s := &r.st.Steps[c.step]
		rs := &RollbackState{Uses: c.action.Uses, StartedAt: workflow.Now(ctx)}
		if isRollback {
			s.Rollback = rs
		} else {
			s.Cleanup = rs
		}
		err := c.err
		if err == nil {
			var attempts int
			_, attempts, err = r.activity(ctx, s.ID+".rollback", c.action, c.with, activitySummary(label(isRollback)+" of", s.ID, stepName(r.rb, s.ID), c.action.Uses))
			rs.Attempts = attempts
		}
		rs.EndedAt = workflow.Now(ctx)
		if err != nil {
			rs.Error = redactString(errorText(err), r.secrets)
			errs = append(errs, fmt.Errorf("%s of %q: %s", label(isRollback), s.ID, rs.Error))
			if !isRollback {
				r.st.Leftovers = append(r.st.Leftovers, redactString(fmt.Sprintf("%s: %s %v (%s)", s.ID, c.action.Uses, c.with, rs.Error), r.secrets))
			}
			continue
		}
		if isRollback {
			s.Status = StepRolledBack
			r.st.Rollbacks = append(r.st.Rollbacks, s.ID)
		}
	}
	if err := errors.Join(errs...); err != nil {
		if r.st.Error != "" {
			r.st.Error += "; "
		}
		r.st.Error += err.Error()
		if r.st.State == RunSucceeded {
			r.st.State = RunFailed
		}
	}
}

func label(isRollback bool) string {
	if isRollback {
		return "rollback"
	}
	return "drill cleanup"
}
