package aws

import (
	"context"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.rds.restore_instance_to_point_in_time

type pointInTimeInput struct {
	InstanceID              string `json:"db_instance_identifier,omitempty"`
	SourceInstanceID        string `json:"source_db_instance_identifier,omitempty"`
	SourceAutomatedBackups  string `json:"source_db_instance_automated_backups_arn,omitempty"`
	RestoreTime             string `json:"restore_time,omitempty"`
	UseLatestRestorableTime bool   `json:"use_latest_restorable_time"`
	restoreConfig
	Wait bool `json:"wait"`
	Scope
}

var rdsRestoreInstanceToPointInTimeSpec = newSpec[pointInTimeInput](runbooks.Kind{
	Name: "aws.rds.restore_instance_to_point_in_time",
	Description: "Restore a new DB instance from a DB instance's automated backups as it was at restore_time (just before the " +
		"first bad write, after corruption or ransomware) or at its latest restorable time, into the network and " +
		"configuration given (subnet group and security groups are required unless allow_default_network; private unless " +
		"publicly_accessible), and wait until it is available. The source is an instance of the step's region, or, to " +
		"recover in another region, the ARN of automated backups replicated there (source_db_instance_automated_backups_arn; " +
		"run the step in that region). The instance is tagged bcdr:managed so aws.rds.delete_instance can clean it up. " +
		"Drill: restore into a throwaway identifier with deletion_protection false, and delete it in the cleanup.",
	Inputs: append([]runbooks.Field{
		optStr("db_instance_identifier", "identifier of the new instance (default: bcdr-<hash of run and step>)"),
		optStr("source_db_instance_identifier", "the instance whose automated backups are restored (same region)"),
		optStr("source_db_instance_automated_backups_arn", "automated backups replicated to the step's region "+
			"(arn:aws:rds:REGION:ACCOUNT:auto-backup:ab-...), for a restore in another region"),
		optStr("restore_time", "the time to restore to (RFC 3339, e.g. 2026-12-03T08:14:00Z); or use_latest_restorable_time"),
		withDefault(field("use_latest_restorable_time", runbooks.TypeBool, "restore to the latest restorable time (about five minutes ago)"), false),
		waitInput(true, "the instance is available"),
	}, restoreConfigInputs...),
	Outputs: append(instanceOutputs,
		field("restore_time", runbooks.TypeString, "the time restored to (empty with use_latest_restorable_time)"),
		field("created", runbooks.TypeBool, "false when an earlier attempt of this step had created it")),
	IAMActions:      append([]string{"rds:DescribeDBInstances", "rds:RestoreDBInstanceToPointInTime", "rds:AddTagsToResource"}, rdsKMSActions...),
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(30 * time.Minute),
})

type pointInTimeRestorer interface {
	instanceDescriber
	RestoreDBInstanceToPointInTime(context.Context, *rds.RestoreDBInstanceToPointInTimeInput, ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error)
}

// RDSRestoreInstanceToPointInTime carries out aws.rds.restore_instance_to_point_in_time.
func (a *Actions) RDSRestoreInstanceToPointInTime(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsRestoreInstanceToPointInTimeSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in pointInTimeInput, c *rds.Client) (activities.Result, error) {
		return a.restoreToPointInTime(ctx, c, req, in)
	}))
}

// check refuses a restore whose source or time is not exactly one thing
// (RestoreDBInstanceToPointInTime: "Constraints: Can't be specified if the
// UseLatestRestorableTime parameter is enabled",
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html).
func (in pointInTimeInput) check() (time.Time, error) {
	what := describeRestoreTarget(in.InstanceID)
	if (in.SourceInstanceID == "") == (in.SourceAutomatedBackups == "") {
		return time.Time{}, invalid("%s: give source_db_instance_identifier or source_db_instance_automated_backups_arn (one of them)", what)
	}
	at, err := restoreTime(what, in.RestoreTime, in.UseLatestRestorableTime)
	if err != nil {
		return at, err
	}
	return at, in.restoreConfig.check(what)
}

func (a *Actions) restoreToPointInTime(ctx context.Context, c pointInTimeRestorer, req activities.Request, in pointInTimeInput) (activities.Result, error) {
	if in.InstanceID == "" {
		in.InstanceID = restoredName(req, "restore")
	}
	at, err := in.check()
	if err != nil {
		return nil, err
	}
	source := in.SourceInstanceID
	if source == "" {
		source = in.SourceAutomatedBackups
	}
	inst, created, err := a.buildInstance(ctx, c, req, in.InstanceID, in.Wait, func() (*rdstypes.DBInstance, error) {
		input := &rds.RestoreDBInstanceToPointInTimeInput{
			TargetDBInstanceIdentifier: awssdk.String(in.InstanceID),
			Tags:                       in.tags(req, source),
		}
		if in.SourceInstanceID != "" {
			input.SourceDBInstanceIdentifier = awssdk.String(in.SourceInstanceID)
		} else {
			input.SourceDBInstanceAutomatedBackupsArn = awssdk.String(in.SourceAutomatedBackups)
		}
		input.UseLatestRestorableTime, input.RestoreTime = restorePoint(in.UseLatestRestorableTime, at)
		in.toPointInTime(input)
		logChange(ctx, "restore RDS instance to a point in time", "instance", in.InstanceID, "source", source, "time", in.RestoreTime)
		out, err := c.RestoreDBInstanceToPointInTime(ctx, input)
		if err != nil {
			return nil, classify(err, "restore DB instance %q from %q to %s", in.InstanceID, source, pointInTime(in))
		}
		return out.DBInstance, nil
	})
	if err != nil {
		return nil, err
	}
	r := instanceResult(inst)
	r["restore_time"], r["created"] = in.RestoreTime, created
	return r, nil
}

func pointInTime(in pointInTimeInput) string {
	if in.UseLatestRestorableTime {
		return "its latest restorable time"
	}
	return in.RestoreTime
}
