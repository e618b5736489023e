package aws

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// TestSecretsManagerPromoteReplica: the replica is promoted with StopReplicationToReplica
// called in the DR region (moto lacks the operation: the fake answers as the API
// reference documents it, see awstest.Secrets), once: a retried step finds the secret
// standalone and does not call again.
func TestSecretsManagerPromoteReplica(t *testing.T) {
	fake := awstest.NewSecrets()
	fake.Add("payments/db", "us-east-1", map[string]string{"us-west-2": "InSync"})
	ep := awstest.Split(t, motoEndpoint(t), map[string]http.Handler{"secretsmanager": fake})
	a := New(Config{Region: "us-west-2", Endpoint: ep})
	ctx := testCtx(t)

	req := request(t, map[string]any{"secret_id": "payments/db"})
	res, err := a.SecretsManagerPromoteReplica(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, activities.Result{"arn": "arn:aws:secretsmanager:us-west-2:123456789012:secret:payments/db-AbCdEf",
		"promoted": true, "previous_primary_region": "us-east-1"}, res)
	assert.Equal(t, "us-west-2", fake.PrimaryRegion("payments/db", "us-west-2"))
	assert.Equal(t, map[string]int{"us-west-2": 1}, fake.Calls, "called in the DR region, never in the primary's")

	res, err = a.SecretsManagerPromoteReplica(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, false, res["promoted"], "already standalone: success without a second call")
	assert.Equal(t, 1, fake.Calls["us-west-2"])

	_, err = a.SecretsManagerPromoteReplica(ctx, request(t, map[string]any{"secret_id": "other"}))
	requireErrorType(t, err, activities.ErrNotFound, `describe secret "other"`)
}

func TestCheckSecretReplica(t *testing.T) {
	e := newCheckEnv(t)
	fake := awstest.NewSecrets()
	fake.Add("ok", "us-west-2", map[string]string{awstest.Region: "InSync"})
	fake.Add("broken", "us-west-2", map[string]string{awstest.Region: "Failed"})
	fake.Add("elsewhere", "us-west-2", map[string]string{"eu-west-1": "InSync"})
	e.a = New(Config{Region: awstest.Region, Endpoint: awstest.Split(t, e.a.cfg.Endpoint, map[string]http.Handler{"secretsmanager": fake})})

	assert.Equal(t, []string{`ready: secret "ok" has a replica in us-east-1, in sync with its primary in us-west-2`},
		only(e.check(t, "aws.secretsmanager.promote_replica", "{secret_id: ok}", false), "target"))
	assert.Equal(t, []string{`not ready: the replica of secret "broken" in us-east-1 failed to replicate: `},
		only(e.check(t, "aws.secretsmanager.promote_replica", "{secret_id: broken}", false), "target"))
	fs := only(e.check(t, "aws.secretsmanager.promote_replica", "{secret_id: elsewhere}", false), "target")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], `not ready: describe secret "elsewhere"`)
}
