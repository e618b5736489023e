package convert_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/librarytest"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/convert"
)

// AWS's own restart runbook converts whole: a StringList parameter becomes a list.
func TestSSMRestartEC2(t *testing.T) {
	_, rb, notes := converted(t, convert.SSM, "testdata/ssm-restart-ec2.yaml", librarytest.Registry(t))
	assert.Equal(t, []string{`ssm-restart-ec2.yaml:7:13: not converted: assumeRole "{{ AutomationAssumeRole }}": bcdr steps assume a role with their role_arn input (see bcdr iam-policy)`}, notes)
	assert.Equal(t, runbooks.ParamList, rb.Parameters[0].Type)
	assert.True(t, rb.Parameters[0].Required)
	require.Len(t, rb.Steps, 2)
	assert.Equal(t, "aws.ec2.stop_instances", rb.Steps[0].Uses)
	assert.Equal(t, "${{ params.InstanceId }}", rb.Steps[0].With["instance_ids"])
	assert.Equal(t, "aws.ec2.start_instances", rb.Steps[1].Uses)
	assert.Equal(t, []string{"stop-instances"}, rb.Steps[1].Needs)
}

func TestSSMActionsAndAPIs(t *testing.T) {
	_, rb, notes := converted(t, convert.SSM, "testdata/ssm-promote-replica.json", librarytest.Registry(t))
	assert.Equal(t, []string{
		`ssm-promote-replica.json:19:17: not converted: the step's outputs (selectors over the API's answer): the kind has outputs of its own, see bcdr kinds`,
		`ssm-promote-replica.json:21:139: not converted: input forceNewDeployment of ecs.UpdateService: the step kind aws.ecs.set_desired_count has no such input`,
		`ssm-promote-replica.json:22:5: not converted: action aws:executeScript has no step kind; it became a manual step`,
		`ssm-promote-replica.json:24:5: not converted: action aws:branch has no step kind; it became a manual step`,
		`ssm-promote-replica.json:24:60: not converted: isEnd: true: steps here run in the order of mainSteps`,
	}, notes)

	approve := rb.Step("approve")
	require.NotNil(t, approve.Approval)
	assert.Equal(t, []string{"IncidentCommander", "dba-oncall"}, approve.Approval.Approvers)
	assert.Equal(t, "Promote ${{ params.ReplicaId }}?", approve.Instructions)
	assert.Equal(t, "90s", rb.Step("settle").With["duration"])
	promote := rb.Step("promote")
	assert.Equal(t, "aws.rds.promote_read_replica", promote.Uses)
	assert.Equal(t, map[string]any{"db_instance_identifier": "${{ params.ReplicaId }}", "backup_retention_period": 7}, promote.With)
	assert.Equal(t, "15m", promote.Timeout.String())
	assert.Equal(t, 2, promote.Retry.Attempts)
	scale := rb.Step("scale-writers")
	assert.Equal(t, "aws.ecs.set_desired_count", scale.Uses)
	assert.Equal(t, runbooks.OnErrorContinue, scale.OnError)
	assert.Equal(t, "manual", rb.Step("notify-team").Uses)

	params := paramsByName(rb)
	assert.Equal(t, []any{"arn:aws:iam::123456789012:role/ops/IncidentCommander"}, params["Approvers"].Default)
	assert.Equal(t, []any{"gold", "silver"}, params["Tier"].Allowed)
	assert.Equal(t, runbooks.ParamNumber, params["Count"].Type)
}

func TestSSMRefusesOtherDocuments(t *testing.T) {
	_, err := convert.SSM("cmd.json", []byte(`{"schemaVersion": "2.2", "mainSteps": []}`))
	assert.EqualError(t, err, `cmd.json:1:19: schemaVersion "2.2" is not an Automation document's 0.3 (a Command document runs on instances; bcdr does not run it)`)
	_, err = convert.SSM("x.json", []byte(`{"a": 1}`))
	assert.ErrorContains(t, err, "not an SSM Automation document")
}
