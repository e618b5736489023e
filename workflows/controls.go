package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"
)

// register installs the status query and the update handlers. Every update has a
// validator: a request it rejects leaves no trace in the history and changes nothing.
func (r *run) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, r.status(ctx)); err != nil {
		return err
	}
	decisions := map[string]func(workflow.Context, DecisionRequest) error{
		UpdateApprove: r.approve, UpdateDecline: r.decline, UpdateComplete: r.complete,
	}
	validators := map[string]func(workflow.Context, DecisionRequest) error{
		UpdateApprove: r.validateApprove, UpdateDecline: r.validateDecline, UpdateComplete: r.validateComplete,
	}
	for _, name := range []string{UpdateApprove, UpdateDecline, UpdateComplete} {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, name, decisions[name],
			workflow.UpdateHandlerOptions{Validator: validators[name]}); err != nil {
			return err
		}
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateFinding, r.finding,
		workflow.UpdateHandlerOptions{Validator: r.validateFinding}); err != nil {
		return err
	}
	controls := []struct {
		name     string
		validate func(ControlRequest) error
		apply    func(workflow.Context, ControlRequest)
	}{
		{UpdatePause, r.validatePause, r.pause},
		{UpdateResume, r.validateResume, r.resume},
		{UpdateSkip, r.validateSkip, r.skip},
		{UpdateRetry, r.validateRetry, r.retry},
		{UpdateCancel, r.validateCancel, r.applyCancel},
		{UpdateAdvance, r.validateAdvance, r.advance},
	}
	for _, c := range controls {
		c := c
		handler := func(ctx workflow.Context, req ControlRequest) error {
			req, err := r.checkControl(ctx, c.name, req, c.validate)
			if err != nil {
				return err
			}
			c.apply(ctx, req)
			r.record(ctx, OperatorAction{Action: c.name, By: req.By.Name, Step: req.Step, Comment: redactString(req.Comment, r.secrets)})
			return nil
		}
		validator := func(ctx workflow.Context, req ControlRequest) error { return c.validate(req) }
		if err := workflow.SetUpdateHandlerWithOptions(ctx, c.name, handler,
			workflow.UpdateHandlerOptions{Validator: validator}); err != nil {
			return err
		}
	}
	return nil
}

// status answers the status query with a copy of the live state.
func (r *run) status(ctx workflow.Context) func() (Status, error) {
	return func() (Status, error) {
		st := r.st
		st.Steps = append([]StepState(nil), r.st.Steps...)
		st.Actions = append([]OperatorAction(nil), r.st.Actions...)
		st.Pending = r.pending()
		if r.finishing {
			st.State = RunFinishing
		}
		if !st.State.Done() {
			st.Elapsed = workflow.Now(ctx).Sub(st.ClockStart)
		}
		return st, nil
	}
}

// --- approvals and manual tasks ---

func (r *run) openTaskFor(step, kind string) (int, *task, error) {
	if r.st.State.Done() {
		return 0, nil, fmt.Errorf("run has ended (%s)", r.st.State)
	}
	i, ok := r.idx[step]
	if !ok {
		return 0, nil, fmt.Errorf("no step %q in runbook %q", step, r.rb.Metadata.Name)
	}
	t := r.tasks[i]
	if err := r.closedBy(i, t, step); err != nil {
		return 0, nil, err
	}
	if t == nil || t.done {
		return 0, nil, fmt.Errorf("step %q is %s, not waiting for %s", step, r.st.Steps[i].Status, article(kind))
	}
	if t.kind != kind && !(kind == taskManual && (t.kind == taskPrompt || t.kind == taskRollCall)) {
		return 0, nil, fmt.Errorf("step %q is waiting for %s, not %s", step, article(t.kind), article(kind))
	}
	return i, t, nil
}

// closedBy says which decision closed step i's approval or manual task, if one did.
func (r *run) closedBy(i int, t *task, step string) error {
	ds := r.st.Steps[i].Decisions
	switch {
	case t != nil && t.declined != nil:
		return fmt.Errorf("step %q was already declined by %s; a later decision cannot change it", step, t.declined.By)
	case (t == nil || t.kind == taskApproval) && r.st.Steps[i].Status == StepDeclined && len(ds) > 0:
		return fmt.Errorf("step %q was already declined by %s; a later decision cannot change it", step, ds[len(ds)-1].By)
	case t != nil && t.kind == taskApproval && r.approvals(i) >= t.quorum,
		t == nil && r.st.Steps[i].Status == StepSucceeded && len(r.approvers(i)) > 0 && r.rb.Steps[i].Approval != nil:
		return fmt.Errorf("step %q is already approved (by %s); a later decision cannot change it", step, strings.Join(r.approvers(i), ", "))
	case (t == nil || t.kind == taskManual && t.done) && r.rb.Steps[i].Approval == nil && len(ds) > 0 && r.st.Steps[i].Status == StepSucceeded:
		return fmt.Errorf("step %q was already completed by %s", step, ds[len(ds)-1].By)
	}
	return nil
}

func article(kind string) string {
	switch kind {
	case taskApproval:
		return "an approval"
	case taskPrompt:
		return "a tabletop answer"
	case taskRollCall:
		return "a roll call acknowledgement"
	}
	return "a manual task"
}

// validateApprover checks an approval decision. verified says whether req.By was
// verified (the handler's check); a validator, running before the verification, checks
// group membership only in runs that predate verification, as those trusted the request.
func (r *run) validateApprover(req DecisionRequest, verified bool) (int, *task, error) {
	i, t, err := r.openTaskFor(req.Step, taskApproval)
	if err != nil {
		return 0, nil, err
	}
	if req.By.Name == "" {
		return 0, nil, errors.New("the approver's identity is missing")
	}
	ap := r.rb.Steps[i].Approval
	if !ap.AllowInitiator && req.By.Name == r.in.Initiator.Name {
		return 0, nil, fmt.Errorf("four-eyes rule: %s started this run and may not approve or decline step %q", req.By.Name, req.Step)
	}
	if !ap.AllowInitiator && slices.Contains(r.in.NotApprovers, req.By.Name) {
		return 0, nil, fmt.Errorf("four-eyes rule: %s set this run off and may not approve or decline step %q", req.By.Name, req.Step)
	}
	if (verified || r.decisions < decisionsVerified) && !canAct(req.By, t.approvers) {
		return 0, nil, fmt.Errorf("%s is not an approver of step %q (approvers: %s)", req.By.Name, req.Step, strings.Join(t.approvers, ", "))
	}
	for _, d := range r.st.Steps[i].Decisions {
		if d.By == req.By.Name {
			return 0, nil, fmt.Errorf("%s has already decided on step %q", req.By.Name, req.Step)
		}
	}
	return i, t, nil
}

// admitClosed reports whether a decision on a step another decision already closed is
// let through to its handler, which refuses it and records the refusal (from
// decisionsSerialized on; a validator's rejection leaves no trace).
func (r *run) admitClosed(step string) bool {
	i, ok := r.idx[step]
	if r.decisions < decisionsSerialized || r.st.State.Done() || !ok {
		return false
	}
	return r.closedBy(i, r.tasks[i], step) != nil
}

func (r *run) validateApprove(_ workflow.Context, req DecisionRequest) error {
	if r.admitClosed(req.Step) {
		return nil
	}
	_, _, err := r.validateApprover(req, false)
	return err
}

func (r *run) validateDecline(_ workflow.Context, req DecisionRequest) error {
	if r.admitClosed(req.Step) {
		return nil
	}
	return r.checkDecline(req, false)
}

func (r *run) checkDecline(req DecisionRequest, verified bool) error {
	if _, _, err := r.validateApprover(req, verified); err != nil {
		return err
	}
	if strings.TrimSpace(req.Comment) == "" {
		return errors.New("a decline needs a comment saying why")
	}
	return nil
}

func (r *run) approve(ctx workflow.Context, req DecisionRequest) error {
	req, err := r.checkDecision(ctx, UpdateApprove, req, func(req DecisionRequest) error { _, _, err := r.validateApprover(req, true); return err })
	if err != nil {
		return err
	}
	i := r.idx[req.Step]
	r.decide(ctx, i, Decision{By: req.By.Name, Approve: true, Comment: req.Comment})
	return nil
}

func (r *run) decline(ctx workflow.Context, req DecisionRequest) error {
	req, err := r.checkDecision(ctx, UpdateDecline, req, func(req DecisionRequest) error { return r.checkDecline(req, true) })
	if err != nil {
		return err
	}
	i := r.idx[req.Step]
	r.decide(ctx, i, Decision{By: req.By.Name, Approve: false, Comment: req.Comment})
	d := r.st.Steps[i].Decisions[len(r.st.Steps[i].Decisions)-1]
	r.tasks[i].declined = &d
	return nil
}

func (r *run) validateComplete(_ workflow.Context, req DecisionRequest) error {
	if r.admitClosed(req.Step) {
		return nil
	}
	return r.checkComplete(req, false)
}

// checkComplete checks a completion; verified as for validateApprover.
func (r *run) checkComplete(req DecisionRequest, verified bool) error {
	_, t, err := r.openTaskFor(req.Step, taskManual)
	if err != nil {
		return err
	}
	if req.By.Name == "" {
		return errors.New("the identity of who completed the task is missing")
	}
	if t.kind == taskPrompt {
		if strings.TrimSpace(req.Comment) == "" {
			return errors.New("a tabletop answer needs a comment: the answer")
		}
		return r.validateParticipant(req)
	}
	if t.kind == taskRollCall {
		return r.checkAcknowledge(req, t, verified)
	}
	if len(t.approvers) > 0 && (verified || r.decisions < decisionsVerified) && !canAct(req.By, t.approvers) {
		return fmt.Errorf("step %q is assigned to %s, not %s", req.Step, strings.Join(t.approvers, ", "), req.By.Name)
	}
	return nil
}

func (r *run) complete(ctx workflow.Context, req DecisionRequest) error {
	req, err := r.checkDecision(ctx, UpdateComplete, req, func(req DecisionRequest) error { return r.checkComplete(req, true) })
	if err != nil {
		return err
	}
	i := r.idx[req.Step]
	if r.tasks[i].kind == taskPrompt {
		r.answerPrompt(ctx, i, req)
		return nil
	}
	if r.tasks[i].kind == taskRollCall {
		r.acknowledge(ctx, i, req)
		return nil
	}
	r.decide(ctx, i, Decision{By: req.By.Name, Approve: true, Comment: req.Comment})
	r.tasks[i].done = true
	return nil
}

// --- operator controls ---

func (r *run) validateActive(req ControlRequest) error {
	if r.st.State.Done() {
		return fmt.Errorf("run has ended (%s)", r.st.State)
	}
	if r.cancel != nil {
		return errors.New("run is being cancelled")
	}
	if req.By.Name == "" {
		return errors.New("the operator's identity is missing")
	}
	return nil
}

func (r *run) validatePause(req ControlRequest) error {
	if err := r.validateActive(req); err != nil {
		return err
	}
	if r.paused {
		return errors.New("run is already paused")
	}
	return nil
}

func (r *run) pause(ctx workflow.Context, req ControlRequest) {
	r.paused = true
	r.syncState()
}

func (r *run) validateResume(req ControlRequest) error {
	if err := r.validateActive(req); err != nil {
		return err
	}
	if !r.paused {
		return errors.New("run is not paused")
	}
	return nil
}

func (r *run) resume(ctx workflow.Context, req ControlRequest) {
	r.paused = false
	r.syncState()
	r.dirty = true
}

// liveState is the state of a run that has not ended, derived from the interpreter's
// flags: failing over blocked over paused. It is the one place that decides it; finish
// decides the outcome.
func (r *run) liveState() RunState {
	switch {
	case r.failing:
		return RunFailing
	case r.blocked != "":
		return RunBlocked
	case r.paused:
		return RunPaused
	default:
		return RunRunning
	}
}

// syncState writes the live state into the record after a flag changed; nothing else
// writes the record's state while the run goes on. It does not wake the loop: callers
// that let steps start again set r.dirty themselves (a wake-up the loop did not get
// before would change the commands of replayed runs).
func (r *run) syncState() {
	r.st.State = r.liveState()
}

func (r *run) stepFor(req ControlRequest) (int, error) {
	if err := r.validateActive(req); err != nil {
		return 0, err
	}
	i, ok := r.idx[req.Step]
	if !ok {
		return 0, fmt.Errorf("no step %q in runbook %q", req.Step, r.rb.Metadata.Name)
	}
	return i, nil
}

func (r *run) validateSkip(req ControlRequest) error {
	i, err := r.stepFor(req)
	if err != nil {
		return err
	}
	if strings.TrimSpace(req.Comment) == "" {
		return errors.New("skipping a step needs a comment saying why")
	}
	switch r.st.Steps[i].Status {
	case StepPending, StepRunning, StepWaiting, StepFailed, StepDeclined:
	default:
		return fmt.Errorf("step %q is %s and cannot be skipped", req.Step, r.st.Steps[i].Status)
	}
	if r.failing && r.st.Steps[i].Status.Terminal() {
		return fmt.Errorf("run is failing; step %q can no longer be skipped", req.Step)
	}
	return nil
}

func (r *run) skip(ctx workflow.Context, req ControlRequest) {
	i := r.idx[req.Step]
	if cancel := r.cancels[i]; cancel != nil {
		cancel()
	}
	r.setSkipped(ctx, i, fmt.Sprintf("skipped by %s: %s", req.By.Name, req.Comment))
	if r.blocked == req.Step {
		r.blocked = ""
	}
	r.syncState()
	r.dirty = true
}

func (r *run) validateRetry(req ControlRequest) error {
	i, err := r.stepFor(req)
	if err != nil {
		return err
	}
	if s := r.st.Steps[i].Status; s != StepFailed {
		return fmt.Errorf("step %q is %s; only a failed step can be retried", req.Step, s)
	}
	if r.failing {
		return errors.New("run is failing; hold the run on failure (--hold-on-failure) to retry steps")
	}
	return nil
}

func (r *run) retry(ctx workflow.Context, req ControlRequest) {
	i := r.idx[req.Step]
	s := &r.st.Steps[i]
	s.Status, s.Error, s.Reason, s.EndedAt = StepPending, "", "", time.Time{}
	if r.blocked == req.Step {
		r.blocked = ""
	}
	r.syncState()
	r.dirty = true
}

func (r *run) validateCancel(req ControlRequest) error {
	if err := r.validateActive(req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Comment) == "" {
		return errors.New("cancelling a run needs a comment saying why")
	}
	return nil
}

func (r *run) applyCancel(ctx workflow.Context, req ControlRequest) {
	r.requestCancel(workflow.Now(ctx), req)
}
