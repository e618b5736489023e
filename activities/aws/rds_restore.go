package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// restoreConfig is where and how a restored DB instance runs: its network, its
// configuration and its protection. Without them AWS applies its defaults: the default
// VPC's security group and the engine's default parameter and option groups, Single-AZ,
// no deletion protection, and without a subnet group an instance that may be publicly
// accessible when the default VPC has an internet gateway
// (RestoreDBInstanceFromDBSnapshot and RestoreDBInstanceToPointInTime, PubliclyAccessible,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html).
// So the network is required unless the step says the default network is meant, and an
// instance is private unless the step says otherwise.
type restoreConfig struct {
	InstanceClass       string            `json:"db_instance_class,omitempty"`
	SubnetGroup         string            `json:"db_subnet_group_name,omitempty"`
	SecurityGroupIDs    []string          `json:"vpc_security_group_ids,omitempty"`
	AllowDefaultNetwork bool              `json:"allow_default_network"`
	MultiAZ             bool              `json:"multi_az"`
	ParameterGroup      string            `json:"db_parameter_group_name,omitempty"`
	OptionGroup         string            `json:"option_group_name,omitempty"`
	PubliclyAccessible  bool              `json:"publicly_accessible"`
	DeletionProtection  bool              `json:"deletion_protection"`
	Tags                map[string]string `json:"tags,omitempty"`
}

var restoreConfigInputs = []runbooks.Field{
	optStr("db_instance_class", "instance class, e.g. db.r6g.large (default: the source's)"),
	optStr("db_subnet_group_name", "DB subnet group: the VPC and subnets of the new instance (required unless allow_default_network)"),
	field("vpc_security_group_ids", runbooks.TypeList, "VPC security group ids (required unless allow_default_network)"),
	withDefault(field("allow_default_network", runbooks.TypeBool,
		"restore without db_subnet_group_name and vpc_security_group_ids, into the default VPC and its default security group"), false),
	withDefault(field("multi_az", runbooks.TypeBool, "create a Multi-AZ instance"), false),
	optStr("db_parameter_group_name", "DB parameter group (default: the engine's default group, not the source's)"),
	optStr("option_group_name", "option group (default: the engine's default group)"),
	withDefault(field("publicly_accessible", runbooks.TypeBool, "give the instance a public address"), false),
	withDefault(field("deletion_protection", runbooks.TypeBool, "turn on deletion protection (a drill instance must stay deletable)"), false),
	field("tags", runbooks.TypeMap, "extra tags"),
}

// check refuses a restore into AWS's default network unless the step asks for it.
func (c restoreConfig) check(what string) error {
	if c.AllowDefaultNetwork {
		return nil
	}
	var missing []string
	if c.SubnetGroup == "" {
		missing = append(missing, "db_subnet_group_name")
	}
	if len(c.SecurityGroupIDs) == 0 {
		missing = append(missing, "vpc_security_group_ids")
	}
	if len(missing) > 0 {
		return invalid("%s: give %s (the source instance's, see its Connectivity & security), or set allow_default_network: "+
			"true to restore into the default VPC with its default security group", what, strings.Join(missing, " and "))
	}
	return nil
}

// tags are bcdr's tags on what it restores, then the step's own.
func (c restoreConfig) tags(req activities.Request, source string) []rdstypes.Tag {
	tags := []rdstypes.Tag{
		{Key: awssdk.String(tagManaged), Value: awssdk.String("true")},
		{Key: awssdk.String(tagRunID), Value: awssdk.String(req.RunID)},
		{Key: awssdk.String(tagStepID), Value: awssdk.String(req.StepID)},
		{Key: awssdk.String(tagSnapshot), Value: awssdk.String(source)},
	}
	for _, k := range slices.Sorted(maps.Keys(c.Tags)) {
		tags = append(tags, rdstypes.Tag{Key: awssdk.String(k), Value: awssdk.String(c.Tags[k])})
	}
	return tags
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return awssdk.String(s)
}

// fromSnapshot fills a snapshot restore's network and configuration.
func (c restoreConfig) fromSnapshot(in *rds.RestoreDBInstanceFromDBSnapshotInput) {
	in.DBInstanceClass, in.DBSubnetGroupName = optional(c.InstanceClass), optional(c.SubnetGroup)
	in.VpcSecurityGroupIds = c.SecurityGroupIDs
	in.MultiAZ, in.PubliclyAccessible, in.DeletionProtection = awssdk.Bool(c.MultiAZ), awssdk.Bool(c.PubliclyAccessible), awssdk.Bool(c.DeletionProtection)
	in.DBParameterGroupName, in.OptionGroupName = optional(c.ParameterGroup), optional(c.OptionGroup)
}

// toPointInTime fills a point-in-time restore's network and configuration.
func (c restoreConfig) toPointInTime(in *rds.RestoreDBInstanceToPointInTimeInput) {
	in.DBInstanceClass, in.DBSubnetGroupName = optional(c.InstanceClass), optional(c.SubnetGroup)
	in.VpcSecurityGroupIds = c.SecurityGroupIDs
	in.MultiAZ, in.PubliclyAccessible, in.DeletionProtection = awssdk.Bool(c.MultiAZ), awssdk.Bool(c.PubliclyAccessible), awssdk.Bool(c.DeletionProtection)
	in.DBParameterGroupName, in.OptionGroupName = optional(c.ParameterGroup), optional(c.OptionGroup)
}

// buildInstance creates the restored instance id with start, or adopts the one an
// earlier attempt of this step created (and refuses one that anyone else made), then
// waits until it is available when wait. created is false when it was adopted.
func (a *Actions) buildInstance(ctx context.Context, c instanceDescriber, req activities.Request, id string, wait bool,
	start func() (*rdstypes.DBInstance, error)) (inst *rdstypes.DBInstance, created bool, err error) {
	inst, err = describeInstance(ctx, c, id)
	if err != nil {
		return nil, false, err
	}
	inst, created, err = adoptOrStart(describeRestoreTarget(id), inst, func(i *rdstypes.DBInstance) bool { return madeByStep(i.TagList, req) },
		"an instance with this identifier exists and was not created by this step", "DBInstanceAlreadyExists", start)
	if err != nil {
		return nil, false, err
	}
	if wait {
		if inst, err = a.waitInstance(ctx, c, id, "available", nil); err != nil {
			return nil, false, err
		}
	}
	return inst, created, nil
}

// restoredName is the identifier of what a restore creates when the step names none:
// bcdr- and a hash of the run, the step and purpose, so a retried attempt finds what its
// first attempt created.
func restoredName(req activities.Request, purpose string) string {
	return "bcdr-" + requestToken(req, purpose)[:16]
}

func describeRestoreTarget(what string) string { return fmt.Sprintf("restore DB instance %q", what) }
