package aws

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// retryEnv runs an action as a Temporal activity whose earlier attempt saved progress
// in its last heartbeat, as a worker that died mid-step would leave it.
func retryEnv(t *testing.T, act activities.Action, progress any) *testsuite.TestActivityEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(act.Fn, activity.RegisterOptions{Name: act.Kind.Name})
	if progress != nil {
		raw, err := json.Marshal(progress)
		require.NoError(t, err)
		env.SetHeartbeatDetails(heartbeatRecord{Progress: raw, Waiting: "something", State: "before the crash"})
	}
	return env
}

func action(t *testing.T, a *Actions, name string) activities.Action {
	for _, act := range a.Actions() {
		if act.Kind.Name == name {
			return act
		}
	}
	t.Fatalf("no kind %s", name)
	return activities.Action{}
}

// A failover_cluster without a target picks a reader. Its retry, after the first attempt
// failed the cluster over, must not pick again (the old writer is now a reader, and
// would be picked: a failover back). The heartbeat keeps the first attempt's choice.
func TestFailoverClusterRetryKeepsItsTarget(t *testing.T) {
	a, c, ctx := rig(t, rds.NewFromConfig)
	createCluster(t, c, "ledger", "", "ledger-a", "ledger-b")
	cl, err := describeCluster(ctx, c, "ledger")
	require.NoError(t, err)
	oldWriter, target := clusterWriter(cl), bestReader(cl)

	// the first attempt: failed over, then the worker died before reporting
	_, err = a.RDSFailoverCluster(ctx, request(t, map[string]any{"db_cluster_identifier": "ledger"}))
	require.NoError(t, err)
	cl, _ = describeCluster(ctx, c, "ledger")
	require.Equal(t, target, clusterWriter(cl))
	require.Equal(t, oldWriter, bestReader(cl), "without its progress, a retry would fail back")

	env := retryEnv(t, action(t, a, "aws.rds.failover_cluster"), failoverProgress{Target: target, Previous: oldWriter})
	val, err := env.ExecuteActivity("aws.rds.failover_cluster", request(t, map[string]any{"db_cluster_identifier": "ledger"}))
	require.NoError(t, err)
	var res activities.Result
	require.NoError(t, val.Get(&res))
	assert.Equal(t, target, res["new_writer"])
	assert.Equal(t, oldWriter, res["previous_writer"], "the writer before the first attempt")
	cl, _ = describeCluster(ctx, c, "ledger")
	assert.Equal(t, target, clusterWriter(cl), "no failover back")
}

// An upsert retried after its change went through reports the record as it was before
// the first attempt (what a rollback must restore), not the record it wrote itself.
func TestUpsertRetryReportsTheRecordBeforeTheFirstAttempt(t *testing.T) {
	a := newActions(t)
	c := route53.NewFromConfig(sdkConfig(t, awstest.Region))
	zone := createZone(t, c, "retry.example.com")
	ctx := testCtx(t)
	with := func(ip string) map[string]any {
		return map[string]any{"hosted_zone_id": zone, "name": "db.retry.example.com", "type": "A", "values": []any{ip}}
	}
	_, err := a.Route53UpsertRecord(ctx, request(t, with("10.0.0.1")))
	require.NoError(t, err)
	first, err := a.Route53UpsertRecord(ctx, request(t, with("10.0.0.2"))) // the first attempt
	require.NoError(t, err)

	before := recordInput{HostedZoneID: zone, Name: "db.retry.example.com.", Type: "A", Routing: "simple", TTL: 60, Values: []string{"10.0.0.1"}}
	env := retryEnv(t, action(t, a, "aws.route53.upsert_record"),
		changeProgress{ChangeID: first["change_id"].(string), PreviousExisted: true, Previous: &before})
	val, err := env.ExecuteActivity("aws.route53.upsert_record", request(t, with("10.0.0.2")))
	require.NoError(t, err)
	var res activities.Result
	require.NoError(t, val.Get(&res))
	assert.Equal(t, []any{"10.0.0.1"}, res["previous_values"])
	assert.Equal(t, first["change_id"], res["change_id"], "waited for the first attempt's change")
	assert.Equal(t, "INSYNC", res["status"])
}

// A rollback that deleted the record an upsert created, retried after its change went
// through, waits for that change and reports the delete, not "nothing to do".
func TestRestoreRetryAfterItsDeleteWentThrough(t *testing.T) {
	a := newActions(t)
	c := route53.NewFromConfig(sdkConfig(t, awstest.Region))
	zone, rollback := upsertNew(t, a, c, "new.restore-retry.example.com")
	first, err := a.Route53RestoreRecord(testCtx(t), request(t, rollback)) // the first attempt
	require.NoError(t, err)
	require.Empty(t, recordSets(t, c, zone, "new.restore-retry.example.com"))

	created := recordInput{HostedZoneID: zone, Name: "new.restore-retry.example.com.", Type: "CNAME", Routing: "simple", TTL: 60, Values: []string{"dr.example.com"}}
	env := retryEnv(t, action(t, a, "aws.route53.restore_record"),
		changeProgress{ChangeID: first["change_id"].(string), PreviousExisted: true, Previous: &created})
	val, err := env.ExecuteActivity("aws.route53.restore_record", request(t, rollback))
	require.NoError(t, err)
	var out activities.Result
	require.NoError(t, val.Get(&out))
	assert.Equal(t, "delete", out["action"])
	assert.Equal(t, first["change_id"], out["change_id"], "waited for the first attempt's change")
	assert.Equal(t, "INSYNC", out["status"])
}
