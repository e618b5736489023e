package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIAMPolicyForEveryLibraryRunbook generates the policy of each library runbook with
// the CLI and checks it as an IAM policy document: version, statements with Effect,
// Action and Resource, and no wildcard action.
func TestIAMPolicyForEveryLibraryRunbook(t *testing.T) {
	e := newEnv(t)
	files, err := filepath.Glob("../../runbooks/library/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	withAWS := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			doc := checkPolicy(t, e.mustCLI("iam-policy", f))
			if len(doc.Statement) > 0 {
				withAWS++
			}
		})
	}
	assert.GreaterOrEqual(t, withAWS, 5, "the AWS runbooks of the library need permissions")
}

type policyDoc struct {
	Version   string
	Statement []map[string]json.RawMessage
}

// checkPolicy parses out as an IAM policy and checks its grammar and its actions.
func checkPolicy(t *testing.T, out string) policyDoc {
	t.Helper()
	var doc policyDoc
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	assert.Equal(t, "2012-10-17", doc.Version)
	require.NotNil(t, doc.Statement, "Statement is a list")
	for _, st := range doc.Statement {
		var effect string
		var actions, resources []string
		require.NoError(t, json.Unmarshal(st["Effect"], &effect))
		require.NoError(t, json.Unmarshal(st["Action"], &actions), "Action is a list of strings")
		require.NoError(t, json.Unmarshal(st["Resource"], &resources), "Resource is a list of strings")
		assert.Equal(t, "Allow", effect)
		assert.NotEmpty(t, actions)
		assert.NotEmpty(t, resources)
		for _, a := range actions {
			assert.Regexp(t, `^[a-z0-9-]+:[A-Za-z0-9]+$`, a, "no wildcard action")
		}
		for _, r := range resources {
			assert.True(t, r == "*" || strings.HasPrefix(r, "arn:aws:"), "resource %q", r)
		}
		for k := range st {
			assert.Contains(t, []string{"Sid", "Effect", "Action", "Resource", "Condition"}, k)
		}
	}
	return doc
}

func TestIAMPolicyErrors(t *testing.T) {
	e := newEnv(t)
	_, errOut, code := e.cli("iam-policy", "../../runbooks/library/aws-region-failover-web.yaml", "--param", "hosted_zone=Z1")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `parameter "hosted_zone": no runbook given declares it`)

	_, errOut, code = e.cli("iam-policy", "../../runbooks/library/aws-region-failover-web.yaml", "--role", "bcdr")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "not an IAM role ARN")
}
