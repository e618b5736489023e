package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
