package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProofFor(t *testing.T) {
	want := []string{"sha256:web"}
	cases := []struct {
		name  string
		proof Proof
		ok    bool
	}{
		{"authorized run of the catalogue's runbook", Proof{Service: "web", Digest: "sha256:web", Authorized: []string{"payments", "web"}}, true},
		{"not authorized for the service", Proof{Service: "web", Digest: "sha256:web", Authorized: []string{"payments"}}, false},
		{"record without authorization", Proof{Service: "web", Digest: "sha256:web"}, false},
		{"another runbook declaring the service", Proof{Service: "web", Digest: "sha256:forged", Authorized: []string{"web"}}, false},
		{"another service's run", Proof{Service: "payments", Digest: "sha256:web", Authorized: []string{"web", "payments"}}, false},
		{"no digest", Proof{Service: "web", Authorized: []string{"web"}}, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.ok, c.proof.For("web", want), c.name)
	}
	assert.False(t, Proof{Service: "", Digest: "d", Authorized: []string{""}}.For("", []string{"d"}), "a run of no service proves no service")
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
	assert.ErrorContains(t, byTriggerer(), "four-eyes rule: tom set this run off")
	assert.ErrorContains(t, byMaker(), "four-eyes rule: ic started this run")
	assert.NoError(t, byBob())
	assert.NoError(t, byCarol())
	assert.Len(t, st.Step("approve").Decisions, 2)
}
