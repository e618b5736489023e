package workflows

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
)

// TestValuesDerivedFromSecretsAreRedacted: a secret transformed by an expression
// (upper, replace, concatenation) appeared in status and record.json (issue 18, finding
// 9). What an expression computes from a secret parameter or a secret output is a secret.
func TestValuesDerivedFromSecretsAreRedacted(t *testing.T) {
	h := newHarness(t)
	const token = "s3cr3t-value"
	rb := parse(t, header+`parameters:
  - {name: token, type: string, secret: true}
  - {name: region, type: string, default: eu-west-1}
steps:
  - id: a
    uses: test.step
    with: {label: a, value: "${{ upper(params.token) }}"}
    outputs:
      swapped: "${{ replace(params.token, 's3', 'S-3') }}"
      joined: "${{ params.region + '/' + params.token }}"
      where: "${{ upper(params.region) }}"
  - id: b
    uses: test.step
    needs: a
    with: {label: b, value: "${{ lower(steps.a.outputs.swapped) + '!' }}"}
`)
	st, err := h.run(t, rb, func(in *Input) { in.Params = map[string]any{"token": token, "region": "eu-west-1"} })
	require.NoError(t, err)
	record, err := json.Marshal(st)
	require.NoError(t, err)
	attacks := figures.NewAttacks(t, "18.9", "a value derived from a secret appears in the record")
	for _, derived := range []string{strings.ToUpper(token), "S-3cr3t-value", "eu-west-1/" + token, "s-3cr3t-value!"} {
		attacks.Try(!strings.Contains(string(record), derived))
		assert.NotContains(t, string(record), derived, "a value derived from the secret is redacted")
	}
	assert.Equal(t, "***", st.Step("a").Outputs["value"])
	assert.Equal(t, "***", st.Step("a").Outputs["swapped"])
	assert.Equal(t, "***", st.Step("b").Outputs["value"])
	assert.Equal(t, "EU-WEST-1", st.Step("a").Outputs["where"], "a value read from no secret stays")
	assert.Equal(t, "eu-west-1", st.Params["region"])
}
