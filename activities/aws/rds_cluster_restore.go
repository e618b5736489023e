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

// ---- aws.rds.restore_cluster_to_point_in_time

type clusterRestoreInput struct {
	SourceClusterID         string `json:"source_db_cluster_identifier"`
	RestoreTime             string `json:"restore_time,omitempty"`
	UseLatestRestorableTime bool   `json:"use_latest_restorable_time"`
	clusterTarget
	Scope
}

// clusterTarget is the new cluster both cluster restores create: its identity, network,
// configuration and writer. RestoreDBClusterToPointInTime and RestoreDBClusterFromSnapshot
// put a cluster with no security group given into the default one, and "only restore the
// DB cluster, not the DB instances" (the API references), so the network is required
// unless the step says otherwise and the writer is created by the step.
type clusterTarget struct {
	ClusterID             string            `json:"db_cluster_identifier,omitempty"`
	WriterClass           string            `json:"writer_db_instance_class"`
	SubnetGroup           string            `json:"db_subnet_group_name,omitempty"`
	SecurityGroupIDs      []string          `json:"vpc_security_group_ids,omitempty"`
	AllowDefaultNetwork   bool              `json:"allow_default_network"`
	ClusterParameterGroup string            `json:"db_cluster_parameter_group_name,omitempty"`
	DeletionProtection    bool              `json:"deletion_protection"`
	Tags                  map[string]string `json:"tags,omitempty"`
	Wait                  bool              `json:"wait"`
}

var clusterTargetInputs = []runbooks.Field{
	optStr("db_cluster_identifier", "identifier of the new cluster (default: bcdr-<hash of run and step>); its writer is <id>-1"),
	reqStr("writer_db_instance_class", "instance class of the writer, e.g. db.r6g.large"),
	optStr("db_subnet_group_name", "DB subnet group (required unless allow_default_network)"),
	field("vpc_security_group_ids", runbooks.TypeList, "VPC security group ids (required unless allow_default_network)"),
	withDefault(field("allow_default_network", runbooks.TypeBool, "restore into the default VPC and its default security group"), false),
	optStr("db_cluster_parameter_group_name", "DB cluster parameter group (default: the engine's default, not the source's)"),
	withDefault(field("deletion_protection", runbooks.TypeBool, "turn on deletion protection"), false),
	field("tags", runbooks.TypeMap, "extra tags"),
	waitInput(true, "the cluster and its writer are available"),
}

var clusterRestoreOutputs = []runbooks.Field{
	field("db_cluster_identifier", runbooks.TypeString, "the new cluster"),
	field("writer", runbooks.TypeString, "its writer instance"),
	field("endpoint", runbooks.TypeString, "the cluster (writer) endpoint"),
	field("reader_endpoint", runbooks.TypeString, "the reader endpoint"),
	field("status", runbooks.TypeString, "cluster status"),
	field("created", runbooks.TypeBool, "false when an earlier attempt of this step had created the cluster"),
}

var rdsRestoreClusterToPointInTimeSpec = newSpec[clusterRestoreInput](runbooks.Kind{
	Name: "aws.rds.restore_cluster_to_point_in_time",
	Description: "Restore a new Aurora DB cluster from a cluster's backups as it was at restore_time (just before the first bad " +
		"write) or at its latest restorable time, into the network given (subnet group and security groups are required " +
		"unless allow_default_network), create its writer instance (RestoreDBClusterToPointInTime restores the cluster " +
		"only), and wait until both are available. Tagged bcdr:managed; a retried step adopts what it created. Drill: " +
		"restore into a throwaway identifier with deletion_protection false and delete the cluster in the cleanup.",
	Inputs: append([]runbooks.Field{
		reqStr("source_db_cluster_identifier", "the cluster whose backups are restored (same region)"),
		optStr("restore_time", "the time to restore to (RFC 3339); or use_latest_restorable_time"),
		withDefault(field("use_latest_restorable_time", runbooks.TypeBool, "restore to the latest restorable time"), false),
	}, clusterTargetInputs...),
	Outputs: clusterRestoreOutputs,
	IAMActions: append([]string{"rds:DescribeDBClusters", "rds:RestoreDBClusterToPointInTime", "rds:DescribeDBInstances",
		"rds:CreateDBInstance", "rds:AddTagsToResource"}, rdsKMSActions...),
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(40 * time.Minute),
})

// clusterBuilder reads a restored cluster and creates its writer.
type clusterBuilder interface {
	clusterDescriber
	instanceDescriber
	CreateDBInstance(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error)
}

type clusterRestorer interface {
	clusterBuilder
	RestoreDBClusterToPointInTime(context.Context, *rds.RestoreDBClusterToPointInTimeInput, ...func(*rds.Options)) (*rds.RestoreDBClusterToPointInTimeOutput, error)
}

// RDSRestoreClusterToPointInTime carries out aws.rds.restore_cluster_to_point_in_time.
func (a *Actions) RDSRestoreClusterToPointInTime(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsRestoreClusterToPointInTimeSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in clusterRestoreInput, c *rds.Client) (activities.Result, error) {
		return a.restoreCluster(ctx, c, req, in)
	}))
}

func (a *Actions) restoreCluster(ctx context.Context, c clusterRestorer, req activities.Request, in clusterRestoreInput) (activities.Result, error) {
	in.defaultID(req)
	at, err := restoreTime(in.what(), in.RestoreTime, in.UseLatestRestorableTime)
	if err != nil {
		return nil, err
	}
	if err := in.network().check(in.what()); err != nil {
		return nil, err
	}
	res, _, err := a.buildCluster(ctx, c, req, in.clusterTarget, in.SourceClusterID, func(tags []rdstypes.Tag) (*rdstypes.DBCluster, error) {
		input := &rds.RestoreDBClusterToPointInTimeInput{
			DBClusterIdentifier:         awssdk.String(in.ClusterID),
			SourceDBClusterIdentifier:   awssdk.String(in.SourceClusterID),
			DBSubnetGroupName:           optional(in.SubnetGroup),
			VpcSecurityGroupIds:         in.SecurityGroupIDs,
			DBClusterParameterGroupName: optional(in.ClusterParameterGroup),
			DeletionProtection:          awssdk.Bool(in.DeletionProtection),
			Tags:                        tags,
		}
		input.UseLatestRestorableTime, input.RestoreToTime = restorePoint(in.UseLatestRestorableTime, at)
		logChange(ctx, "restore Aurora cluster to a point in time", "cluster", in.ClusterID, "source", in.SourceClusterID, "time", in.RestoreTime)
		out, err := c.RestoreDBClusterToPointInTime(ctx, input)
		if err != nil {
			return nil, err
		}
		return out.DBCluster, nil
	})
	return res, err
}

// defaultID names the new cluster after the run and step when the step does not.
func (t *clusterTarget) defaultID(req activities.Request) {
	if t.ClusterID == "" {
		t.ClusterID = restoredName(req, "restore-cluster")
	}
}

// what names the restore in errors.
func (t clusterTarget) what() string { return fmt.Sprintf("restore DB cluster %q", t.ClusterID) }

// network is the target's network, for the checks instance restores share.
func (t clusterTarget) network() restoreConfig {
	return restoreConfig{SubnetGroup: t.SubnetGroup, SecurityGroupIDs: t.SecurityGroupIDs, AllowDefaultNetwork: t.AllowDefaultNetwork}
}

// buildCluster creates the new cluster with start (tagged as bcdr's, from source), or
// adopts the one an earlier attempt of this step created, then creates its writer and
// waits for both. created is false when the cluster was adopted.
func (a *Actions) buildCluster(ctx context.Context, c clusterBuilder, req activities.Request, t clusterTarget, source string,
	start func(tags []rdstypes.Tag) (*rdstypes.DBCluster, error)) (res activities.Result, created bool, err error) {
	what := t.what()
	tags := restoreConfig{Tags: t.Tags}.tags(req, source)
	cl, err := describeClusterOrNil(ctx, c, t.ClusterID)
	if err != nil {
		return nil, false, err
	}
	cl, created, err = adoptOrStart(what, cl, func(cl *rdstypes.DBCluster) bool { return madeByStep(cl.TagList, req) },
		"a cluster with this identifier exists and was not created by this step", "DBClusterAlreadyExistsFault",
		func() (*rdstypes.DBCluster, error) {
			cl, err := start(tags)
			return cl, classify(err, "%s from %q", what, source)
		})
	if err != nil {
		return nil, false, err
	}
	// "This operation only restores the DB cluster, not the DB instances for that DB
	// cluster. You must invoke the CreateDBInstance operation"
	// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterToPointInTime.html,
	// and the same in API_RestoreDBClusterFromSnapshot.html)
	writer := t.ClusterID + "-1"
	inst, err := describeInstance(ctx, c, writer)
	if err != nil {
		return nil, false, err
	}
	if inst == nil {
		logChange(ctx, "create the restored cluster's writer", "cluster", t.ClusterID, "instance", writer)
		_, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: awssdk.String(writer),
			DBClusterIdentifier:  awssdk.String(t.ClusterID),
			DBInstanceClass:      awssdk.String(t.WriterClass),
			Engine:               cl.Engine,
			PubliclyAccessible:   awssdk.Bool(false),
			Tags:                 tags,
		})
		if err != nil && errorCode(err) != "DBInstanceAlreadyExists" {
			return nil, false, classify(err, "%s: create writer %q", what, writer)
		}
	}
	if t.Wait {
		if _, err := a.waitInstance(ctx, c, writer, "available", nil); err != nil {
			return nil, false, err
		}
		if cl, err = a.waitCluster(ctx, c, t.ClusterID, "available", anyWriter); err != nil {
			return nil, false, err
		}
	}
	return activities.Result{"db_cluster_identifier": t.ClusterID, "writer": writer, "endpoint": awssdk.ToString(cl.Endpoint),
		"reader_endpoint": awssdk.ToString(cl.ReaderEndpoint), "status": awssdk.ToString(cl.Status), "created": created}, created, nil
}

// describeClusterOrNil returns the cluster, or nil when it does not exist.
func describeClusterOrNil(ctx context.Context, c clusterDescriber, id string) (*rdstypes.DBCluster, error) {
	cl, err := describeCluster(ctx, c, id)
	if isNotFound(err) {
		return nil, nil
	}
	return cl, err
}
