package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
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
