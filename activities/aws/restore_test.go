package aws

import (
	"context"
	"maps"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// network is a VPC with two subnets, a security group and a DB subnet group over them, in moto.
type network struct{ subnetGroup, securityGroup string }

func createNetwork(t *testing.T, c *rds.Client, name string) network {
	t.Helper()
	ctx := testCtx(t)
	e := ec2.NewFromConfig(sdkConfig(t, awstest.Region))
	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: awssdk.String("10.42.0.0/16")})
	require.NoError(t, err)
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, AvailabilityZone: awssdk.String(az),
			CidrBlock: awssdk.String([]string{"10.42.1.0/24", "10.42.2.0/24"}[i])})
		require.NoError(t, err)
		subnets = append(subnets, awssdk.ToString(sn.Subnet.SubnetId))
	}
	sg, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: awssdk.String(name + "-db"),
		Description: awssdk.String("database"), VpcId: vpc.Vpc.VpcId})
	require.NoError(t, err)
	_, err = c.CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{DBSubnetGroupName: awssdk.String(name + "-private"),
		DBSubnetGroupDescription: awssdk.String("private"), SubnetIds: subnets})
	require.NoError(t, err)
	return network{subnetGroup: name + "-private", securityGroup: awssdk.ToString(sg.GroupId)}
}

// TestRDSRestoreFromSnapshotTakesTheNetworkAndConfiguration: a restore given no subnet
// group, security groups or parameter group gets AWS's defaults (the default VPC and
// security group, the engine's default parameter group, Single-AZ, and possibly a public
// address: RestoreDBInstanceFromDBSnapshot, PubliclyAccessible,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html).
// The kind now refuses a restore without a network unless asked, passes what it is
// given, keeps the instance private by default, and can skip snapshots taken after the
// damage.
func TestRDSRestoreFromSnapshotTakesTheNetworkAndConfiguration(t *testing.T) {
	a, c, ctx := rig(t, rds.NewFromConfig)
	net := createNetwork(t, c, "ledger")
	_, err := c.CreateDBParameterGroup(ctx, &rds.CreateDBParameterGroupInput{DBParameterGroupName: awssdk.String("ledger-pg16"),
		DBParameterGroupFamily: awssdk.String("postgres16"), Description: awssdk.String("ledger settings")})
	require.NoError(t, err)
	createInstance(t, c, "ledger-db")
	_, err = c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: awssdk.String("ledger-db"), DBSnapshotIdentifier: awssdk.String("ledger-good")})
	require.NoError(t, err)
	beforeDamage := time.Now().UTC().Add(time.Second).Truncate(time.Second)
	time.Sleep(time.Until(beforeDamage.Add(time.Second))) // snapshot times have one-second resolution
	_, err = c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: awssdk.String("ledger-db"), DBSnapshotIdentifier: awssdk.String("ledger-corrupt")})
	require.NoError(t, err)

	_, err = a.RDSRestoreInstanceFromSnapshot(ctx, request(t, map[string]any{"source_db_instance_identifier": "ledger-db", "db_instance_identifier": "ledger-restored"}))
	requireErrorType(t, err, activities.ErrValidation, "ledger-restored", "db_subnet_group_name and vpc_security_group_ids", "allow_default_network")

	res, err := a.RDSRestoreInstanceFromSnapshot(ctx, request(t, map[string]any{
		"source_db_instance_identifier": "ledger-db", "db_instance_identifier": "ledger-restored",
		"snapshot_before":      beforeDamage.Format(time.RFC3339),
		"db_subnet_group_name": net.subnetGroup, "vpc_security_group_ids": []any{net.securityGroup},
		"multi_az": true, "db_parameter_group_name": "ledger-pg16", "deletion_protection": true,
		"tags": map[string]any{"cost-centre": "finance"},
	}))
	require.NoError(t, err)
	assert.Equal(t, "ledger-good", res["db_snapshot_identifier"], "the newest snapshot before the damage, not the newest")
	inst := describe(t, c, "ledger-restored").DBInstances[0]
	require.NotNil(t, inst.DBSubnetGroup)
	assert.Equal(t, net.subnetGroup, awssdk.ToString(inst.DBSubnetGroup.DBSubnetGroupName))
	require.Len(t, inst.VpcSecurityGroups, 1)
	assert.Equal(t, net.securityGroup, awssdk.ToString(inst.VpcSecurityGroups[0].VpcSecurityGroupId))
	assert.True(t, awssdk.ToBool(inst.MultiAZ))
	assert.False(t, awssdk.ToBool(inst.PubliclyAccessible))
	assert.True(t, awssdk.ToBool(inst.DeletionProtection))
	require.NotEmpty(t, inst.DBParameterGroups)
	assert.Equal(t, "ledger-pg16", awssdk.ToString(inst.DBParameterGroups[0].DBParameterGroupName))
	assert.Equal(t, "finance", tagValue(inst.TagList, "cost-centre"))

	_, err = a.RDSRestoreInstanceFromSnapshot(ctx, request(t, map[string]any{"source_db_instance_identifier": "ledger-db",
		"snapshot_before": "2001-01-01T00:00:00Z", "allow_default_network": true}))
	requireErrorType(t, err, activities.ErrNotFound, "ledger-db", "before 2001-01-01T00:00:00Z")
}

// TestRDSRestoreToPointInTime restores an instance's automated backups to a time, with the
// network and configuration given (RestoreDBInstanceToPointInTime,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html).
func TestRDSRestoreToPointInTime(t *testing.T) {
	a, c, _ := rig(t, rds.NewFromConfig)
	net := createNetwork(t, c, "orders")
	createInstance(t, c, "orders-db")

	at := time.Now().UTC().Add(-time.Minute).Truncate(time.Second).Format(time.RFC3339)
	req := request(t, map[string]any{"source_db_instance_identifier": "orders-db", "restore_time": at,
		"db_subnet_group_name": net.subnetGroup, "vpc_security_group_ids": []any{net.securityGroup}})
	res, inst := requireInstanceRestored(t, c, a.RDSRestoreInstanceToPointInTime, req)
	assert.Equal(t, at, res["restore_time"])
	assert.Equal(t, net.subnetGroup, awssdk.ToString(inst.DBSubnetGroup.DBSubnetGroupName))
	assert.False(t, awssdk.ToBool(inst.PubliclyAccessible))

	for _, bad := range []struct {
		with map[string]any
		want string
	}{
		{map[string]any{"source_db_instance_identifier": "orders-db", "allow_default_network": true}, "restore_time or use_latest_restorable_time"},
		{map[string]any{"source_db_instance_identifier": "orders-db", "restore_time": at, "use_latest_restorable_time": true, "allow_default_network": true}, "one of them"},
		{map[string]any{"restore_time": at, "allow_default_network": true}, "source_db_instance_identifier or source_db_instance_automated_backups_arn"},
		{map[string]any{"source_db_instance_identifier": "orders-db", "restore_time": "yesterday", "allow_default_network": true}, "RFC 3339"},
		{map[string]any{"source_db_instance_identifier": "orders-db", "use_latest_restorable_time": true}, "vpc_security_group_ids"},
	} {
		_, err := a.RDSRestoreInstanceToPointInTime(context.Background(), request(t, bad.with))
		requireErrorType(t, err, activities.ErrValidation, bad.want)
	}
}

// TestDynamoDBRestoreTableToPointInTime restores a table with point-in-time recovery into
// a new table (RestoreTableToPointInTime,
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html).
func TestDynamoDBRestoreTableToPointInTime(t *testing.T) {
	a, c, ctx := rig(t, dynamodb.NewFromConfig)
	for _, name := range []string{"invoices", "invoices-taken"} {
		_, err := c.CreateTable(ctx, awstest.KeyTable(name))
		require.NoError(t, err)
	}
	_, err := c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: awssdk.String("invoices"),
		PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: awssdk.Bool(true)}})
	require.NoError(t, err)

	with := map[string]any{"source_table": "invoices", "target_table": "invoices-restored", "use_latest_restorable_time": true}
	req := request(t, with)
	res, err := a.DynamoDBRestoreTableToPointInTime(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, "ACTIVE", res["status"])
	assert.Equal(t, true, res["created"])
	assert.Contains(t, res["table_arn"], ":table/invoices-restored")

	res, err = a.DynamoDBRestoreTableToPointInTime(ctx, req)
	require.NoError(t, err, "a retried attempt adopts its restore")
	assert.Equal(t, false, res["created"])

	_, err = a.DynamoDBRestoreTableToPointInTime(ctx, request(t, map[string]any{"source_table": "invoices", "target_table": "invoices-taken", "use_latest_restorable_time": true}))
	requireErrorType(t, err, activities.ErrValidation, "invoices-taken", "not a restore of")
	_, err = a.DynamoDBRestoreTableToPointInTime(ctx, request(t, map[string]any{"source_table": "invoices", "target_table": "x"}))
	requireErrorType(t, err, activities.ErrValidation, "restore_time or use_latest_restorable_time")
}

// requireInstanceRestored restores with req, which names no instance: the first attempt
// creates one named after the run and step, available and tagged bcdr:managed (the
// cleanup may delete it) with the run; a retried attempt adopts it, and another step may
// not take it over. It returns the first attempt's result and the instance.
func requireInstanceRestored(t *testing.T, c *rds.Client, restore func(context.Context, activities.Request) (activities.Result, error),
	req activities.Request) (activities.Result, rdstypes.DBInstance) {
	t.Helper()
	ctx := testCtx(t)
	first, err := restore(ctx, req)
	require.NoError(t, err)
	id := first["db_instance_identifier"].(string)
	assert.Regexp(t, `^bcdr-[0-9a-f]{16}$`, id, "a name derived from the run and step")
	assert.Equal(t, true, first["created"])
	assert.Equal(t, "available", first["status"])
	inst := describe(t, c, id).DBInstances[0]
	assert.Equal(t, "true", tagValue(inst.TagList, tagManaged), "the cleanup may delete it")
	assert.Equal(t, req.RunID, tagValue(inst.TagList, tagRunID))

	retried, err := restore(ctx, req)
	require.NoError(t, err, "a retried attempt adopts its instance")
	assert.Equal(t, id, retried["db_instance_identifier"])
	assert.Equal(t, false, retried["created"])

	other := req
	other.StepID = "another-step"
	other.With = maps.Clone(req.With)
	other.With["db_instance_identifier"] = id
	_, err = restore(ctx, other)
	requireErrorType(t, err, activities.ErrValidation, id, "not created by this step")
	return first, inst
}

// requireClusterRestored restores with req: the first attempt creates the cluster id and
// its writer id-1 (private), both available; a retried attempt adopts them, and another
// step may not take them over. It returns the results of both attempts.
func requireClusterRestored(t *testing.T, c *rds.Client, restore func(context.Context, activities.Request) (activities.Result, error),
	req activities.Request, id string) (first, retried activities.Result) {
	t.Helper()
	ctx := testCtx(t)
	first, err := restore(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, id, first["db_cluster_identifier"])
	assert.Equal(t, id+"-1", first["writer"])
	assert.Equal(t, true, first["created"])
	assert.Equal(t, "available", first["status"])
	inst := describe(t, c, id+"-1").DBInstances[0]
	assert.Equal(t, id, awssdk.ToString(inst.DBClusterIdentifier))
	assert.False(t, awssdk.ToBool(inst.PubliclyAccessible))

	retried, err = restore(ctx, req)
	require.NoError(t, err, "a retried attempt adopts its cluster and writer")
	assert.Equal(t, false, retried["created"])

	other := req
	other.StepID = "another-step"
	_, err = restore(ctx, other)
	requireErrorType(t, err, activities.ErrValidation, id, "not created by this step")
	return first, retried
}

// TestRDSRestoreClusterToPointInTime restores an Aurora cluster to a time and creates its
// writer: "This operation only restores the DB cluster, not the DB instances"
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterToPointInTime.html).
func TestRDSRestoreClusterToPointInTime(t *testing.T) {
	a, c, ctx := rig(t, rds.NewFromConfig)
	net := createNetwork(t, c, "payments")
	createCluster(t, c, "payments-aurora", "", "payments-aurora-1")

	at := time.Now().UTC().Add(-time.Minute).Truncate(time.Second).Format(time.RFC3339)
	req := request(t, map[string]any{"source_db_cluster_identifier": "payments-aurora", "db_cluster_identifier": "payments-restored",
		"restore_time": at, "writer_db_instance_class": "db.r6g.large",
		"db_subnet_group_name": net.subnetGroup, "vpc_security_group_ids": []any{net.securityGroup}})
	requireClusterRestored(t, c, a.RDSRestoreClusterToPointInTime, req, "payments-restored")

	// a refused restore names the cluster it would have created, not a DB instance
	for _, bad := range []struct {
		with map[string]any
		want string
	}{
		{map[string]any{"use_latest_restorable_time": true}, "db_subnet_group_name and vpc_security_group_ids"},
		{map[string]any{"allow_default_network": true}, "restore_time or use_latest_restorable_time"},
		{map[string]any{"restore_time": at, "use_latest_restorable_time": true, "allow_default_network": true}, "one of them"},
		{map[string]any{"restore_time": "yesterday", "allow_default_network": true}, "RFC 3339"},
	} {
		bad.with["source_db_cluster_identifier"], bad.with["db_cluster_identifier"] = "payments-aurora", "payments-refused"
		bad.with["writer_db_instance_class"] = "db.r6g.large"
		_, err := a.RDSRestoreClusterToPointInTime(ctx, request(t, bad.with))
		requireErrorType(t, err, activities.ErrValidation, `restore DB cluster "payments-refused"`, bad.want)
	}
}

// TestRDSRestoreClusterFromSnapshot: an Aurora cluster restored from a cluster snapshot
// (RestoreDBClusterFromSnapshot needs the engine, which the kind takes from the snapshot;
// it restores the cluster only, so the kind creates the writer:
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html),
// in the network given, adopted by a retried attempt, and refused into the default
// network unless asked; a restore after corruption skips snapshots taken after it.
func TestRDSRestoreClusterFromSnapshot(t *testing.T) {
	a, c, ctx := rig(t, rds.NewFromConfig)
	net := createNetwork(t, c, "ledger")
	createCluster(t, c, "ledger-aurora", "", "ledger-aurora-1")
	_, err := c.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: awssdk.String("ledger-aurora"),
		DBClusterSnapshotIdentifier: awssdk.String("ledger-nightly")})
	require.NoError(t, err)

	req := request(t, map[string]any{"db_cluster_snapshot_identifier": "ledger-nightly", "db_cluster_identifier": "ledger-restored",
		"writer_db_instance_class": "db.r6g.large", "db_subnet_group_name": net.subnetGroup, "vpc_security_group_ids": []any{net.securityGroup}})
	first, retried := requireClusterRestored(t, c, a.RDSRestoreClusterFromSnapshot, req, "ledger-restored")
	assert.Equal(t, "ledger-nightly", first["db_cluster_snapshot_identifier"])
	assert.Equal(t, "ledger-nightly", retried["db_cluster_snapshot_identifier"])
	cl, err := describeCluster(ctx, c, "ledger-restored")
	require.NoError(t, err)
	assert.Equal(t, "aurora-postgresql", awssdk.ToString(cl.Engine), "the snapshot's engine")
	assert.Equal(t, net.subnetGroup, awssdk.ToString(cl.DBSubnetGroup))

	_, err = a.RDSRestoreClusterFromSnapshot(ctx, request(t, map[string]any{"source_db_cluster_identifier": "ledger-aurora",
		"snapshot_before": "2020-01-01T00:00:00Z", "writer_db_instance_class": "db.r6g.large", "allow_default_network": true}))
	requireErrorType(t, err, activities.ErrNotFound, `no available snapshot of DB cluster "ledger-aurora" taken before 2020-01-01T00:00:00Z`)
	_, err = a.RDSRestoreClusterFromSnapshot(ctx, request(t, map[string]any{"db_cluster_snapshot_identifier": "ledger-nightly",
		"writer_db_instance_class": "db.r6g.large"}))
	requireErrorType(t, err, activities.ErrValidation, "db_subnet_group_name and vpc_security_group_ids")
	_, err = a.RDSRestoreClusterFromSnapshot(ctx, request(t, map[string]any{"writer_db_instance_class": "db.r6g.large", "allow_default_network": true}))
	requireErrorType(t, err, activities.ErrValidation, "give db_cluster_snapshot_identifier or source_db_cluster_identifier")
}
