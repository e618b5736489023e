package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
)

func TestProvenPolicyFromFile(t *testing.T) {
	c, err := Load(Source{Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	assert.Equal(t, runbooks.Policy{RequireProven: runbooks.ProvenWarn, Approvers: []string{}}, c.ProvenPolicy(), "default: warn")

	file := writeFile(t, "policy:\n  require_proven: approve\n  approvers: [\"group:dr-leads\", carol]\n")
	c, err = Load(Source{File: file, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	assert.Equal(t, runbooks.Policy{RequireProven: runbooks.ProvenApprove, Approvers: []string{"group:dr-leads", "carol"}}, c.ProvenPolicy())
}

func TestProvenPolicyBadValuesNameTheKey(t *testing.T) {
	file := writeFile(t, "policy:\n  require_proven: never\n")
	_, err := Load(Source{File: file, Getenv: func(string) string { return "" }})
	assert.ErrorContains(t, err, `config policy.require_proven: "never" is not one of warn, approve, refuse`)

	file = writeFile(t, "policy:\n  require_proven: approve\n")
	_, err = Load(Source{File: file, Getenv: func(string) string { return "" }})
	assert.ErrorContains(t, err, "config policy.approvers: policy.require_proven is approve, but no one is named to approve")
}
