package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
)

// quorumOneRunbook's hold step keeps the run open after a decline, so that the
// decision that lost is answered before the run ends.
const quorumOneRunbook = `steps:
  - id: hold
    uses: wait
    with: {duration: 10m}
  - id: approve
    uses: approval
    with:
      approvers: [bob, carol]
      timeout: 1h
  - id: act
    uses: test.step
    needs: approve
    with: {label: act}
`

// TestConcurrentDecisionsFirstWins sends an approve and a decline at the same instant on a
// quorum-1 approval (issue 18, finding 7). Both pass the validator; whichever handler runs
// first closes the step, the other is refused (the API answers 409), and the record says
// who was refused, when and why. Before the fix both were accepted, and an acknowledged
// approval could lose to a later decline.
func TestConcurrentDecisionsFirstWins(t *testing.T) {
	h := newHarness(t)
	approve := h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}, Comment: "go"})
	decline := h.update(time.Minute, UpdateDecline, DecisionRequest{Step: "approve", By: Actor{Name: "carol"}, Comment: "stop"})
	st, runErr := h.run(t, parse(t, header+quorumOneRunbook))

	// The attack is the second decision: it must be refused (409), not acknowledged.
	figures.NewAttacks(t, "18.7", "approve and decline sent at once both acknowledged").Try((approve() == nil) != (decline() == nil))
	require.True(t, (approve() == nil) != (decline() == nil), "exactly one decision is acknowledged: approve %v, decline %v", approve(), decline())
	ap := st.Step("approve")
	require.Len(t, ap.Decisions, 1, "the acknowledged decision is the only one")
	require.Len(t, st.Refusals, 1, "approve: %v; decline: %v", approve(), decline())
	ref := st.Refusals[0]
	assert.Equal(t, "approve", ref.Step)
	assert.Equal(t, time.Minute, ref.At.Sub(st.StartedAt))
	if approve() == nil {
		require.NoError(t, runErr)
		assert.Equal(t, StepSucceeded, ap.Status)
		assert.Equal(t, "bob", ap.Decisions[0].By)
		assert.Equal(t, []string{"act"}, h.rec.called())
		assert.ErrorContains(t, decline(), `step "approve" is already approved (by bob)`)
		assert.Equal(t, Refusal{Action: UpdateDecline, By: "carol", At: ref.At, Step: "approve",
			Reason: `step "approve" is already approved (by bob); a later decision cannot change it`}, ref)
	} else {
		require.Error(t, runErr)
		assert.Equal(t, StepDeclined, ap.Status)
		assert.Equal(t, "carol", ap.Decisions[0].By)
		assert.Empty(t, h.rec.called())
		assert.ErrorContains(t, approve(), `step "approve" was already declined by carol`)
		assert.Equal(t, Refusal{Action: UpdateApprove, By: "bob", At: ref.At, Step: "approve",
			Reason: `step "approve" was already declined by carol; a later decision cannot change it`}, ref)
	}
}

// TestDecisionIdentityIsVerified: a decision sent straight to the engine names a user and
// claims a group (issue 18, finding 10). Groups come from the worker's configuration, so
// a claimed group approves nothing; a request without a valid assertion is refused; each
// refusal is recorded.
func TestDecisionIdentityIsVerified(t *testing.T) {
	h := newHarness(t)
	forgedGroups := h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "eve", Groups: []string{"dba"}}})
	unsigned := h.send(2*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}}, nil)
	wrongKey := h.send(3*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}}, []byte("an attacker's own key, 32 bytes!"))
	stale := h.send(4*time.Minute, UpdateApprove, Sign(testKey, "default-test-workflow-id", UpdateApprove,
		DecisionRequest{Step: "approve", By: Actor{Name: "bob"}}, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), nil)
	byCarol := h.update(5*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "carol"}, Comment: "go"})
	byBob := h.update(6*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}})
	st, err := h.run(t, parse(t, header+approvalRunbook))
	require.NoError(t, err, "refusals: %+v; carol: %v; bob: %v", st.Refusals, byCarol(), byBob())

	attacks := figures.NewAttacks(t, "18.10", "a decision with a claimed identity or groups, unsigned, signed wrongly or replayed")
	for _, sent := range []func() error{forgedGroups, unsigned, wrongKey, stale} {
		attacks.Try(sent() != nil)
	}
	assert.ErrorContains(t, forgedGroups(), "eve is not an approver")
	assert.ErrorContains(t, unsigned(), "no identity assertion")
	assert.ErrorContains(t, wrongKey(), "signature does not verify")
	assert.ErrorContains(t, stale(), "more than 5m0s from the run's clock")
	assert.NoError(t, byCarol(), "carol is in dba by the worker's configuration, though she claimed no group")
	assert.NoError(t, byBob(), "%+v", st.Step("approve"))
	ap := st.Step("approve")
	require.Len(t, ap.Decisions, 2)
	assert.Equal(t, []string{"carol", "bob"}, []string{ap.Decisions[0].By, ap.Decisions[1].By})
	require.Len(t, st.Refusals, 4)
	assert.Equal(t, Refusal{Action: UpdateApprove, By: "eve", At: st.StartedAt.Add(time.Minute), Step: "approve",
		Reason: `eve is not an approver of step "approve" (approvers: bob, group:dba)`}, st.Refusals[0])
	for _, r := range st.Refusals[1:] {
		assert.Equal(t, "bob", r.By)
	}
}

// TestWhoSetARunOffCannotApproveIt: the people in NotApprovers (a schedule's
// triggerer) are held to the four-eyes rule like the initiator (issue 18, finding 2).
func TestWhoSetARunOffCannotApproveIt(t *testing.T) {
	h := newHarness(t)
	byTriggerer := h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "tom", Groups: []string{"dba"}}})
	byMaker := h.update(2*time.Minute, UpdateDecline, DecisionRequest{Step: "approve", By: Actor{Name: "ic", Groups: []string{"dba"}}, Comment: "no"})
	byBob := h.update(3*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "bob"}})
	byCarol := h.update(4*time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "carol", Groups: []string{"dba"}}})
	st, err := h.run(t, parse(t, header+approvalRunbook), func(in *Input) { in.NotApprovers = []string{"tom"} })
	require.NoError(t, err)
	attacks := figures.NewAttacks(t, "18.2", "who made or triggered a schedule approves its run")
	for _, err := range []error{byTriggerer(), byMaker()} {
		attacks.Try(err != nil && strings.Contains(err.Error(), "four-eyes rule"))
	}
	assert.ErrorContains(t, byTriggerer(), "four-eyes rule: tom set this run off")
	assert.ErrorContains(t, byMaker(), "four-eyes rule: ic started this run")
	assert.NoError(t, byBob())
	assert.NoError(t, byCarol())
	assert.Len(t, st.Step("approve").Decisions, 2)
}

func TestApproversSeeTheStepsNameAndRenderedInstructions(t *testing.T) {
	h := newHarness(t)
	rb := parse(t, header+`parameters:
  - {name: region, type: string, default: eu-west-1}
steps:
  - id: gate
    name: Approve the failover
    uses: approval
    instructions: "Traffic leaves ${{ params.region }} for good: check the replica lag first."
    with: {approvers: [bob]}
  - id: call
    name: Call the DBA
    uses: manual
    needs: gate
    instructions: "Ask the DBA on call to watch ${{ params.region }}."
`)
	var gate, call Status
	h.env.RegisterDelayedCallback(func() { gate = h.query(t) }, time.Minute)
	h.update(2*time.Minute, UpdateApprove, DecisionRequest{Step: "gate", By: Actor{Name: "bob"}})
	h.env.RegisterDelayedCallback(func() { call = h.query(t) }, 3*time.Minute)
	h.update(4*time.Minute, UpdateComplete, DecisionRequest{Step: "call", By: Actor{Name: "carol"}})
	_, err := h.run(t, rb, func(in *Input) { in.Params = map[string]any{"region": "us-east-1"} })
	require.NoError(t, err)

	require.Len(t, gate.Pending, 1)
	assert.Equal(t, "Approve the failover", gate.Pending[0].Name)
	assert.Equal(t, "Traffic leaves us-east-1 for good: check the replica lag first.", gate.Pending[0].Prompt, "an approver reads the step's instructions, rendered")
	require.Len(t, call.Pending, 1)
	assert.Equal(t, "Call the DBA", call.Pending[0].Name)
	assert.Equal(t, "Ask the DBA on call to watch us-east-1.", call.Pending[0].Prompt)
}
