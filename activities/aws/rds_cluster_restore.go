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
	ClusterID               string            `json:"db_cluster_identifier,omitempty"`
	SourceClusterID         string            `json:"source_db_cluster_identifier"`
	RestoreTime             string            `json:"restore_time,omitempty"`
	UseLatestRestorableTime bool              `json:"use_latest_restorable_time"`
	WriterClass             string            `json:"writer_db_instance_class"`
	SubnetGroup             string            `json:"db_subnet_group_name,omitempty"`
	SecurityGroupIDs        []string          `json:"vpc_security_group_ids,omitempty"`
	AllowDefaultNetwork     bool              `json:"allow_default_network"`
	ClusterParameterGroup   string            `json:"db_cluster_parameter_group_name,omitempty"`
	DeletionProtection      bool              `json:"deletion_protection"`
	Tags                    map[string]string `json:"tags,omitempty"`
	Wait                    bool              `json:"wait"`
	Scope
}

var rdsRestoreClusterToPointInTimeSpec = newSpec[clusterRestoreInput](runbooks.Kind{
	Name: "aws.rds.restore_cluster_to_point_in_time",
	Description: "Restore a new Aurora DB cluster from a cluster's backups as it was at restore_time (just before the first bad " +
		"write) or at its latest restorable time, into the network given (subnet group and security groups are required " +
		"unless allow_default_network), create its writer instance (RestoreDBClusterToPointInTime restores the cluster " +
		"only), and wait until both are available. Tagged bcdr:managed; a retried step adopts what it created. Drill: " +
		"restore into a throwaway identifier with deletion_protection false and delete the cluster in the cleanup.",
	Inputs: []runbooks.Field{
		optStr("db_cluster_identifier", "identifier of the new cluster (default: bcdr-<hash of run and step>); its writer is <id>-1"),
		reqStr("source_db_cluster_identifier", "the cluster whose backups are restored (same region)"),
		optStr("restore_time", "the time to restore to (RFC 3339); or use_latest_restorable_time"),
		withDefault(field("use_latest_restorable_time", runbooks.TypeBool, "restore to the latest restorable time"), false),
		reqStr("writer_db_instance_class", "instance class of the writer, e.g. db.r6g.large"),
		optStr("db_subnet_group_name", "DB subnet group (required unless allow_default_network)"),
		field("vpc_security_group_ids", runbooks.TypeList, "VPC security group ids (required unless allow_default_network)"),
		withDefault(field("allow_default_network", runbooks.TypeBool, "restore into the default VPC and its default security group"), false),
		optStr("db_cluster_parameter_group_name", "DB cluster parameter group (default: the engine's default, not the source's)"),
		withDefault(field("deletion_protection", runbooks.TypeBool, "turn on deletion protection"), false),
		field("tags", runbooks.TypeMap, "extra tags"),
		waitInput(true, "the cluster and its writer are available"),
	},
	Outputs: []runbooks.Field{
		field("db_cluster_identifier", runbooks.TypeString, "the new cluster"),
		field("writer", runbooks.TypeString, "its writer instance"),
		field("endpoint", runbooks.TypeString, "the cluster (writer) endpoint"),
		field("reader_endpoint", runbooks.TypeString, "the reader endpoint"),
		field("status", runbooks.TypeString, "cluster status"),
		field("created", runbooks.TypeBool, "false when an earlier attempt of this step had created the cluster"),
	},
	IAMActions: append([]string{"rds:DescribeDBClusters", "rds:RestoreDBClusterToPointInTime", "rds:DescribeDBInstances",
		"rds:CreateDBInstance", "rds:AddTagsToResource"}, rdsKMSActions...),
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(40 * time.Minute),
})

type clusterRestorer interface {
	clusterDescriber
	instanceDescriber
	RestoreDBClusterToPointInTime(context.Context, *rds.RestoreDBClusterToPointInTimeInput, ...func(*rds.Options)) (*rds.RestoreDBClusterToPointInTimeOutput, error)
	CreateDBInstance(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error)
}

// RDSRestoreClusterToPointInTime carries out aws.rds.restore_cluster_to_point_in_time.
func (a *Actions) RDSRestoreClusterToPointInTime(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsRestoreClusterToPointInTimeSpec.run(ctx, req, func(ctx context.Context, req activities.Request, in clusterRestoreInput) (activities.Result, error) {
		c, err := a.rdsClient(ctx, in.Scope)
		if err != nil {
			return nil, err
		}
		return a.restoreCluster(ctx, c, req, in)
	})
}

func (a *Actions) restoreCluster(ctx context.Context, c clusterRestorer, req activities.Request, in clusterRestoreInput) (activities.Result, error) {
	if in.ClusterID == "" {
		in.ClusterID = "bcdr-" + requestToken(req, "restore-cluster")[:16]
	}
	what := fmt.Sprintf("restore DB cluster %q", in.ClusterID)
	pit := pointInTimeInput{InstanceID: in.ClusterID, SourceInstanceID: in.SourceClusterID, RestoreTime: in.RestoreTime,
		UseLatestRestorableTime: in.UseLatestRestorableTime,
		restoreConfig:           restoreConfig{SubnetGroup: in.SubnetGroup, SecurityGroupIDs: in.SecurityGroupIDs, AllowDefaultNetwork: in.AllowDefaultNetwork}}
	at, err := pit.check()
	if err != nil {
		return nil, err
	}
	tags := restoreConfig{Tags: in.Tags}.tags(req, in.SourceClusterID)
	cl, err := describeClusterOrNil(ctx, c, in.ClusterID)
	if err != nil {
		return nil, err
	}
	created := cl == nil
	if cl != nil {
		if tagValue(cl.TagList, tagRunID) != req.RunID || tagValue(cl.TagList, tagStepID) != req.StepID {
			return nil, invalid("%s: a cluster with this identifier exists and was not created by this step", what)
		}
	} else {
		input := &rds.RestoreDBClusterToPointInTimeInput{
			DBClusterIdentifier:         awssdk.String(in.ClusterID),
			SourceDBClusterIdentifier:   awssdk.String(in.SourceClusterID),
			DBSubnetGroupName:           optional(in.SubnetGroup),
			VpcSecurityGroupIds:         in.SecurityGroupIDs,
			DBClusterParameterGroupName: optional(in.ClusterParameterGroup),
			DeletionProtection:          awssdk.Bool(in.DeletionProtection),
			Tags:                        tags,
		}
		if in.UseLatestRestorableTime {
			input.UseLatestRestorableTime = awssdk.Bool(true)
		} else {
			input.RestoreToTime = awssdk.Time(at)
		}
		logChange(ctx, "restore Aurora cluster to a point in time", "cluster", in.ClusterID, "source", in.SourceClusterID, "time", in.RestoreTime)
		out, err := c.RestoreDBClusterToPointInTime(ctx, input)
		if errorCode(err) == "DBClusterAlreadyExistsFault" {
			return nil, fmt.Errorf("%s: created concurrently, retry to adopt it: %w", what, err)
		}
		if err != nil {
			return nil, classify(err, "%s from %q", what, in.SourceClusterID)
		}
		cl = out.DBCluster
	}
	// "This operation only restores the DB cluster, not the DB instances for that DB
	// cluster. You must invoke the CreateDBInstance operation"
	// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterToPointInTime.html)
	writer := in.ClusterID + "-1"
	inst, err := describeInstance(ctx, c, writer)
	if err != nil {
		return nil, err
	}
	if inst == nil {
		logChange(ctx, "create the restored cluster's writer", "cluster", in.ClusterID, "instance", writer)
		_, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: awssdk.String(writer),
			DBClusterIdentifier:  awssdk.String(in.ClusterID),
			DBInstanceClass:      awssdk.String(in.WriterClass),
			Engine:               cl.Engine,
			PubliclyAccessible:   awssdk.Bool(false),
			Tags:                 tags,
		})
		if err != nil && errorCode(err) != "DBInstanceAlreadyExists" {
			return nil, classify(err, "%s: create writer %q", what, writer)
		}
	}
	if in.Wait {
		if _, err := a.waitInstance(ctx, c, writer, "available", nil); err != nil {
			return nil, err
		}
		if cl, err = a.waitCluster(ctx, c, in.ClusterID, "available", anyWriter); err != nil {
			return nil, err
		}
	}
	return activities.Result{"db_cluster_identifier": in.ClusterID, "writer": writer, "endpoint": awssdk.ToString(cl.Endpoint),
		"reader_endpoint": awssdk.ToString(cl.ReaderEndpoint), "status": awssdk.ToString(cl.Status), "created": created}, nil
}

// describeClusterOrNil returns the cluster, or nil when it does not exist.
func describeClusterOrNil(ctx context.Context, c clusterDescriber, id string) (*rdstypes.DBCluster, error) {
	cl, err := describeCluster(ctx, c, id)
	if isNotFound(err) {
		return nil, nil
	}
	return cl, err
}
