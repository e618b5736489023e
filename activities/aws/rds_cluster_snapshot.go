package aws

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.rds.restore_cluster_from_snapshot

type clusterSnapshotRestoreInput struct {
	SnapshotID      string `json:"db_cluster_snapshot_identifier,omitempty"`
	SourceClusterID string `json:"source_db_cluster_identifier,omitempty"`
	SnapshotBefore  string `json:"snapshot_before,omitempty"`
	KMSKeyID        string `json:"kms_key_id,omitempty"`
	clusterTarget
	Scope
}

var rdsRestoreClusterFromSnapshotSpec = newSpec[clusterSnapshotRestoreInput](runbooks.Kind{
	Name: "aws.rds.restore_cluster_from_snapshot",
	Description: "Restore a new Aurora DB cluster from a cluster snapshot in the step's region (given; or the newest available " +
		"snapshot of source_db_cluster_identifier, taken before snapshot_before when given, so that a restore after corruption " +
		"or ransomware skips the snapshots that hold it; a snapshot copied from another region is named by its identifier " +
		"or ARN), into the network given (subnet group and security groups are required unless allow_default_network), " +
		"create its writer instance (RestoreDBClusterFromSnapshot restores the cluster only), and wait until both are " +
		"available. The engine is the snapshot's. Tagged bcdr:managed; a retried step adopts what it created. Drill: restore " +
		"into a throwaway identifier with deletion_protection false and delete the cluster in the cleanup.",
	Inputs: append([]runbooks.Field{
		optStr("db_cluster_snapshot_identifier", "DB cluster snapshot identifier or ARN to restore"),
		optStr("source_db_cluster_identifier", "restore the newest available snapshot of this cluster (when db_cluster_snapshot_identifier is not given)"),
		optStr("snapshot_before", "with source_db_cluster_identifier: the newest snapshot created before this time (RFC 3339, e.g. the first bad write)"),
		optStr("kms_key_id", "KMS key to encrypt the new cluster with (required by AWS for an encrypted snapshot copied from another account or region without its key)"),
	}, clusterTargetInputs...),
	Outputs: append(append([]runbooks.Field{}, clusterRestoreOutputs...),
		field("db_cluster_snapshot_identifier", runbooks.TypeString, "the snapshot restored")),
	IAMActions: append([]string{"rds:DescribeDBClusters", "rds:DescribeDBClusterSnapshots", "rds:RestoreDBClusterFromSnapshot",
		"rds:DescribeDBInstances", "rds:CreateDBInstance", "rds:AddTagsToResource"}, rdsKMSActions...),
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(40 * time.Minute),
})

type clusterSnapshotRestorer interface {
	clusterBuilder
	DescribeDBClusterSnapshots(context.Context, *rds.DescribeDBClusterSnapshotsInput, ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotsOutput, error)
	RestoreDBClusterFromSnapshot(context.Context, *rds.RestoreDBClusterFromSnapshotInput, ...func(*rds.Options)) (*rds.RestoreDBClusterFromSnapshotOutput, error)
}

// RDSRestoreClusterFromSnapshot carries out aws.rds.restore_cluster_from_snapshot.
func (a *Actions) RDSRestoreClusterFromSnapshot(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsRestoreClusterFromSnapshotSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in clusterSnapshotRestoreInput, c *rds.Client) (activities.Result, error) {
		return a.restoreClusterFromSnapshot(ctx, c, req, in)
	}))
}

func (a *Actions) restoreClusterFromSnapshot(ctx context.Context, c clusterSnapshotRestorer, req activities.Request, in clusterSnapshotRestoreInput) (activities.Result, error) {
	in.defaultID(req)
	what := in.what()
	if (in.SnapshotID == "") == (in.SourceClusterID == "") {
		return nil, invalid("%s: give db_cluster_snapshot_identifier or source_db_cluster_identifier (one of them)", what)
	}
	before, err := snapshotBefore(what, in.SnapshotBefore)
	if err != nil {
		return nil, err
	}
	if err := in.network().check(what); err != nil {
		return nil, err
	}
	var snapshot string
	res, created, err := a.buildCluster(ctx, c, req, in.clusterTarget, in.SnapshotID+in.SourceClusterID, func([]rdstypes.Tag) (*rdstypes.DBCluster, error) {
		snap, err := clusterSnapshot(ctx, c, in.SnapshotID, in.SourceClusterID, before)
		if err != nil {
			return nil, err
		}
		snapshot = awssdk.ToString(snap.DBClusterSnapshotIdentifier)
		if in.SnapshotID != "" {
			snapshot = in.SnapshotID
		}
		logChange(ctx, "restore Aurora cluster from snapshot", "cluster", in.ClusterID, "snapshot", snapshot)
		out, err := c.RestoreDBClusterFromSnapshot(ctx, &rds.RestoreDBClusterFromSnapshotInput{
			DBClusterIdentifier:         awssdk.String(in.ClusterID),
			SnapshotIdentifier:          awssdk.String(snapshot),
			Engine:                      snap.Engine,
			EngineVersion:               snap.EngineVersion,
			DBSubnetGroupName:           optional(in.SubnetGroup),
			VpcSecurityGroupIds:         in.SecurityGroupIDs,
			DBClusterParameterGroupName: optional(in.ClusterParameterGroup),
			DeletionProtection:          awssdk.Bool(in.DeletionProtection),
			KmsKeyId:                    optional(in.KMSKeyID),
			Tags:                        restoreConfig{Tags: in.Tags}.tags(req, snapshot),
		})
		if err != nil {
			return nil, err
		}
		return out.DBCluster, nil
	})
	if err != nil {
		return nil, err
	}
	if !created {
		cl, err := describeCluster(ctx, c, in.ClusterID)
		if err != nil {
			return nil, err
		}
		snapshot = tagValue(cl.TagList, tagSnapshot)
	}
	res["db_cluster_snapshot_identifier"] = snapshot
	return res, nil
}

// clusterSnapshot is the snapshot named id, or the newest available snapshot of the
// cluster source taken before before.
func clusterSnapshot(ctx context.Context, c clusterSnapshotRestorer, id, source string, before time.Time) (rdstypes.DBClusterSnapshot, error) {
	q, owner := &rds.DescribeDBClusterSnapshotsInput{}, fmt.Sprintf("named %q", id)
	if id != "" {
		q.DBClusterSnapshotIdentifier = awssdk.String(id)
	} else {
		q.DBClusterIdentifier, owner = awssdk.String(source), fmt.Sprintf("of DB cluster %q", source)
	}
	var snaps []rdstypes.DBClusterSnapshot
	p := rds.NewDescribeDBClusterSnapshotsPaginator(c, q)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if isNotFound(err) {
			break
		}
		if err != nil {
			return rdstypes.DBClusterSnapshot{}, classify(err, "list DB cluster snapshots %s", owner)
		}
		snaps = append(snaps, out.DBClusterSnapshots...)
	}
	return newestBefore(snaps, clusterSnapshotInfo, before, owner)
}

func clusterSnapshotInfo(s rdstypes.DBClusterSnapshot) (string, *time.Time) {
	return awssdk.ToString(s.Status), s.SnapshotCreateTime
}
