package workflows

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"
)

// A run keeps every step's outputs in its state (for expressions, twice: raw and
// redacted), and that state travels whole in the status query, the result and a
// continue-as-new: past Temporal's 2 MB payload limit the run can no longer be read,
// cancelled or evidenced (issue 18, finding 5). So a run keeps outputs within a budget.
const (
	outputsChangeID = "output-budget"
	// outputsUnbounded: runs started before the budget replay keeping whole outputs.
	outputsUnbounded = workflow.DefaultVersion
	// outputsBudgeted: a step keeps at most maxStepOutputBytes of outputs and a run at
	// most maxRunOutputBytes; longer strings are cut, with truncatedMarker saying so.
	outputsBudgeted workflow.Version = 1

	maxStepOutputBytes = 16 << 10
	maxRunOutputBytes  = 256 << 10
	// minStringBytes is what a cut string keeps at least, once the run's budget is spent.
	minStringBytes = 256
)

// truncatedMarker ends a string the output budget cut; %d is the original length.
const truncatedMarker = "…[truncated from %d bytes: the run keeps at most %d KB of outputs per step and %d KB per run]"

// budgetOutputs returns out within the step's share of the run's output budget and
// whether it cut anything.
func (r *run) budgetOutputs(out map[string]any) (map[string]any, bool) {
	if r.outputsVersion < outputsBudgeted || out == nil {
		return out, false
	}
	allow := min(maxStepOutputBytes, max(maxRunOutputBytes-r.outputBytes, 0))
	size := jsonSize(out)
	if size <= allow {
		r.outputBytes += size
		return out, false
	}
	per := max(allow/max(countStrings(out), 1), minStringBytes)
	cut := cutStrings(out, per).(map[string]any)
	r.outputBytes += jsonSize(cut)
	return cut, true
}

func jsonSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

func countStrings(v any) int {
	switch x := v.(type) {
	case string:
		return 1
	case map[string]any:
		n := 0
		for _, e := range x {
			n += countStrings(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += countStrings(e)
		}
		return n
	}
	return 0
}

// cutStrings shortens every string of v longer than keep bytes, on a rune boundary.
func cutStrings(v any, keep int) any {
	switch x := v.(type) {
	case string:
		if len(x) <= keep {
			return x
		}
		n := keep
		for n > 0 && !utf8.RuneStart(x[n]) {
			n--
		}
		return x[:n] + fmt.Sprintf(truncatedMarker, len(x), maxStepOutputBytes>>10, maxRunOutputBytes>>10)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cutStrings(e, keep)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cutStrings(e, keep)
		}
		return out
	}
	return v
}
