package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
)

// TestExpensiveExpressionFailsItsStep: an expression that passes validation,
// count(split(body, ""), {all(split(body, ""), {# == "x"})}), spun for seconds per
// evaluation on a large body and tripped the deadlock detector, so the run could not be
// read or cancelled (issue 18, finding 5). Evaluation has a budget of steps: the
// expression fails its step, naming the step and the expression, and the run ends.
func TestExpensiveExpressionFailsItsStep(t *testing.T) {
	h := newHarness(t)
	const hog = `count(split(steps.big.outputs.value, ""), {all(split(steps.big.outputs.value, ""), {# == "x"})}) == len(steps.big.outputs.value)`
	rb := parse(t, header+`steps:
  - id: big
    uses: test.step
    with: {label: big, value: "${{ repeat('x', 16000) }}"}
  - id: hog
    uses: test.step
    needs: big
    when: '${{ `+hog+` }}'
    with: {label: hog}
  - id: hog_input
    uses: test.step
    needs: big
    with: {label: hog_input, value: '${{ `+hog+` }}'}
`)
	start := time.Now()
	st, err := h.run(t, rb)
	took := time.Since(start)
	require.Error(t, err)
	assert.Less(t, took, 10*time.Second, "the expensive expressions end their steps at once (the engine's deadlock detector stopped the run before)")
	assert.Equal(t, RunFailed, st.State)
	attacks := figures.NewAttacks(t, "18.5", "an expression that passes validation spins the workflow task")
	for _, id := range []string{"hog", "hog_input"} {
		s := st.Step(id)
		attacks.Try(s.Status == StepFailed && strings.Contains(s.Error, "evaluation budget"))
		assert.Equal(t, StepFailed, s.Status, id)
		assert.Contains(t, s.Error, "evaluation budget", id)
		assert.Contains(t, s.Error, `count(split(steps.big.outputs.value`, id)
	}
	assert.NotContains(t, h.rec.called(), "hog", "the step whose condition blew the budget did not run")
	assert.Contains(t, st.Error, "hog", "the run's error names the step")
}
