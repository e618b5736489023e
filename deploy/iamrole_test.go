package deploy

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
)

// TestCrossAccountRoleTemplate checks the CloudFormation template of the role bcdr
// assumes in target accounts: trusted by one role only, with an external id.
func TestCrossAccountRoleTemplate(t *testing.T) {
	src := fixture.Read(t, "iam/cross-account-role.json")
	var tpl struct {
		AWSTemplateFormatVersion string
		Parameters               map[string]map[string]any
		Resources                map[string]struct {
			Type       string
			Properties struct {
				AssumeRolePolicyDocument struct {
					Version   string
					Statement []struct {
						Effect    string
						Principal map[string]any
						Action    string
						Condition map[string]map[string]any
					}
				}
				ManagedPolicyArns []any
			}
		}
	}
	require.NoError(t, json.Unmarshal(src, &tpl))
	assert.Equal(t, "2010-09-09", tpl.AWSTemplateFormatVersion)
	role := tpl.Resources["RecoveryRole"]
	assert.Equal(t, "AWS::IAM::Role", role.Type)
	doc := role.Properties.AssumeRolePolicyDocument
	assert.Equal(t, "2012-10-17", doc.Version)
	require.Len(t, doc.Statement, 1)
	st := doc.Statement[0]
	assert.Equal(t, "Allow", st.Effect)
	assert.Equal(t, "sts:AssumeRole", st.Action)
	assert.Equal(t, map[string]any{"Ref": "TrustedWorkerRoleArn"}, st.Principal["AWS"], "one trusted role, never *")
	assert.Equal(t, map[string]any{"Ref": "ExternalId"}, st.Condition["StringEquals"]["sts:ExternalId"])
	assert.Equal(t, true, tpl.Parameters["ExternalId"]["NoEcho"])
	assert.Equal(t, []any{map[string]any{"Ref": "PermissionsPolicyArn"}}, role.Properties.ManagedPolicyArns)
	for name, p := range tpl.Parameters {
		assert.NotEmpty(t, p["Description"], name)
	}
}
