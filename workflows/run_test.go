package workflows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// recorder is the test step kind "test.step": it records every call, fails as told, and
// echoes its inputs as outputs.
type recorder struct {
	mu    sync.Mutex
	calls []string
	fails map[string]int // label -> failures left
}

func (rec *recorder) step(ctx context.Context, req activities.Request) (activities.Result, error) {
	label := fmt.Sprint(req.With["label"])
	rec.mu.Lock()
	rec.calls = append(rec.calls, label)
	left := rec.fails[label]
	if left > 0 {
		rec.fails[label] = left - 1
	}
	rec.mu.Unlock()
	if req.With["fail"] == true || left > 0 {
		if req.With["nonretryable"] == true {
			return nil, activities.NonRetryable(activities.ErrValidation, fmt.Errorf("%s: bad input", label))
		}
		return nil, fmt.Errorf("%s: boom", label)
	}
	return activities.Result{"label": label, "value": req.With["value"]}, nil
}

func (rec *recorder) called() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.calls...)
}

var testKind = runbooks.Kind{
	Name: "test.step", Description: "records its calls", Executor: runbooks.ByActivity,
	SideEffects: true, Rollbackable: true,
	Inputs: []runbooks.Field{
		{Name: "label", Type: runbooks.TypeString, Required: true},
		{Name: "fail", Type: runbooks.TypeBool},
		{Name: "nonretryable", Type: runbooks.TypeBool},
		{Name: "value", Type: runbooks.TypeAny},
	},
	Outputs: []runbooks.Field{{Name: "label", Type: runbooks.TypeString}, {Name: "value", Type: runbooks.TypeAny}},
}

func parse(t *testing.T, src string) runbooks.Runbook {
	t.Helper()
	reg, err := runbooks.DefaultRegistry(testKind)
	require.NoError(t, err)
	rb, diags := runbooks.Parse("test.yaml", []byte(src), reg)
	require.False(t, diags.HasErrors(), "runbook does not parse:\n%v", diags)
	return *rb
}

type harness struct {
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment
	rec *recorder
}

// newHarness builds the test environment with the test step kind and the verifier
// registered; each option sets up the suite (a metrics handler, say) before that.
func newHarness(t testing.TB, options ...func(*harness)) *harness {
	h := &harness{rec: &recorder{fails: map[string]int{}}}
	h.SetLogger(quietLogger{})
	for _, o := range options {
		o(h)
	}
	h.env = h.NewTestWorkflowEnvironment()
	// the tests run beside other builds on a shared machine (make test runs packages in
	// parallel; some runs make real calls to moto): a workflow task starved of CPU for a
	// second is not a deadlock. A real one (workflow code blocking) still fails the test.
	h.env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: 15 * time.Second})
	h.env.RegisterWorkflowWithOptions(Run, workflow.RegisterOptions{Name: WorkflowName})
	activities.Register(h.env, activities.Action{Kind: testKind, Fn: h.rec.step})
	registerVerifier(h.env)
	return h
}

// recordEvents registers the notification activity (EventActivity) to record what the
// run delivers; the returned func gives what was delivered so far.
func (h *harness) recordEvents() func() []activities.Event {
	var mu sync.Mutex
	var events []activities.Event
	h.env.RegisterActivityWithOptions(func(ctx context.Context, ev activities.Event) error {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
		return nil
	}, activity.RegisterOptions{Name: activities.EventActivity})
	return func() []activities.Event {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(events)
	}
}

// registerVerifier registers VerifyActivity as the harness's worker has it.
func registerVerifier(env *testsuite.TestWorkflowEnvironment) {
	v := &Verifier{Key: testKey, GroupsOf: testGroupsOf}
	env.RegisterActivityWithOptions(v.Verify, activity.RegisterOptions{Name: VerifyActivity})
}

// testKey is the identity key of the harness's worker and of its callers; update signs
// every decision and control with it, as bcdr server would.
var testKey = []byte("test identity key, 32 bytes long")

// testGroupsOf is the harness worker's groups configuration.
func testGroupsOf(user string) []string {
	switch user {
	case "carol", "tom", "ic":
		return []string{"dba"}
	case "dan":
		return []string{"storage"}
	case "irene":
		return []string{"incident-commanders"}
	case "olga":
		return []string{"orders-oncall"}
	}
	return nil
}

func (h *harness) run(t testing.TB, rb runbooks.Runbook, mut ...func(*Input)) (Status, error) {
	t.Helper()
	in := Input{Runbook: rb, Mode: ModeLive, Initiator: Actor{Name: "ic"}}
	for _, m := range mut {
		m(&in)
	}
	if in.Params == nil {
		params, err := runbooks.ResolveParams(&in.Runbook, nil)
		require.NoError(t, err)
		in.Params = params
	}
	h.env.ExecuteWorkflow(WorkflowName, in)
	require.True(t, h.env.IsWorkflowCompleted())
	return h.result(t)
}

// result returns the run's record, from its result or from its error's details.
func (h *harness) result(t testing.TB) (Status, error) {
	var st Status
	err := h.env.GetWorkflowError()
	if err == nil {
		require.NoError(t, h.env.GetWorkflowResult(&st))
		return st, nil
	}
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "unexpected error: %v", err)
	require.NoError(t, app.Details(&st))
	return st, err
}

// update sends an update after delay, its identity signed with testKey at that moment,
// and returns a func that reports how it ended.
func (h *harness) update(delay time.Duration, name string, arg any) func() error {
	return h.send(delay, name, arg, testKey)
}

// send is update signing with key; a nil key sends arg as it is.
func (h *harness) send(delay time.Duration, name string, arg any, key []byte) func() error {
	var result error = errors.New("update not sent")
	h.env.RegisterDelayedCallback(func() {
		if key != nil {
			arg = Sign(key, "default-test-workflow-id", name, arg, h.env.Now())
		}
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept:   func() {},
			OnReject:   func(err error) { result = err },
			OnComplete: func(_ interface{}, err error) { result = err },
		}, arg)
	}, delay)
	return func() error { return result }
}

func (h *harness) query(t *testing.T) Status {
	t.Helper()
	v, err := h.env.QueryWorkflow(QueryStatus)
	require.NoError(t, err)
	var st Status
	require.NoError(t, v.Get(&st))
	return st
}

const header = `apiVersion: bcdr.io/v1
kind: Runbook
metadata:
  name: test
  service: shop
objectives:
  rto: 30m
`

func TestParallelBranchesStartTogether(t *testing.T) {
	h := newHarness(t)
	rb := parse(t, header+`steps:
  - id: a
    uses: wait
    with: {duration: 1m}
  - id: b
    uses: wait
    needs: a
    with: {duration: 2m}
  - id: c
    uses: wait
    needs: a
    with: {duration: 3m}
  - id: d
    uses: test.step
    needs: [b, c]
    with: {label: d}
`)
	st, err := h.run(t, rb)
	require.NoError(t, err)
	b, c, d := st.Step("b"), st.Step("c"), st.Step("d")
	assert.Equal(t, b.StartedAt, c.StartedAt, "independent steps start together")
	assert.Equal(t, st.Step("a").EndedAt, b.StartedAt)
	assert.False(t, d.StartedAt.Before(c.EndedAt), "d waits for its slowest need")
	assert.Equal(t, 4*time.Minute, d.StartedAt.Sub(st.StartedAt), "makespan follows the critical path a->c")
	assert.Equal(t, RunSucceeded, st.State)
	assert.Equal(t, st.Step("d").EndedAt.Sub(st.ClockStart), st.RTOActual)
}

// failurePolicy is a step "a" that fails (every attempt, or its first few) under a retry
// and on_error policy, and a step "b" that needs it.
const failurePolicy = header + `steps:
  - id: a
    uses: test.step
    with: {label: a%s}
    retry: %s%s
  - id: b
    uses: test.step
    needs: a
    with: {label: b}
`

// TestStepFailurePolicies runs failurePolicy under each policy and checks what became of
// the run, of a (its status, attempts and error) and of b.
func TestStepFailurePolicies(t *testing.T) {
	for _, tc := range []struct {
		name      string
		with      string        // a's inputs after its label
		retry     string        // a's retry
		onError   string        // a's on_error ("": the default, stop)
		flaky     int           // a's first attempts that fail
		hold      time.Duration // the run's HoldOnFailure
		wantState RunState
		wantA     StepStatus
		attempts  int
		aError    string // in a's error
		wantB     StepStatus
		calls     []string
		runError  string // in the run's error ("": the run succeeds)
	}{
		{name: "failing step retries then stops", with: ", fail: true", retry: "{attempts: 3, backoff: 1s}",
			wantState: RunFailed, wantA: StepFailed, attempts: 3, aError: "a: boom",
			wantB: StepCancelled, calls: []string{"a", "a", "a"}, runError: `step "a" failed`},
		{name: "non-retryable error fails at once", with: ", fail: true, nonretryable: true", retry: "{attempts: 5}",
			wantState: RunFailed, wantA: StepFailed, attempts: 1, aError: "Validation: a: bad input",
			wantB: StepCancelled, calls: []string{"a"}, runError: `step "a" failed`},
		{name: "retry succeeds on a later attempt", retry: "{attempts: 3, backoff: 1s}", flaky: 2,
			wantState: RunSucceeded, wantA: StepSucceeded, attempts: 3,
			wantB: StepSucceeded, calls: []string{"a", "a", "a", "b"}},
		{name: "continue lets dependents run", with: ", fail: true", retry: "{attempts: 1}", onError: "continue",
			wantState: RunSucceeded, wantA: StepFailed, attempts: 1, aError: "a: boom",
			wantB: StepSucceeded, calls: []string{"a", "b"}},
		{name: "held run fails when the hold runs out", with: ", fail: true", retry: "{attempts: 1}", hold: 10 * time.Minute,
			wantState: RunFailed, wantA: StepFailed, attempts: 1, aError: "a: boom",
			wantB: StepCancelled, calls: []string{"a"}, runError: "not retried or skipped within 10m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.rec.fails["a"] = tc.flaky
			onError := ""
			if tc.onError != "" {
				onError = "\n    on_error: " + tc.onError
			}
			rb := parse(t, fmt.Sprintf(failurePolicy, tc.with, tc.retry, onError))
			st, err := h.run(t, rb, func(in *Input) { in.HoldOnFailure = tc.hold })
			if tc.runError == "" {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.Contains(t, st.Error, tc.runError)
			}
			assert.Equal(t, tc.wantState, st.State)
			a := st.Step("a")
			assert.Equal(t, tc.wantA, a.Status)
			assert.Equal(t, tc.attempts, a.Attempts)
			if tc.aError != "" {
				assert.Contains(t, a.Error, tc.aError)
			}
			assert.Equal(t, tc.wantB, st.Step("b").Status)
			assert.Equal(t, tc.calls, h.rec.called())
		})
	}
}

// rollbackChain is four steps, b and c with a rollback, d failing under the on_error
// policy that fills %s.
const rollbackChain = `steps:
  - id: a
    uses: test.step
    with: {label: a}
  - id: b
    uses: test.step
    needs: a
    with: {label: b}
    rollback: {uses: test.step, with: {label: undo-b}}
  - id: c
    uses: test.step
    needs: b
    with: {label: c, value: 42}
    rollback: {uses: test.step, with: {label: "undo-c-${{ steps.c.outputs.value }}"}}
  - id: d
    uses: test.step
    needs: c
    with: {label: d, fail: true}
    retry: {attempts: 1}%s
`

// TestRollbackOnError: on_error: rollback undoes the completed steps in reverse
// completion order; the default (stop) undoes nothing.
func TestRollbackOnError(t *testing.T) {
	for _, tc := range []struct {
		name      string
		onError   string // d's on_error line
		calls     []string
		rollbacks []string
		wantB     StepStatus
	}{
		{"rollback runs in reverse completion order", "\n    on_error: rollback",
			[]string{"a", "b", "c", "d", "undo-c-42", "undo-b"}, []string{"c", "b"}, StepRolledBack},
		{"stop mode does not roll back", "",
			[]string{"a", "b", "c", "d"}, nil, StepSucceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			st, err := h.run(t, parse(t, header+fmt.Sprintf(rollbackChain, tc.onError)))
			require.Error(t, err)
			assert.Equal(t, RunFailed, st.State)
			assert.Equal(t, tc.calls, h.rec.called())
			assert.Equal(t, tc.rollbacks, st.Rollbacks)
			assert.Equal(t, tc.wantB, st.Step("b").Status)
			assert.Equal(t, StepSucceeded, st.Step("a").Status, "a has no rollback")
		})
	}
}

func TestRollbackFailureIsRecorded(t *testing.T) {
	h := newHarness(t)
	rb := parse(t, header+`steps:
  - id: b
    uses: test.step
    with: {label: b}
    rollback: {uses: test.step, with: {label: undo-b, fail: true}, retry: {attempts: 2}}
  - id: d
    uses: test.step
    needs: b
    with: {label: d, fail: true}
    retry: {attempts: 1}
    on_error: rollback
`)
	st, err := h.run(t, rb)
	require.Error(t, err)
	b := st.Step("b")
	require.NotNil(t, b.Rollback)
	assert.Contains(t, b.Rollback.Error, "undo-b: boom")
	assert.Equal(t, 2, b.Rollback.Attempts)
	assert.Equal(t, StepSucceeded, b.Status, "a failed rollback leaves the step as it was")
	assert.Contains(t, st.Error, `rollback of "b"`)
}

func TestConditionFalseSkipsStep(t *testing.T) {
	h := newHarness(t)
	rb := parse(t, header+`parameters:
  - {name: promote, type: bool, default: false}
steps:
  - id: a
    uses: test.step
    when: "${{ params.promote }}"
    with: {label: a}
  - id: b
    uses: test.step
    needs: a
    with: {label: b}
`)
	st, err := h.run(t, rb)
	require.NoError(t, err)
	assert.Equal(t, StepSkipped, st.Step("a").Status)
	assert.Contains(t, st.Step("a").Reason, "condition false")
	assert.Equal(t, []string{"b"}, h.rec.called())
}

func TestOutputsFlowIntoLaterSteps(t *testing.T) {
	h := newHarness(t)
	rb := parse(t, header+`parameters:
  - {name: region, type: string, default: eu-west-1}
steps:
  - id: a
    uses: test.step
    with: {label: a, value: "db-${{ params.region }}"}
  - id: b
    uses: test.step
    needs: a
    with: {label: "after-${{ steps.a.outputs.value }}"}
`)
	st, err := h.run(t, rb)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "after-db-eu-west-1"}, h.rec.called())
	assert.Equal(t, "db-eu-west-1", st.Step("a").Outputs["value"])
}

const approvalRunbook = `steps:
  - id: approve
    uses: approval
    with:
      approvers: [bob, "group:dba"]
      quorum: 2
      timeout: 1h
  - id: act
    uses: test.step
    needs: approve
    with: {label: act}
`

func TestApprovalRejectsNonApproverAndInitiatorAndAcceptsQuorum(t *testing.T) {
	h := newHarness(t)
	byInitiator := h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "ic", Groups: []string{"dba"}}})
	byStranger := h.update(2*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "eve"}})
	byBob := h.update(3*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}, Comment: "go"})
	bobAgain := h.update(4*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}})
	var mid Status
	h.env.RegisterDelayedCallback(func() { mid = h.query(t) }, 5*time.Minute)
	byDBA := h.update(6*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "carol", Groups: []string{"dba"}}})
	st, err := h.run(t, parse(t, header+approvalRunbook))
	require.NoError(t, err)

	assert.ErrorContains(t, byInitiator(), "four-eyes")
	assert.ErrorContains(t, byStranger(), "eve is not an approver")
	assert.NoError(t, byBob())
	assert.ErrorContains(t, bobAgain(), "already decided")
	assert.NoError(t, byDBA())
	require.Len(t, mid.Pending, 1)
	assert.Equal(t, 1, mid.Pending[0].Approved)
	assert.Equal(t, StepWaiting, mid.Step("approve").Status)

	ap := st.Step("approve")
	assert.Equal(t, StepSucceeded, ap.Status)
	require.Len(t, ap.Decisions, 2, "rejected updates leave no decision")
	assert.Equal(t, "bob", ap.Decisions[0].By)
	assert.Equal(t, "go", ap.Decisions[0].Comment)
	assert.Equal(t, "carol", ap.Decisions[1].By)
	assert.Equal(t, 6*time.Minute, st.Step("act").StartedAt.Sub(st.StartedAt))
}

func TestApprovalOutputsFlowOn(t *testing.T) {
	h := newHarness(t)
	h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}, Comment: "go"})
	st, err := h.run(t, parse(t, header+`steps:
  - id: approve
    uses: approval
    with: {approvers: [bob]}
  - id: act
    uses: test.step
    needs: approve
    with: {label: "by ${{ steps.approve.outputs.approved_by[0] }}"}
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"by bob"}, h.rec.called())
	assert.Equal(t, "bob: go", st.Step("approve").Outputs["comment"])
}

func TestNestedRunbookRunsAsChildWorkflow(t *testing.T) {
	h := newHarness(t)
	child := parse(t, `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: restore-db}
parameters:
  - {name: db, type: string, required: true}
steps:
  - id: restore
    uses: test.step
    with: {label: "restore-${{ params.db }}", value: "${{ params.db }}-restored"}
`)
	st, err := h.run(t, parse(t, header+`steps:
  - id: db
    uses: runbook
    with: {path: restore-db.yaml, params: {db: orders}}
  - id: after
    uses: test.step
    needs: db
    with: {label: "after-${{ steps.db.outputs.status }}"}
`), func(in *Input) { in.Nested = map[string]runbooks.Runbook{"restore-db.yaml": child} })
	require.NoError(t, err)
	assert.Equal(t, []string{"restore-orders", "after-succeeded"}, h.rec.called())
	out := st.Step("db").Outputs
	assert.Equal(t, "succeeded", out["status"])
	assert.Equal(t, "default-test-workflow-id.db", out["run_id"])
}

func TestNestedRunbookFailureFailsTheStep(t *testing.T) {
	h := newHarness(t)
	child := parse(t, `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: broken}
steps:
  - id: x
    uses: test.step
    with: {label: x, fail: true}
    retry: {attempts: 1}
`)
	st, err := h.run(t, parse(t, header+`steps:
  - id: db
    uses: runbook
    with: {path: broken.yaml}
`), func(in *Input) { in.Nested = map[string]runbooks.Runbook{"broken.yaml": child} })
	require.Error(t, err)
	assert.Equal(t, StepFailed, st.Step("db").Status)
	assert.Contains(t, st.Step("db").Error, `step "x" failed`)
}

func TestApprovalDeclineEndsStep(t *testing.T) {
	h := newHarness(t)
	noComment := h.update(time.Minute, UpdateDecline, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}})
	h.update(2*time.Minute, UpdateDecline, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}, Comment: "primary is back"})
	st, err := h.run(t, parse(t, header+approvalRunbook))
	require.Error(t, err)
	assert.ErrorContains(t, noComment(), "comment")
	assert.Equal(t, StepDeclined, st.Step("approve").Status)
	assert.Contains(t, st.Step("approve").Error, "declined by bob: primary is back")
	assert.Equal(t, StepCancelled, st.Step("act").Status)
	assert.Empty(t, h.rec.called())
}

func TestApprovalTimeoutPolicies(t *testing.T) {
	for _, tc := range []struct {
		name, with string
		wantState  RunState
		wantErr    string
	}{
		{"fail", "on_timeout: fail", RunFailed, "approval timed out after 30m0s"},
		{"approve", "on_timeout: approve", RunSucceeded, ""},
		{"escalate then fail", "on_timeout: escalate\n      escalate_to: [cio]\n      escalation_timeout: 15m", RunFailed, "approval timed out after 15m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			st, _ := h.run(t, parse(t, header+`steps:
  - id: approve
    uses: approval
    with:
      approvers: [bob]
      timeout: 30m
      `+tc.with+`
`))
			assert.Equal(t, tc.wantState, st.State)
			if tc.wantErr != "" {
				assert.Contains(t, st.Step("approve").Error, tc.wantErr)
			}
		})
	}
}

func TestApprovalEscalationAcceptsSecondGroup(t *testing.T) {
	h := newHarness(t)
	early := h.update(10*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "cio"}})
	late := h.update(40*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "cio"}})
	st, err := h.run(t, parse(t, header+`steps:
  - id: approve
    uses: approval
    with:
      approvers: [bob]
      timeout: 30m
      on_timeout: escalate
      escalate_to: [cio]
      escalation_timeout: 1h
`))
	require.NoError(t, err)
	assert.ErrorContains(t, early(), "cio is not an approver")
	assert.NoError(t, late())
	require.Len(t, st.Actions, 1)
	assert.Equal(t, "escalate", st.Actions[0].Action)
}

func TestManualTaskCompletion(t *testing.T) {
	h := newHarness(t)
	wrong := h.update(time.Minute, UpdateComplete, DecisionRequest{Step: "restore", By: Actor{Name: "eve"}})
	right := h.update(2*time.Minute, UpdateComplete, DecisionRequest{Step: "restore", By: Actor{Name: "dan", Groups: []string{"storage"}}, Comment: "tapes mounted"})
	st, err := h.run(t, parse(t, header+`steps:
  - id: restore
    uses: manual
    instructions: Mount the offsite tapes.
    with: {assignee: "group:storage"}
`))
	require.NoError(t, err)
	assert.ErrorContains(t, wrong(), "assigned to group:storage")
	assert.NoError(t, right())
	s := st.Step("restore")
	assert.Equal(t, "dan", s.Outputs["completed_by"])
	require.Len(t, s.Decisions, 1)
	assert.Equal(t, "tapes mounted", s.Decisions[0].Comment)
}

func TestPauseHoldsNewStepsAndResumeContinues(t *testing.T) {
	h := newHarness(t)
	h.update(30*time.Second, UpdatePause, ControlRequest{By: Actor{Name: "op"}, Comment: "check dashboards"})
	var paused Status
	h.env.RegisterDelayedCallback(func() { paused = h.query(t) }, 5*time.Minute)
	h.update(10*time.Minute, UpdateResume, ControlRequest{By: Actor{Name: "op"}})
	st, err := h.run(t, parse(t, header+`steps:
  - id: a
    uses: wait
    with: {duration: 1m}
  - id: b
    uses: test.step
    needs: a
    with: {label: b}
`))
	require.NoError(t, err)
	assert.Equal(t, RunPaused, paused.State)
	assert.Equal(t, StepSucceeded, paused.Step("a").Status, "a running step finishes while paused")
	assert.Equal(t, StepPending, paused.Step("b").Status, "no new step starts while paused")
	assert.Equal(t, 10*time.Minute, st.Step("b").StartedAt.Sub(st.StartedAt))
	require.Len(t, st.Actions, 2)
	assert.Equal(t, []string{"pause", "resume"}, []string{st.Actions[0].Action, st.Actions[1].Action})
	assert.Equal(t, "op", st.Actions[0].By)
}

func TestSkipNeedsCommentAndUnblocksDependents(t *testing.T) {
	h := newHarness(t)
	noComment := h.update(time.Minute, UpdateSkip, ControlRequest{By: Actor{Name: "op"}, Step: "slow"})
	ok := h.update(2*time.Minute, UpdateSkip, ControlRequest{By: Actor{Name: "op"}, Step: "slow", Comment: "done by hand"})
	st, err := h.run(t, parse(t, header+`steps:
  - id: slow
    uses: wait
    with: {duration: 1h}
  - id: next
    uses: test.step
    needs: slow
    with: {label: next}
`))
	require.NoError(t, err)
	assert.ErrorContains(t, noComment(), "comment")
	assert.NoError(t, ok())
	assert.Equal(t, StepSkipped, st.Step("slow").Status)
	assert.Contains(t, st.Step("slow").Reason, "skipped by op: done by hand")
	assert.Equal(t, 2*time.Minute, st.Step("next").StartedAt.Sub(st.StartedAt))
}

// heldFlaky is a step that fails once without retries, and a step after it; the tests run
// it held on failure, so that an operator retries the failed step.
const heldFlaky = header + `steps:
  - id: flaky
    uses: test.step
    with: {label: flaky}
    retry: {attempts: 1}
  - id: after
    uses: wait
    needs: flaky
    with: {duration: 10m}
`

func TestRetryFailedStepWhileHeld(t *testing.T) {
	h := newHarness(t)
	h.rec.fails["flaky"] = 1
	var held Status
	h.env.RegisterDelayedCallback(func() { held = h.query(t) }, time.Minute)
	retried := h.update(2*time.Minute, UpdateRetry, ControlRequest{By: Actor{Name: "op"}, Step: "flaky"})
	again := h.update(5*time.Minute, UpdateRetry, ControlRequest{By: Actor{Name: "op"}, Step: "flaky"})
	st, err := h.run(t, parse(t, heldFlaky), func(in *Input) { in.HoldOnFailure = time.Hour })
	require.NoError(t, err)
	assert.Equal(t, RunBlocked, held.State)
	assert.Equal(t, StepFailed, held.Step("flaky").Status)
	assert.NoError(t, retried())
	assert.ErrorContains(t, again(), "only a failed step can be retried")
	assert.Equal(t, StepSucceeded, st.Step("flaky").Status)
	assert.Equal(t, []string{"flaky", "flaky"}, h.rec.called())
	assert.Equal(t, 2*time.Minute, st.Step("after").StartedAt.Sub(st.StartedAt))
}

// TestLiveStateFollowsTheFlags: the state a run shows while it goes on comes from one
// derivation (failing over blocked over paused over running). A run paused while held on
// a failed step shows blocked; the retry leaves it paused, with the retried step waiting;
// the resume makes it running.
func TestLiveStateFollowsTheFlags(t *testing.T) {
	h := newHarness(t)
	h.rec.fails["flaky"] = 1
	var seen []RunState
	at := func(d time.Duration) {
		h.env.RegisterDelayedCallback(func() { seen = append(seen, h.query(t).State) }, d)
	}
	paused := h.update(30*time.Second, UpdatePause, ControlRequest{By: Actor{Name: "op"}})
	at(time.Minute)
	retried := h.update(2*time.Minute, UpdateRetry, ControlRequest{By: Actor{Name: "op"}, Step: "flaky"})
	at(3 * time.Minute)
	resumed := h.update(4*time.Minute, UpdateResume, ControlRequest{By: Actor{Name: "op"}})
	at(5 * time.Minute)
	st, err := h.run(t, parse(t, heldFlaky), func(in *Input) { in.HoldOnFailure = time.Hour })
	require.NoError(t, err)
	require.NoError(t, paused())
	require.NoError(t, retried())
	require.NoError(t, resumed())
	assert.Equal(t, []RunState{RunBlocked, RunPaused, RunRunning}, seen)
	assert.Equal(t, RunSucceeded, st.State)
	assert.Equal(t, 4*time.Minute, st.Step("flaky").StartedAt.Sub(st.StartedAt), "the retried step waits for the resume")
}

// TestCancel cancels a run while it waits after a step with a rollback, with and without
// rolling back.
func TestCancel(t *testing.T) {
	for _, tc := range []struct {
		name     string
		req      ControlRequest
		wantA    StepStatus
		calls    []string
		runError string
	}{
		{"with rollback", ControlRequest{By: Actor{Name: "ic"}, Comment: "primary recovered", Rollback: true},
			StepRolledBack, []string{"a", "undo-a"}, "cancelled by ic: primary recovered"},
		{"without rollback", ControlRequest{By: Actor{Name: "ic"}, Comment: "stop"},
			StepSucceeded, []string{"a"}, "cancelled by ic: stop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.update(5*time.Minute, UpdateCancel, tc.req)
			st, err := h.run(t, parse(t, header+`steps:
  - id: a
    uses: test.step
    with: {label: a}
    rollback: {uses: test.step, with: {label: undo-a}}
  - id: wait
    uses: wait
    needs: a
    with: {duration: 1h}
  - id: b
    uses: test.step
    needs: wait
    with: {label: b}
`))
			require.Error(t, err)
			assert.Equal(t, RunCancelled, st.State)
			assert.Equal(t, StepCancelled, st.Step("wait").Status)
			assert.Equal(t, StepCancelled, st.Step("b").Status)
			assert.Equal(t, tc.wantA, st.Step("a").Status)
			assert.Equal(t, tc.calls, h.rec.called())
			assert.Contains(t, st.Error, tc.runError)
		})
	}
}

func TestDrillModeRunsDrillVariantAndCleansUp(t *testing.T) {
	h := newHarness(t)
	st, err := h.run(t, parse(t, header+`steps:
  - id: restore
    uses: test.step
    with: {label: restore-live}
    drill:
      uses: test.step
      with: {label: restore-copy}
      cleanup: {uses: test.step, with: {label: delete-copy}}
  - id: dns
    uses: test.step
    needs: restore
    with: {label: flip-dns}
    drill: {skip: true}
`), func(in *Input) { in.Mode = ModeDrill })
	require.NoError(t, err)
	assert.Equal(t, []string{"restore-copy", "delete-copy"}, h.rec.called())
	assert.True(t, st.Step("restore").Drill)
	assert.Equal(t, StepSkipped, st.Step("dns").Status)
}

func TestTabletopModeTurnsStepsIntoPrompts(t *testing.T) {
	h := newHarness(t)
	answer := h.update(3*time.Minute, UpdateComplete, DecisionRequest{Step: "isolate", By: Actor{Name: "ciso"}, Comment: "pull the network cables"})
	h.update(4*time.Minute, UpdateAdvance, ControlRequest{By: Actor{Name: "ic"}})
	st, err := h.run(t, parse(t, header+`steps:
  - id: isolate
    uses: test.step
    instructions: How do you isolate the infected file servers?
    with: {label: isolate}
`), func(in *Input) { in.Mode = ModeTabletop })
	require.NoError(t, err)
	assert.NoError(t, answer())
	assert.Empty(t, h.rec.called(), "no step touches the world in a tabletop")
	assert.Equal(t, "pull the network cables", st.Step("isolate").Outputs["comment"])
}

func TestSecretParamsAreRedacted(t *testing.T) {
	h := newHarness(t)
	rb := parse(t, header+`parameters:
  - {name: token, type: string, secret: true}
steps:
  - id: a
    uses: test.step
    with: {label: a, value: "Bearer ${{ params.token }}"}
`)
	st, err := h.run(t, rb, func(in *Input) { in.Params = map[string]any{"token": "s3cr3t-value"} })
	require.NoError(t, err)
	assert.Equal(t, "***", st.Params["token"])
	assert.Equal(t, "Bearer ***", st.Step("a").Outputs["value"])
}

func TestStatusQueryShowsLiveState(t *testing.T) {
	h := newHarness(t)
	var mid Status
	h.env.RegisterDelayedCallback(func() { mid = h.query(t) }, 90*time.Second)
	_, err := h.run(t, parse(t, header+`steps:
  - id: a
    uses: wait
    with: {duration: 1m}
  - id: b
    uses: wait
    needs: a
    with: {duration: 1m}
`))
	require.NoError(t, err)
	assert.Equal(t, RunRunning, mid.State)
	assert.Equal(t, StepSucceeded, mid.Step("a").Status)
	assert.Equal(t, StepRunning, mid.Step("b").Status)
	assert.Equal(t, 90*time.Second, mid.Elapsed)
	assert.Equal(t, 30*time.Minute, mid.RTOTarget)
}

// quietLogger keeps the SDK test environment's debug chatter out of test output.
type quietLogger struct{}

func (quietLogger) Debug(string, ...interface{}) {}
func (quietLogger) Info(string, ...interface{})  {}
func (quietLogger) Warn(string, ...interface{})  {}
func (quietLogger) Error(string, ...interface{}) {}

func TestLongRunContinuesAsNewAndKeepsItsState(t *testing.T) {
	var src strings.Builder
	src.WriteString(header + "steps:\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&src, "  - id: s%d\n    uses: test.step\n    with: {label: s%d, value: %d}\n", i, i, i)
		if i > 0 {
			fmt.Fprintf(&src, "    needs: s%d\n    when: \"${{ steps.s%d.outputs.value == %d }}\"\n", i-1, i-1, i-1)
		}
		if i == 3 {
			src.WriteString("    rollback: {uses: test.step, with: {label: undo-s3}}\n")
		}
	}
	src.WriteString("  - id: boom\n    uses: test.step\n    needs: s29\n    with: {label: boom, fail: true}\n    retry: {attempts: 1}\n    on_error: rollback\n")
	rb := parse(t, src.String())
	rec := &recorder{fails: map[string]int{}}
	in := Input{Runbook: rb, Mode: ModeLive, Initiator: Actor{Name: "ic"}, ContinueAfter: 40}
	histories := 0
	var st Status
	for {
		histories++
		require.Less(t, histories, 20, "the run never ends")
		h := newHarness(t)
		h.rec = rec
		h.env = h.NewTestWorkflowEnvironment()
		h.env.RegisterWorkflowWithOptions(Run, workflow.RegisterOptions{Name: WorkflowName})
		// The test environment keeps no real history: each step adds the six events it
		// would add on a server.
		steps := 0
		activities.Register(h.env, activities.Action{Kind: testKind, Fn: func(ctx context.Context, req activities.Request) (activities.Result, error) {
			steps++
			h.env.SetCurrentHistoryLength(steps * 6)
			return rec.step(ctx, req)
		}})
		h.env.ExecuteWorkflow(WorkflowName, in)
		err := h.env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			var next Input
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
			require.NotNil(t, next.Resume)
			in = next
			continue
		}
		st, err = h.result(t)
		require.Error(t, err)
		break
	}
	assert.Greater(t, histories, 2, "the run spanned several histories")
	assert.Equal(t, RunFailed, st.State)
	for i := 0; i < 30; i++ {
		if i != 3 {
			assert.Equal(t, StepSucceeded, st.Steps[i].Status, "s%d ran once, its condition saw the outputs carried over", i)
		}
	}
	calls := rec.called()
	assert.Len(t, calls, 32, "every step once, then boom, then the rollback carried over: %v", calls)
	assert.Equal(t, "undo-s3", calls[len(calls)-1])
	assert.Equal(t, StepRolledBack, st.Step("s3").Status)
}

func TestNotifyEmitsRunEvents(t *testing.T) {
	h := newHarness(t)
	delivered := h.recordEvents()
	h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}})
	_, err := h.run(t, parse(t, header+`parameters:
  - {name: token, type: string, secret: true}
steps:
  - id: approve
    uses: approval
    with: {approvers: [bob]}
  - id: a
    uses: test.step
    needs: approve
    with: {label: "a ${{ params.token }}", fail: true}
    retry: {attempts: 1}
`), func(in *Input) { in.Notify = true; in.Params = map[string]any{"token": "hunter22"} })
	require.Error(t, err)
	events := delivered()
	byType := map[string]activities.Event{}
	for _, ev := range events {
		byType[ev.Type] = ev
		assert.NotContains(t, ev.Message+ev.Error, "hunter22", "secrets never reach a notification")
		assert.Equal(t, "test", ev.Runbook)
	}
	// Notifications are delivered concurrently, so only their set is certain; every one
	// is delivered before the run completes.
	require.Len(t, events, 4)
	assert.Len(t, byType, 4)
	assert.Equal(t, []string{"bob"}, byType[activities.EventApprovalNeeded].Approvers)
	assert.Equal(t, "failed", byType[activities.EventRunFinished].State)
	assert.Equal(t, "a", byType[activities.EventStepFailed].Step)
}

// A run whose starter set its search attributes (bcdr's starters, child runs) sets only
// its outcome at the end; one started without them (by another tool) sets them first.
func TestSearchAttributesSetOnceWhenTheStarterSetThem(t *testing.T) {
	rb := parse(t, header+`steps:
  - {id: a, uses: wait, with: {duration: 1s}}
`)
	for _, tc := range []struct {
		name    string
		atStart bool
		upserts []string // the keys of each upsert, in order
	}{
		{"started with them", true, []string{"outcome"}},
		{"started without them", false, []string{"start", "outcome"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			in := Input{Runbook: rb, Mode: ModeDrill}
			if tc.atStart {
				require.NoError(t, h.env.SetTypedSearchAttributesOnStart(SearchAttributes(in)))
			}
			var got []string
			h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
				sa := args.Get(0).(temporal.SearchAttributes)
				if _, ok := sa.GetKeyword(temporal.NewSearchAttributeKeyKeyword(SAOutcome)); ok {
					got = append(got, "outcome")
				} else {
					got = append(got, "start")
				}
			}).Return(nil)
			st, err := h.run(t, rb, func(i *Input) { i.Mode = ModeDrill })
			require.NoError(t, err)
			assert.Equal(t, RunSucceeded, st.State)
			assert.Equal(t, tc.upserts, got)
		})
	}
}
