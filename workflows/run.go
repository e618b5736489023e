package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/runbooks"
)

// run is the interpreter's state for one workflow execution. Every field is changed only
// by workflow code (coroutines, update handlers), never concurrently.
type run struct {
	in  Input
	rb  *runbooks.Runbook
	st  Status
	idx map[string]int // step id -> index in rb.Steps and st.Steps

	outputs        []map[string]any // raw outputs per step, for expressions (st holds redacted ones)
	secrets        []string         // values redacted wherever they appear
	cancels        []workflow.CancelFunc
	tasks          []*task // pending approval/manual/prompt per step, nil when none
	running        int
	dirty          bool
	paused         bool
	draining       bool             // the history is long: start nothing new, continue as new when idle
	measured       bool             // measuredRecovery on: probes gate, monitor and end the RTO clock
	decisions      workflow.Version // how handlers check decisions and controls (decisions.go)
	outputsVersion workflow.Version // whether outputs are kept within a budget (outputs.go)
	outputBytes    int              // outputs kept so far, JSON bytes
	eventsInFlight int              // notifications not yet delivered
	finishing      bool             // finish is under way: the status query says so, not the outcome yet
	deviated       bool             // the steady state did not return within the verify window
	blocked        string           // step id the run is held on, "" when not held
	failing        bool
	rollback       bool            // roll back when the failing run ends
	cancel         *ControlRequest // set once a cancel was accepted
	ledger         []compensation  // rollbacks of completed steps, in completion order
	cleanup        []compensation  // drill cleanup ledger, in completion order
}

// Versions of the run's start (change id "measured-recovery"). One change id for both,
// so that no second marker is recorded.
const (
	measuredChangeID = "measured-recovery"
	// measuredUnmeasured: no steady-state gate or monitor; runs started before the
	// versions below replay this way.
	measuredUnmeasured = workflow.DefaultVersion
	// measuredRecovery: steady-state gating and monitoring of drills, tabletop injects,
	// and the recovery check that ends the RTO clock.
	measuredRecovery workflow.Version = 1
	// measuredAttributesOnce: the search attributes are set at start only when the
	// starter did not (bcdr's starters and child runs set them in the start request): one
	// history event and one visibility write fewer per run.
	measuredAttributesOnce workflow.Version = 2
)

// compensation is a rollback or a drill cleanup registered when its step succeeded.
type compensation struct {
	step   int
	action runbooks.Action
	with   map[string]any
	err    error // the inputs could not be evaluated
}

// Run is the interpreter workflow: it runs in.Runbook in in.Mode and returns the run's
// record. A run that fails or is cancelled returns an error whose details hold the record.
func Run(ctx workflow.Context, in Input) (*Status, error) {
	r := newRun(ctx, in)
	if err := r.register(ctx); err != nil {
		return nil, err
	}
	version := workflow.GetVersion(ctx, measuredChangeID, measuredUnmeasured, measuredAttributesOnce)
	r.measured = version >= measuredRecovery
	r.decisions = workflow.GetVersion(ctx, decisionsChangeID, decisionsTrusted, decisionsVerified)
	r.outputsVersion = workflow.GetVersion(ctx, outputsChangeID, outputsUnbounded, outputsBudgeted)
	if in.Resume != nil {
		r.outputBytes = jsonSize(r.outputs) // what the runs before this one kept
	}
	if in.Resume == nil {
		if version < measuredAttributesOnce || !r.startedWithSearchAttributes(ctx) {
			r.upsertSearchAttributes(ctx, "")
		}
		r.emitStarted(ctx)
		if r.measured {
			r.precheck(ctx)
		}
	}
	stopMonitor, stopInjects := func() {}, func() {}
	if r.measured {
		stopMonitor, stopInjects = r.monitor(ctx), r.deliverInjects(ctx)
	}
	ctx, err := r.loop(ctx)
	stopMonitor()
	stopInjects()
	if err != nil {
		return nil, err
	}
	r.st.UndeliveredInjects = r.undeliveredInjects()
	r.finishing = true
	r.finish(ctx)
	r.finishing = false
	recordRun(ctx, &r.st)
	r.upsertSearchAttributes(ctx, string(r.st.State))
	r.emitFinished(ctx)
	switch r.st.State {
	case RunSucceeded:
		return &r.st, nil
	case RunCancelled:
		return nil, temporal.NewNonRetryableApplicationError("run cancelled: "+r.st.Error, "RunCancelled", nil, r.st)
	default:
		return nil, temporal.NewNonRetryableApplicationError("run failed: "+r.st.Error, "RunFailed", nil, r.st)
	}
}

func newRun(ctx workflow.Context, in Input) *run {
	rb := &in.Runbook
	info := workflow.GetInfo(ctx)
	now := workflow.Now(ctx)
	r := &run{
		in: in, rb: rb, idx: make(map[string]int, len(rb.Steps)),
		outputs: make([]map[string]any, len(rb.Steps)),
		cancels: make([]workflow.CancelFunc, len(rb.Steps)),
		tasks:   make([]*task, len(rb.Steps)),
	}
	if in.Mode == "" {
		r.in.Mode = ModeLive
	}
	r.st = StartStatus(info.WorkflowExecution.ID, r.in, now)
	for _, p := range rb.Parameters {
		if s, ok := in.Params[p.Name].(string); p.Secret && ok && s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	r.st.Params = redactMap(in.Params, r.secretParams())
	for i, s := range rb.Steps {
		r.idx[s.ID] = i
	}
	if in.Resume != nil {
		r.restore(in.Resume)
		r.in.Resume = nil
	} else {
		for _, w := range in.Warnings {
			r.st.Findings = append(r.st.Findings, Finding{Kind: "observation", Text: w, By: "bcdr", At: now})
		}
	}
	return r
}

// loop starts steps as they become ready until the run has nothing left to do. It returns
// the context to finish with (a disconnected one when the workflow itself was cancelled),
// or a continue-as-new error when the history has grown long.
func (r *run) loop(ctx workflow.Context) (workflow.Context, error) {
	for {
		r.draining = r.tooLong(ctx) && !r.hasOpenTasks()
		r.startReady(ctx)
		if r.finished() {
			return ctx, nil
		}
		if r.draining && r.canContinue() {
			return ctx, r.continueAsNew(ctx)
		}
		r.dirty = false
		if err := workflow.Await(ctx, func() bool { return r.dirty }); err != nil {
			// The workflow was cancelled through Temporal: cancel like an operator would,
			// without rollback, and finish on a context that is not cancelled.
			if r.cancel == nil {
				r.requestCancel(workflow.Now(ctx), ControlRequest{By: Actor{Name: "temporal"}, Comment: "workflow cancelled"})
			}
			ctx, _ = workflow.NewDisconnectedContext(ctx)
		}
	}
}

// startReady starts every pending step whose needs are done, in runbook order.
func (r *run) startReady(ctx workflow.Context) {
	if r.paused || r.failing || r.blocked != "" || r.cancel != nil || r.draining {
		return
	}
	for i := range r.rb.Steps {
		if r.st.Steps[i].Status != StepPending || !r.needsDone(i) {
			continue
		}
		def := &r.rb.Steps[i]
		if def.When != "" && r.in.Mode != ModeTabletop { // a tabletop discusses every step
			ok, err := runbooks.EvalBool(def.When, r.scope())
			if err != nil {
				r.stepFailed(ctx, i, fmt.Errorf("evaluate when: %w", err), 0)
				continue
			}
			if !ok {
				r.setSkipped(ctx, i, "condition false: "+def.When)
				continue
			}
		}
		r.launch(ctx, i)
		if r.failing || r.blocked != "" {
			return
		}
	}
}

// needsDone reports whether every step that step i needs has ended in a way that lets
// dependents run: succeeded, skipped, or failed under on_error: continue.
func (r *run) needsDone(i int) bool {
	for _, n := range r.rb.Steps[i].Needs {
		j, ok := r.idx[n]
		if !ok {
			continue
		}
		switch r.st.Steps[j].Status {
		case StepSucceeded, StepSkipped:
		case StepFailed, StepDeclined:
			if r.rb.Steps[j].OnError != runbooks.OnErrorContinue {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// finished reports whether the loop can stop.
func (r *run) finished() bool {
	if r.running > 0 {
		return false
	}
	if r.cancel != nil || r.failing {
		return true
	}
	if r.blocked != "" || r.paused {
		return false
	}
	for i := range r.st.Steps {
		if !r.st.Steps[i].Status.Terminal() {
			return false
		}
	}
	return true
}

// finish settles the run's state, runs rollbacks and drill cleanup, and stamps the end.
func (r *run) finish(ctx workflow.Context) {
	now := workflow.Now(ctx)
	switch {
	case r.cancel != nil:
		r.st.State = RunCancelled
		r.st.Error = fmt.Sprintf("cancelled by %s: %s", r.cancel.By.Name, r.cancel.Comment)
		r.settlePending(now, "run cancelled")
		if r.cancel.Rollback {
			r.compensate(ctx, r.ledger, true)
		}
	case r.failing:
		r.st.State = RunFailed
		r.settlePending(now, "run failed")
		if r.rollback {
			r.compensate(ctx, r.ledger, true)
		}
	default:
		r.st.State = RunSucceeded
		r.measureRTO(ctx)
		if r.undoesAfterVerify() {
			r.compensate(ctx, r.ledger, true)
		}
	}
	r.measureRPO()
	if len(r.cleanup) > 0 {
		r.compensate(ctx, r.cleanup, false)
	}
	r.st.EndedAt = workflow.Now(ctx)
	r.st.Elapsed = r.st.EndedAt.Sub(r.st.ClockStart)
	r.writeEvidence(ctx)
}

// undoesAfterVerify reports whether the runbook's rollback strategy undoes the steps
// of a run whose steps all ended: on_deviation and always after a deviation, always
// after a drill that verified.
func (r *run) undoesAfterVerify() bool {
	switch r.rb.Rollback {
	case runbooks.RollbackOnDeviation:
		return r.deviated
	case runbooks.RollbackAlways:
		return r.deviated || r.in.Mode == ModeDrill
	}
	return false
}

// writeEvidence stores the run's record as an evidence bundle when the run asks for it.
// A bundle that cannot be written is said in the record, never hidden.
func (r *run) writeEvidence(ctx workflow.Context) {
	if !r.in.Evidence {
		return
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           r.in.TaskQueue,
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 10, InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
	var ref EvidenceRef
	if err := workflow.ExecuteActivity(actx, EvidenceActivity, r.st).Get(actx, &ref); err != nil {
		r.st.EvidenceError = errorText(err)
		return
	}
	r.st.Evidence = &ref
}

// settlePending marks steps that never ran as cancelled.
func (r *run) settlePending(now time.Time, reason string) {
	for i := range r.st.Steps {
		s := &r.st.Steps[i]
		if !s.Status.Terminal() {
			s.Status, s.Reason, s.EndedAt = StepCancelled, reason, now
		}
	}
}

func (r *run) lastEnd() time.Time {
	last := r.st.ClockStart
	for _, s := range r.st.Steps {
		if s.EndedAt.After(last) {
			last = s.EndedAt
		}
	}
	return last
}

// fail puts the run in the failing state: no new step starts, running steps finish.
func (r *run) fail(reason string, rollback bool) {
	if r.failing {
		return
	}
	r.failing, r.rollback, r.blocked = true, rollback, ""
	r.st.Error = reason
	r.syncState()
	r.dirty = true
}

// expand evaluates the expressions in a step's inputs. Building the scope costs a map of
// every step, so inputs without expressions skip it.
func (r *run) expand(with map[string]any) (map[string]any, error) {
	if !hasExpr(with) {
		return with, nil
	}
	return runbooks.ExpandMap(with, r.scope())
}

// hasExpr reports whether v holds a ${{ }} expression anywhere.
func hasExpr(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, "${{")
	case map[string]any:
		for _, e := range x {
			if hasExpr(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasExpr(e) {
				return true
			}
		}
	}
	return false
}

// scope is what expressions see.
func (r *run) scope() runbooks.Scope {
	steps := make(map[string]runbooks.StepScope, len(r.rb.Steps))
	for i, s := range r.rb.Steps {
		steps[s.ID] = runbooks.StepScope{Status: string(r.st.Steps[i].Status), Outputs: r.outputs[i]}
	}
	return runbooks.Scope{
		Params: r.in.Params, Steps: steps, Mode: string(r.in.Mode),
		Run: runbooks.RunScope{ID: r.st.RunID, Initiator: r.in.Initiator.Name},
	}.WithTaint(&runbooks.Taint{Secret: r.holdsSecret, Add: r.addSecret})
}

// SearchAttributes are the search attributes a run carries from its start: runbook,
// mode and service (the run sets its outcome when it ends). Starters set them in the
// start request, so the run is found by them from its first moment.
func SearchAttributes(in Input) temporal.SearchAttributes {
	mode := in.Mode
	if mode == "" {
		mode = ModeLive
	}
	sa := []temporal.SearchAttributeUpdate{
		temporal.NewSearchAttributeKeyKeyword(SARunbook).ValueSet(in.Runbook.Metadata.Name),
		temporal.NewSearchAttributeKeyKeyword(SAMode).ValueSet(string(mode)),
	}
	if s := in.Runbook.Metadata.Service; s != "" {
		sa = append(sa, temporal.NewSearchAttributeKeyKeyword(SAService).ValueSet(s))
	}
	return temporal.NewSearchAttributes(sa...)
}

// startedWithSearchAttributes reports whether the run's start request set the search
// attributes it would set itself (a run started by another tool may lack them).
func (r *run) startedWithSearchAttributes(ctx workflow.Context) bool {
	have := workflow.GetTypedSearchAttributes(ctx) // with GetVersion's TemporalChangeVersion
	for k, v := range SearchAttributes(r.in).GetUntypedValues() {
		kw, ok := k.(temporal.SearchAttributeKeyKeyword)
		if !ok {
			return false
		}
		got, ok := have.GetKeyword(kw)
		if !ok || got != v {
			return false
		}
	}
	return true
}

func (r *run) upsertSearchAttributes(ctx workflow.Context, outcome string) {
	updates := []temporal.SearchAttributeUpdate{
		temporal.NewSearchAttributeKeyKeyword(SARunbook).ValueSet(r.rb.Metadata.Name),
		temporal.NewSearchAttributeKeyKeyword(SAMode).ValueSet(string(r.in.Mode)),
	}
	if r.rb.Metadata.Service != "" {
		updates = append(updates, temporal.NewSearchAttributeKeyKeyword(SAService).ValueSet(r.rb.Metadata.Service))
	}
	if outcome != "" {
		updates = append(updates, temporal.NewSearchAttributeKeyKeyword(SAOutcome).ValueSet(outcome))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
	}
}

// requestCancel stops the run: running steps are cancelled, nothing new starts.
func (r *run) requestCancel(now time.Time, req ControlRequest) {
	r.cancel = &req
	for _, cancel := range r.cancels {
		if cancel != nil {
			cancel()
		}
	}
	r.blocked = ""
	r.dirty = true
}

// hasOpenTasks reports whether a person is being waited for.
func (r *run) hasOpenTasks() bool {
	for _, t := range r.tasks {
		if t != nil && !t.done {
			return true
		}
	}
	return false
}
