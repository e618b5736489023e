package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
)

const rollCallRunbook = `steps:
  - id: roll
    uses: people.roll_call
    with:
      people: [alice, bob, frank]
      message: "incident ${{ params.incident }}: are you available?"
      timeout: 15m
      escalate_to: ["group:incident-commanders"]
      escalation_timeout: 10m
  - id: act
    uses: test.step
    needs: roll
    with: {label: act}
parameters:
  - {name: incident, type: string, default: INC-7}
`

// TestRollCallEscalatesTheMissing: of three people, two acknowledge; the timeout passes,
// the escalation list is told who is missing, and the outputs list the two with their
// times and the one missing. Someone not on the roll call is refused, and the refusal is
// recorded.
func TestRollCallEscalatesTheMissing(t *testing.T) {
	h := newHarness(t)
	delivered := h.recordEvents()
	alice := h.update(time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "alice"}})
	eve := h.update(2*time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "eve"}})
	bob := h.update(5*time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "bob"}, Comment: "on it"})
	bobAgain := h.update(6*time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "bob"}})

	st, err := h.run(t, parse(t, header+rollCallRunbook), func(in *Input) { in.Notify = true })
	require.NoError(t, err)
	events := delivered()
	require.NoError(t, alice())
	require.NoError(t, bob())
	assert.ErrorContains(t, eve(), `eve is not on the roll call of step "roll" (people: alice, bob, frank)`)
	assert.ErrorContains(t, bobAgain(), `bob has already acknowledged step "roll"`)

	roll := st.Step("roll")
	require.Equal(t, StepSucceeded, roll.Status, "a roll call with someone missing still ends: it says who is missing")
	at := func(d time.Duration) string { return st.StartedAt.Add(d).UTC().Format(time.RFC3339) }
	assert.Equal(t, []any{
		map[string]any{"user": "alice", "at": at(time.Minute)},
		map[string]any{"user": "bob", "at": at(5 * time.Minute)},
	}, roll.Outputs["acknowledged"])
	assert.Equal(t, []any{"frank"}, roll.Outputs["missing"])
	assert.Equal(t, true, roll.Outputs["escalated"])
	assert.Equal(t, 25*time.Minute, roll.EndedAt.Sub(st.StartedAt), "15m for the people, then 10m after escalating")
	assert.Equal(t, []string{"act"}, h.rec.called())

	require.Len(t, st.Refusals, 1, "only eve's request got past the validator: bob's second was rejected before it")
	assert.Equal(t, Refusal{Action: UpdateComplete, By: "eve", At: st.StartedAt.Add(2 * time.Minute), Step: "roll",
		Reason: `eve is not on the roll call of step "roll" (people: alice, bob, frank)`}, st.Refusals[0])

	byType := map[string]activities.Event{}
	for _, ev := range events {
		byType[ev.Type] = ev
	}
	needed, ok := byType[activities.EventRollCall]
	require.True(t, ok, "the people are told: %+v", events)
	assert.Equal(t, []string{"alice", "bob", "frank"}, needed.Approvers)
	assert.Contains(t, needed.Message, "incident INC-7: are you available?")
	esc, ok := byType[activities.EventRollCallEscalated]
	require.True(t, ok, "the escalation list is told: %+v", events)
	assert.Equal(t, []string{"group:incident-commanders"}, esc.Approvers)
	assert.Equal(t, "roll", esc.Step)
	assert.Contains(t, esc.Message, "frank did not acknowledge within 15m")
	assert.Equal(t, st.StartedAt.Add(15*time.Minute), esc.At)
}

// TestRollCallQuorumEndsItEarly: a quorum of two ends the roll call when the second
// person, here a member of a group named, acknowledges; nobody is escalated to.
func TestRollCallQuorumEndsItEarly(t *testing.T) {
	h := newHarness(t)
	h.update(time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "alice"}})
	h.update(3*time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "carol"}}) // in dba
	st, err := h.run(t, parse(t, header+`steps:
  - id: roll
    uses: people.roll_call
    with: {people: [alice, "group:dba", frank], quorum: 2, timeout: 1h, escalate_to: [irene]}
`))
	require.NoError(t, err)
	roll := st.Step("roll")
	assert.Equal(t, 3*time.Minute, roll.EndedAt.Sub(st.StartedAt))
	assert.Equal(t, []any{"frank"}, roll.Outputs["missing"])
	assert.Equal(t, false, roll.Outputs["escalated"])
	assert.Len(t, roll.Outputs["acknowledged"], 2)
}

// TestRollCallIsATabletopPrompt: in a tabletop the roll call is a prompt, answered and
// advanced like any other; nobody is notified.
func TestRollCallIsATabletopPrompt(t *testing.T) {
	h := newHarness(t)
	h.update(time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "alice"}, Comment: "I would page the DBAs"})
	h.update(2*time.Minute, UpdateAdvance, ControlRequest{Step: "roll", By: Actor{Name: "ic"}})
	h.update(3*time.Minute, UpdateAdvance, ControlRequest{Step: "act", By: Actor{Name: "ic"}})
	st, err := h.run(t, parse(t, header+rollCallRunbook), func(in *Input) { in.Mode = ModeTabletop })
	require.NoError(t, err)
	roll := st.Step("roll")
	assert.Equal(t, []any{"alice: I would page the DBAs"}, roll.Outputs["answers"])
	assert.Nil(t, roll.Outputs["escalated"])
}

// TestRollCallKeepsItsGroupsAcrossContinueAsNew: the history grows past the
// continue-as-new limit while a roll call is open (a parallel chain of steps runs on).
// The run must not continue as new before the roll call ends: the groups covered (carol
// answered for group:dba) live in the open task. The roll call ends when the last person
// acknowledges, with no one missing, and the carried record keeps its outputs.
func TestRollCallKeepsItsGroupsAcrossContinueAsNew(t *testing.T) {
	var src strings.Builder
	src.WriteString(header + `steps:
  - id: roll
    uses: people.roll_call
    with: {people: [alice, "group:dba", frank], timeout: 1h}
  - id: after
    uses: test.step
    needs: roll
    with: {label: after}
`)
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&src, "  - id: c%d\n    uses: test.step\n    with: {label: c%d}\n", i, i)
		if i > 0 {
			fmt.Fprintf(&src, "    needs: c%d\n", i-1)
		}
	}
	rb := parse(t, src.String())
	rec := &recorder{fails: map[string]int{}}
	in := Input{Runbook: rb, Mode: ModeLive, Initiator: Actor{Name: "ic"}, ContinueAfter: 12}
	var st Status
	var acks []func() error
	histories := 0
	for {
		histories++
		require.Less(t, histories, 10, "the run never ends")
		h := newHarness(t)
		h.rec = rec
		steps := 0
		activities.Register(h.env, activities.Action{Kind: testKind, Fn: func(ctx context.Context, req activities.Request) (activities.Result, error) {
			steps++
			h.env.SetCurrentHistoryLength(steps * 6)
			return rec.step(ctx, req)
		}})
		if histories == 1 {
			acks = append(acks,
				h.update(time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "carol"}}),
				h.update(2*time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "alice"}}),
				h.update(30*time.Minute, UpdateComplete, DecisionRequest{Step: "roll", By: Actor{Name: "frank"}}))
		}
		h.env.ExecuteWorkflow(WorkflowName, in)
		var can *workflow.ContinueAsNewError
		if err := h.env.GetWorkflowError(); errors.As(err, &can) {
			var next Input
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
			in = next
			continue
		}
		var err error
		st, err = h.result(t)
		require.NoError(t, err)
		break
	}
	assert.Greater(t, histories, 1, "the run continued as new")
	for i, ack := range acks {
		require.NoError(t, ack(), "acknowledgement %d", i)
	}
	roll := st.Step("roll")
	require.Equal(t, StepSucceeded, roll.Status)
	assert.Equal(t, []any{}, roll.Outputs["missing"], "carol's acknowledgement covers group:dba")
	assert.Len(t, roll.Outputs["acknowledged"], 3)
	assert.Equal(t, false, roll.Outputs["escalated"])
	assert.Equal(t, 30*time.Minute, roll.EndedAt.Sub(st.StartedAt), "it ended when frank, the last, acknowledged")
	assert.Contains(t, rec.called(), "after")
}
