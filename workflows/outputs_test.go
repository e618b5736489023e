package workflows

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
)

// TestOutputBudgetKeepsTheRunReadable: 45 steps with 64 KB outputs pushed the run's state
// past Temporal's 2 MB payload limit (issue 18, finding 5). The run keeps outputs within
// its budget, says where it cut, and its record stays well under the limit.
func TestOutputBudgetKeepsTheRunReadable(t *testing.T) {
	h := newHarness(t)
	var b strings.Builder
	b.WriteString(header + "steps:\n")
	for i := range 45 {
		fmt.Fprintf(&b, "  - id: s%d\n    uses: test.step\n    with: {label: s%d, value: \"${{ repeat('x', 65536) }}\"}\n", i, i)
	}
	b.WriteString("  - id: last\n    uses: test.step\n    needs: s0\n    with: {label: last, value: \"${{ len(steps.s0.outputs.value) }}\"}\n")
	st, err := h.run(t, parse(t, b.String()))
	require.NoError(t, err)

	record, err := json.Marshal(st)
	require.NoError(t, err)
	figures.NewAttacks(t, "18.5", "45 steps of 64 KB outputs wedge the run past the 2 MB payload limit").Try(len(record) < 1<<20 && st.State == RunSucceeded)
	assert.Less(t, len(record), 1<<20, "the record is far from the 2 MB payload limit")
	s0 := st.Step("s0")
	assert.True(t, s0.OutputsTruncated)
	v := s0.Outputs["value"].(string)
	assert.Less(t, len(v), maxStepOutputBytes+200)
	assert.Contains(t, v, "truncated from 65536 bytes")
	for i := range 45 {
		assert.True(t, st.Step(fmt.Sprintf("s%d", i)).OutputsTruncated, "s%d", i)
	}
	assert.Less(t, st.Step("last").Outputs["value"], float64(65536), "later steps see the cut value")
	assert.Equal(t, RunSucceeded, st.State)
}
