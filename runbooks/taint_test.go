package runbooks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTaintMarksWhatSecretsMake(t *testing.T) {
	const token = "s3cr3t-token-value"
	var found []string
	taint := &Taint{Secret: func(s string) bool { return strings.Contains(s, token) }, Add: func(s string) { found = append(found, s) }}
	s := Scope{
		Params: map[string]any{"token": token, "region": "eu-west-1"},
		Steps:  map[string]StepScope{"login": {Status: "succeeded", Outputs: map[string]any{"session": "Bearer " + token, "user": "svc"}}},
	}.WithTaint(taint)
	out, err := ExpandMap(map[string]any{
		"upper":   "${{ upper(params.token) }}",
		"replace": "x-${{ replace(params.token, 's', 'z') }}-y",
		"concat":  "${{ params.region + params.token }}",
		"output":  "${{ lower(steps.login.outputs.session) }}",
		"indexed": "${{ trim(params[\"tok\" + \"en\"]) + \"!\" }}",
		"region":  "${{ upper(params.region) }}",
		"user":    "${{ steps.login.outputs.user }}",
	}, s)
	require.NoError(t, err)
	for _, k := range []string{"upper", "concat", "output", "indexed"} {
		assert.Contains(t, found, out[k], "%s is derived from the token", k)
	}
	assert.Contains(t, found, "z3cr3t-token-value", "the part of an interpolation derived from the token")
	assert.NotContains(t, found, "EU-WEST-1", "a value read from no secret is not one")
	assert.NotContains(t, found, "svc")

	res, err := DeriveOutputs(&Step{ID: "a", Outputs: map[string]string{"k": "${{ upper(result.key) }}", "n": "${{ result.name }}"}},
		map[string]any{"key": token, "name": "plain"}, s)
	require.NoError(t, err)
	assert.Contains(t, found, res["k"])
	assert.NotContains(t, found, "plain")

	ok, err := EvalBool("${{ params.token != '' }}", s)
	require.NoError(t, err)
	assert.True(t, ok)
}
