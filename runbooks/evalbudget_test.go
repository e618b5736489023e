package runbooks

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEvaluationBudget: expressions that pass validation but cost in proportion to the
// product of the run's values (issue 18, finding 5) stop at the evaluation budget, fast;
// ordinary work on the same values stays within it and gives the same result.
func TestEvaluationBudget(t *testing.T) {
	body := strings.Repeat("x", 16000)
	lines := strings.Repeat("INFO all good\nERROR disk full\n", 500)
	s := Scope{Params: map[string]any{"items": []any{"a", "b", "c"}}, Steps: map[string]StepScope{
		"big":  {Status: "succeeded", Outputs: map[string]any{"value": body}},
		"logs": {Status: "succeeded", Outputs: map[string]any{"body": lines}},
	}}
	hostile := []string{
		`count(split(steps.big.outputs.value, ""), {all(split(steps.big.outputs.value, ""), {# == "x"})})`,
		`count(split(steps.big.outputs.value, ""), {steps.big.outputs.value contains #})`,
		`map(split(steps.big.outputs.value, ""), {len(upper(repeat(#, 100000)))})`,
		`reduce(split(steps.big.outputs.value, ""), {#acc + steps.big.outputs.value}, "")`,
		`sum(split(steps.big.outputs.value, ""), {count(split(steps.big.outputs.value, ""), {# == "y"})})`,
	}
	for _, src := range hostile {
		t.Run(src, func(t *testing.T) {
			require.Empty(t, validateOne(t, src), "the expression passes validation")
			start := time.Now()
			_, err := Expand("${{ "+src+" }}", s)
			require.ErrorContains(t, err, "evaluation budget exceeded")
			assert.ErrorContains(t, err, src[:10], "the error quotes the expression")
			assert.Less(t, time.Since(start), 3*time.Second, "the budget ends it in milliseconds (minutes before), even on a loaded machine")
		})
	}
	ordinary := map[string]any{
		`count(split(steps.logs.outputs.body, "\n"), {# startsWith "ERROR"})`:            500,
		`len(filter(1..10000, {# % 2 == 0}))`:                                            5000,
		`join(map(params.items, {upper(#)}), ",")`:                                       "A,B,C",
		`len(steps.big.outputs.value) + len(upper(steps.big.outputs.value))`:             32000,
		`steps.big.outputs.value contains "y" ? "odd" : "plain"`:                         "plain",
		`"a" in params.items && 5 in 1..9`:                                               true,
		`let n = len(params.items); n * 2`:                                               6,
		`findIndex(split(steps.logs.outputs.body, "\n"), {# contains "disk"})`:           1,
		`count(split(steps.logs.outputs.body, "\n"), {len(#) > 0}) > 0`:                  true,
		`reduce(params.items, {#acc + #}, "") + string(steps.big.status == "succeeded")`: "abctrue",
	}
	for src, want := range ordinary {
		t.Run(src, func(t *testing.T) {
			got, err := Expand("${{ "+src+" }}", s)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

// validateOne returns the validation errors of a runbook whose one step uses src.
func validateOne(t *testing.T, src string) []string {
	t.Helper()
	doc := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: t, service: s}\nsteps:\n" +
		"  - id: big\n    uses: noop\n    outputs: {value: '\"\"'}\n" +
		"  - id: logs\n    uses: noop\n    outputs: {body: '\"\"'}\n" +
		"  - id: use\n    uses: noop\n    needs: [big, logs]\n    when: '${{ (" + src + ") != nil }}'\n"
	_, diags := Parse("t.yaml", []byte(doc), nil)
	if !diags.HasErrors() {
		return nil
	}
	return []string{diags.Error()}
}
