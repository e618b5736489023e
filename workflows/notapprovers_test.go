package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	assert.ErrorContains(t, byTriggerer(), "four-eyes rule: tom set this run off")
	assert.ErrorContains(t, byMaker(), "four-eyes rule: ic started this run")
	assert.NoError(t, byBob())
	assert.NoError(t, byCarol())
	assert.Len(t, st.Step("approve").Decisions, 2)
}
