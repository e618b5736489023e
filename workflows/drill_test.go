package workflows

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
)

// TestDrillRunsNoUndeclaredSideEffects: in a drill, a step whose kind changes the world
// and that has no drill variant does not run (issue 18, finding 3: an operator could run
// live side effects "in a drill"); drill: {live: true} runs it for real, and the record
// says which steps were left out and why.
func TestDrillRunsNoUndeclaredSideEffects(t *testing.T) {
	h := newHarness(t)
	st, err := h.run(t, parse(t, header+`steps:
  - id: flip_dns
    uses: test.step
    with: {label: flip-dns}
  - id: canary
    uses: test.step
    with: {label: canary}
    drill: {live: true}
  - id: copy
    uses: test.step
    with: {label: live-copy}
    drill: {with: {label: drill-copy}}
  - id: after
    uses: wait
    with: {duration: 1s}
    needs: [flip_dns, canary, copy]
`), func(in *Input) { in.Mode = ModeDrill })
	require.NoError(t, err)
	figures.NewAttacks(t, "18.3", "a drill runs a real side effect that has no drill variant").Try(!slices.Contains(h.rec.called(), "flip-dns"))
	assert.ElementsMatch(t, []string{"canary", "drill-copy"}, h.rec.called(), "flip-dns never ran")
	assert.Equal(t, StepSkipped, st.Steps[0].Status)
	assert.Contains(t, st.Steps[0].Reason, "would act for real and has no drill variant")
	assert.Equal(t, StepSucceeded, st.Steps[1].Status)
	assert.False(t, st.Steps[1].Drill, "a live step runs its own action")
	assert.True(t, st.Steps[2].Drill)
	assert.Equal(t, StepSucceeded, st.Steps[3].Status, "steps that need a left-out step still run")

	h = newHarness(t)
	_, err = h.run(t, parse(t, header+`steps:
  - id: flip_dns
    uses: test.step
    with: {label: flip-dns}
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"flip-dns"}, h.rec.called(), "a live run runs it")
}
