package aws

import (
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

func createInstance(t *testing.T, c *rds.Client, id string) {
	t.Helper()
	_, err := c.CreateDBInstance(testCtx(t), &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: awssdk.String(id), DBInstanceClass: awssdk.String("db.t3.micro"),
		Engine: awssdk.String("postgres"), AllocatedStorage: awssdk.Int32(20),
		MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("not-a-secret-1"),
	})
	require.NoError(t, err)
}

func describe(t *testing.T, c *rds.Client, id string) *rds.DescribeDBInstancesOutput {
	t.Helper()
	out, err := c.DescribeDBInstances(testCtx(t), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: awssdk.String(id)})
	require.NoError(t, err)
	return out
}

func TestRDSPromoteReadReplica(t *testing.T) {
	a, c, ctx := rig(t, rds.NewFromConfig)
	createInstance(t, c, "orders-primary")
	_, err := c.CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{
		DBInstanceIdentifier: awssdk.String("orders-replica"), SourceDBInstanceIdentifier: awssdk.String("orders-primary"),
	})
	require.NoError(t, err)
	require.Equal(t, "orders-primary", awssdk.ToString(describe(t, c, "orders-replica").DBInstances[0].ReadReplicaSourceDBInstanceIdentifier))

	// moto 5.2 keeps ReadReplicaSourceDBInstanceIdentifier after PromoteReadReplica (only an
	// internal flag flips), so the wait until "no longer a replica" cannot finish against
	// it: wait:false here; TestRDSPromoteReadReplicaLifecycle covers the wait on the wire.
	with := map[string]any{"db_instance_identifier": "orders-replica", "backup_retention_period": 7, "wait": false}
	res, err := a.RDSPromoteReadReplica(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, true, res["promoted"])
	assert.Equal(t, "orders-primary", res["source_db_instance_identifier"])

	// run twice: the second attempt is success too
	_, err = a.RDSPromoteReadReplica(ctx, request(t, with))
	require.NoError(t, err)

	// an instance that is not a replica (already promoted) is success, without a call
	createInstance(t, c, "orders-standalone")
	res, err = a.RDSPromoteReadReplica(ctx, request(t, map[string]any{"db_instance_identifier": "orders-standalone"}))
	require.NoError(t, err)
	assert.Equal(t, false, res["promoted"])
	assert.Equal(t, "available", res["status"])
	assert.NotEmpty(t, res["endpoint"])

	_, err = a.RDSPromoteReadReplica(ctx, request(t, map[string]any{"db_instance_identifier": "no-such-replica"}))
	requireErrorType(t, err, activities.ErrNotFound, "no-such-replica")
}

func TestRDSRestoreFromSnapshotAndDelete(t *testing.T) {
	a, c, ctx := rig(t, rds.NewFromConfig)
	createInstance(t, c, "billing-db")
	_, err := c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{
		DBInstanceIdentifier: awssdk.String("billing-db"), DBSnapshotIdentifier: awssdk.String("billing-db-nightly"),
	})
	require.NoError(t, err)

	req := request(t, map[string]any{"source_db_instance_identifier": "billing-db", "db_instance_class": "db.t3.small", "allow_default_network": true})
	res, _ := requireInstanceRestored(t, c, a.RDSRestoreInstanceFromSnapshot, req)
	id := res["db_instance_identifier"].(string)
	assert.Equal(t, "billing-db-nightly", res["db_snapshot_identifier"])

	// wait_instance on the drill instance
	res, err = a.RDSWaitInstance(ctx, request(t, map[string]any{"db_instance_identifier": id}))
	require.NoError(t, err)
	assert.Equal(t, "available", res["status"])

	// cleanup refuses an instance bcdr did not create, deletes its own, and is idempotent
	_, err = a.RDSDeleteInstance(ctx, request(t, map[string]any{"db_instance_identifier": "billing-db"}))
	requireErrorType(t, err, activities.ErrValidation, "billing-db", "force")
	res, err = a.RDSDeleteInstance(ctx, request(t, map[string]any{"db_instance_identifier": id}))
	require.NoError(t, err)
	assert.Equal(t, true, res["deleted"])
	_, err = c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: awssdk.String(id)})
	assert.Equal(t, "DBInstanceNotFound", errorCode(err))
	res, err = a.RDSDeleteInstance(ctx, request(t, map[string]any{"db_instance_identifier": id}))
	require.NoError(t, err)
	assert.Equal(t, false, res["deleted"])

	_, err = a.RDSRestoreInstanceFromSnapshot(ctx, request(t, map[string]any{"db_snapshot_identifier": "no-such-snapshot", "allow_default_network": true}))
	requireErrorType(t, err, activities.ErrNotFound, "no-such-snapshot")
}

func createCluster(t *testing.T, c *rds.Client, id, global string, instances ...string) string {
	t.Helper()
	ctx := testCtx(t)
	in := &rds.CreateDBClusterInput{
		DBClusterIdentifier: awssdk.String(id), Engine: awssdk.String("aurora-postgresql"),
		MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("not-a-secret-1"),
	}
	if global != "" {
		in.GlobalClusterIdentifier = awssdk.String(global)
	}
	out, err := c.CreateDBCluster(ctx, in)
	require.NoError(t, err)
	for _, i := range instances {
		_, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: awssdk.String(i), DBClusterIdentifier: awssdk.String(id),
			DBInstanceClass: awssdk.String("db.r6g.large"), Engine: awssdk.String("aurora-postgresql"),
		})
		require.NoError(t, err)
	}
	return awssdk.ToString(out.DBCluster.DBClusterArn)
}

func TestRDSFailoverCluster(t *testing.T) {
	a, c, ctx := rig(t, rds.NewFromConfig)
	createCluster(t, c, "payments", "", "payments-1", "payments-2")
	cl, err := describeCluster(ctx, c, "payments")
	require.NoError(t, err)
	writer := clusterWriter(cl)
	require.NotEmpty(t, writer)
	target := bestReader(cl)
	require.NotEqual(t, writer, target)

	with := map[string]any{"db_cluster_identifier": "payments", "target_db_instance_identifier": target}
	res, err := a.RDSFailoverCluster(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, target, res["new_writer"])
	assert.Equal(t, writer, res["previous_writer"])
	cl, err = describeCluster(ctx, c, "payments")
	require.NoError(t, err)
	assert.Equal(t, target, clusterWriter(cl), "moto's cluster has the new writer")

	// again: the target already writes, nothing is done (no failover back)
	res, err = a.RDSFailoverCluster(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, false, res["changed"])
	cl, _ = describeCluster(ctx, c, "payments")
	assert.Equal(t, target, clusterWriter(cl))

	res, err = a.RDSWaitCluster(ctx, request(t, map[string]any{"db_cluster_identifier": "payments", "writer_db_instance_identifier": target}))
	require.NoError(t, err)
	assert.Equal(t, target, res["writer"])

	_, err = a.RDSFailoverCluster(ctx, request(t, map[string]any{"db_cluster_identifier": "payments", "target_db_instance_identifier": "nope-9"}))
	requireErrorType(t, err, activities.ErrNotFound, "payments", "nope-9")
	_, err = a.RDSWaitCluster(ctx, request(t, map[string]any{"db_cluster_identifier": "no-such-cluster"}))
	requireErrorType(t, err, activities.ErrNotFound, "no-such-cluster")
}

func TestRDSDetachFromGlobalCluster(t *testing.T) {
	a := newActions(t)
	// moto keeps global clusters in us-east-1 and removes a member only when asked there
	// about a cluster of that region, so both clusters live in us-east-1 here
	east := rds.NewFromConfig(sdkConfig(t, awstest.Region))
	ctx := testCtx(t)
	_, err := east.CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{
		GlobalClusterIdentifier: awssdk.String("shop-global"), Engine: awssdk.String("aurora-postgresql"),
	})
	require.NoError(t, err)
	createCluster(t, east, "shop-east", "shop-global", "shop-east-1")
	westARN := createCluster(t, east, "shop-west", "shop-global", "shop-west-1")
	g, err := describeGlobalCluster(ctx, east, "shop-global")
	require.NoError(t, err)
	require.NotNil(t, globalMember(g, westARN), "the secondary is a member")

	with := map[string]any{"global_cluster_identifier": "shop-global", "db_cluster_identifier": westARN, "region": awstest.Region}
	res, err := a.RDSDetachFromGlobalCluster(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, true, res["detached"])
	g, err = describeGlobalCluster(ctx, east, "shop-global")
	require.NoError(t, err)
	assert.Nil(t, globalMember(g, westARN), "moto's global cluster no longer has it")

	res, err = a.RDSDetachFromGlobalCluster(ctx, request(t, with))
	require.NoError(t, err, "a cluster already detached is success")
	assert.Equal(t, false, res["detached"])

	_, err = a.RDSDetachFromGlobalCluster(ctx, request(t, map[string]any{"global_cluster_identifier": "no-such-global", "db_cluster_identifier": westARN}))
	requireErrorType(t, err, activities.ErrNotFound, "no-such-global")
}

// cloudwatchClient speaks AWS JSON 1.1 to moto, like the actions (see cloudwatchClient).
func cloudwatchClient(t *testing.T) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(sdkConfig(t, awstest.Region), func(o *cloudwatch.Options) {
		o.Protocol = awsjson.New11(schemas.GraniteServiceVersion20100801)
	})
}

func TestRDSReplicaLag(t *testing.T) {
	a := newActions(t)
	cw := cloudwatchClient(t)
	ctx := testCtx(t)
	_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace: awssdk.String("AWS/RDS"),
		MetricData: []cwtypes.MetricDatum{{
			MetricName: awssdk.String("ReplicaLag"), Value: awssdk.Float64(42), Unit: cwtypes.StandardUnitSeconds,
			Timestamp:  awssdk.Time(time.Now().Add(-time.Minute)),
			Dimensions: []cwtypes.Dimension{{Name: awssdk.String("DBInstanceIdentifier"), Value: awssdk.String("lagging-replica")}},
		}},
	})
	require.NoError(t, err)

	res, err := a.RDSReplicaLag(ctx, request(t, map[string]any{"db_instance_identifier": "lagging-replica"}))
	require.NoError(t, err)
	assert.Equal(t, 42.0, res["lag_seconds"])
	assert.Equal(t, "ReplicaLag", res["metric"])

	_, err = a.RDSReplicaLag(ctx, request(t, map[string]any{"db_instance_identifier": "lagging-replica", "max_lag_seconds": 30}))
	requireErrorType(t, err, activities.ErrFailed, "lagging-replica", "42.0s")

	_, err = a.RDSReplicaLag(ctx, request(t, map[string]any{"db_instance_identifier": "silent-replica", "max_lag_seconds": 30}))
	requireErrorType(t, err, activities.ErrFailed, "silent-replica", "unknown")
}
