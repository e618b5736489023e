package aws

import (
	"context"
	"fmt"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// Tags bcdr puts on what it creates, so cleanup deletes only its own resources.
const (
	tagManaged = "bcdr:managed"
	tagRunID   = "bcdr:run-id"
	tagStepID  = "bcdr:step-id"
	// tagSnapshot records the snapshot a drill instance was restored from.
	tagSnapshot = "bcdr:snapshot"
)

// instanceDescriber reads one DB instance.
type instanceDescriber interface {
	DescribeDBInstances(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
}

// describeInstance returns the instance, or nil when it does not exist.
func describeInstance(ctx context.Context, c instanceDescriber, id string) (*rdstypes.DBInstance, error) {
	out, err := c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: awssdk.String(id)})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, classify(err, "describe DB instance %q", id)
	}
	if len(out.DBInstances) == 0 {
		return nil, nil
	}
	return &out.DBInstances[0], nil
}

// failedInstanceStates are states an instance does not leave by itself.
var failedInstanceStates = map[string]bool{
	"failed": true, "incompatible-restore": true, "incompatible-parameters": true,
	"incompatible-network": true, "incompatible-option-group": true, "storage-full": true,
	"inaccessible-encryption-credentials": true, "restore-error": true,
}

// waitInstance polls until the instance is in status and ok (when given) accepts it.
func (a *Actions) waitInstance(ctx context.Context, c instanceDescriber, id, status string,
	ok func(*rdstypes.DBInstance) bool) (*rdstypes.DBInstance, error) {
	var last *rdstypes.DBInstance
	_, err := a.poll(ctx, fmt.Sprintf("DB instance %q %s", id, status), func(ctx context.Context) (bool, string, error) {
		inst, err := describeInstance(ctx, c, id)
		if err != nil {
			return false, "", err
		}
		if inst == nil {
			return false, "", notFound("DB instance %q not found", id)
		}
		last = inst
		st := awssdk.ToString(inst.DBInstanceStatus)
		if failedInstanceStates[st] && st != status {
			return false, st, failed("DB instance %q is %s", id, st)
		}
		return st == status && (ok == nil || ok(inst)), st, nil
	})
	return last, err
}

func instanceResult(inst *rdstypes.DBInstance) activities.Result {
	r := activities.Result{
		"db_instance_identifier": awssdk.ToString(inst.DBInstanceIdentifier),
		"status":                 awssdk.ToString(inst.DBInstanceStatus),
		"arn":                    awssdk.ToString(inst.DBInstanceArn),
		"endpoint":               "",
		"port":                   0,
	}
	if inst.Endpoint != nil {
		r["endpoint"] = awssdk.ToString(inst.Endpoint.Address)
		r["port"] = int(awssdk.ToInt32(inst.Endpoint.Port))
	}
	return r
}

var instanceOutputs = []runbooks.Field{
	field("db_instance_identifier", runbooks.TypeString, "DB instance identifier"),
	field("status", runbooks.TypeString, "DB instance status"),
	field("arn", runbooks.TypeString, "DB instance ARN"),
	field("endpoint", runbooks.TypeString, "endpoint address"),
	field("port", runbooks.TypeInt, "endpoint port"),
}

// rdsKMSActions are what a caller needs on a customer managed key for RDS to create an
// encrypted resource with it ("Authorizing use of a customer managed key",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html).
var rdsKMSActions = []string{"kms:CreateGrant", "kms:DescribeKey"}

// ---- aws.rds.promote_read_replica

type promoteReadReplicaInput struct {
	InstanceID            string `json:"db_instance_identifier"`
	BackupRetentionPeriod *int32 `json:"backup_retention_period,omitempty"`
	Wait                  bool   `json:"wait"`
	Scope
}

var rdsPromoteReadReplicaSpec = newSpec[promoteReadReplicaInput](runbooks.Kind{
	Name: "aws.rds.promote_read_replica",
	Description: "Promote an RDS read replica to a standalone instance and wait until it is available. " +
		"An instance that is already not a replica is success.",
	Inputs: []runbooks.Field{
		reqStr("db_instance_identifier", "the read replica's DB instance identifier"),
		field("backup_retention_period", runbooks.TypeInt, "days of automated backups on the promoted instance"),
		waitInput(true, "the promoted instance is available"),
	},
	Outputs: append(instanceOutputs,
		field("promoted", runbooks.TypeBool, "false when the instance was already not a replica"),
		field("source_db_instance_identifier", runbooks.TypeString, "the instance it replicated from (empty when it was not a replica)")),
	IAMActions:      []string{"rds:DescribeDBInstances", "rds:PromoteReadReplica"},
	SideEffects:     true,
	DefaultEstimate: estimate(10 * time.Minute),
})

type replicaPromoter interface {
	instanceDescriber
	PromoteReadReplica(context.Context, *rds.PromoteReadReplicaInput, ...func(*rds.Options)) (*rds.PromoteReadReplicaOutput, error)
}

// RDSPromoteReadReplica carries out aws.rds.promote_read_replica.
func (a *Actions) RDSPromoteReadReplica(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsPromoteReadReplicaSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in promoteReadReplicaInput, c *rds.Client) (activities.Result, error) {
		return a.promoteReadReplica(ctx, c, in)
	}))
}

func (a *Actions) promoteReadReplica(ctx context.Context, c replicaPromoter, in promoteReadReplicaInput) (activities.Result, error) {
	inst, err := describeInstance(ctx, c, in.InstanceID)
	if err != nil {
		return nil, err
	}
	if inst == nil {
		return nil, notFound("promote read replica %q: DB instance not found", in.InstanceID)
	}
	// A retried attempt (its first attempt's source is in the heartbeat) finds the
	// promotion under way (status modifying) or done (no source): it only waits.
	var source string
	resumed := loadProgress(ctx, &source)
	if !resumed {
		source = awssdk.ToString(inst.ReadReplicaSourceDBInstanceIdentifier)
		saveProgress(ctx, source)
	}
	promoted := source != ""
	if awssdk.ToString(inst.ReadReplicaSourceDBInstanceIdentifier) != "" {
		if awssdk.ToString(inst.DBInstanceStatus) != "available" && !resumed {
			// busy with something else (a backup, a modification): promote when it is done
			if inst, err = a.waitInstance(ctx, c, in.InstanceID, "available", nil); err != nil {
				return nil, err
			}
		}
		if awssdk.ToString(inst.DBInstanceStatus) == "available" {
			logChange(ctx, "promote RDS read replica", "instance", in.InstanceID, "source", source)
			_, err := c.PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{
				DBInstanceIdentifier:  awssdk.String(in.InstanceID),
				BackupRetentionPeriod: in.BackupRetentionPeriod,
			})
			// InvalidDBInstanceState: an earlier attempt's promotion is under way or done
			if err != nil && errorCode(err) != "InvalidDBInstanceState" {
				return nil, classify(err, "promote read replica %q", in.InstanceID)
			}
		}
	}
	if in.Wait {
		inst, err = a.waitInstance(ctx, c, in.InstanceID, "available", func(i *rdstypes.DBInstance) bool {
			return awssdk.ToString(i.ReadReplicaSourceDBInstanceIdentifier) == ""
		})
		if err != nil {
			return nil, err
		}
	}
	r := instanceResult(inst)
	r["promoted"], r["source_db_instance_identifier"] = promoted, source
	return r, nil
}

// ---- aws.rds.restore_instance_from_snapshot

type restoreInstanceInput struct {
	InstanceID       string `json:"db_instance_identifier,omitempty"`
	SnapshotID       string `json:"db_snapshot_identifier,omitempty"`
	SourceInstanceID string `json:"source_db_instance_identifier,omitempty"`
	SnapshotBefore   string `json:"snapshot_before,omitempty"`
	restoreConfig
	Wait bool `json:"wait"`
	Scope
}

var rdsRestoreInstanceFromSnapshotSpec = newSpec[restoreInstanceInput](runbooks.Kind{
	Name: "aws.rds.restore_instance_from_snapshot",
	Description: "Restore a new DB instance from a snapshot (given; or the newest available snapshot of " +
		"source_db_instance_identifier, taken before snapshot_before when given, so that a restore after corruption or " +
		"ransomware skips the snapshots that hold it) into the network and configuration given (subnet group and " +
		"security groups are required unless allow_default_network; private unless publicly_accessible), and wait until it " +
		"is available. The instance is tagged bcdr:managed so aws.rds.delete_instance can clean it up. To restore to a " +
		"time rather than a snapshot, use aws.rds.restore_instance_to_point_in_time.",
	Inputs: append([]runbooks.Field{
		optStr("db_instance_identifier", "identifier of the new instance (default: bcdr-<hash of run and step>)"),
		optStr("db_snapshot_identifier", "DB snapshot identifier or ARN to restore"),
		optStr("source_db_instance_identifier", "restore the newest available snapshot of this instance (when db_snapshot_identifier is not given)"),
		optStr("snapshot_before", "with source_db_instance_identifier: the newest snapshot created before this time (RFC 3339, e.g. the first bad write)"),
		waitInput(true, "the instance is available"),
	}, restoreConfigInputs...),
	Outputs: append(instanceOutputs,
		field("db_snapshot_identifier", runbooks.TypeString, "the snapshot restored"),
		field("created", runbooks.TypeBool, "false when an earlier attempt of this step had created it")),
	IAMActions:      append([]string{"rds:DescribeDBInstances", "rds:DescribeDBSnapshots", "rds:RestoreDBInstanceFromDBSnapshot", "rds:AddTagsToResource"}, rdsKMSActions...),
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(20 * time.Minute),
})

type instanceRestorer interface {
	instanceDescriber
	DescribeDBSnapshots(context.Context, *rds.DescribeDBSnapshotsInput, ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error)
	RestoreDBInstanceFromDBSnapshot(context.Context, *rds.RestoreDBInstanceFromDBSnapshotInput, ...func(*rds.Options)) (*rds.RestoreDBInstanceFromDBSnapshotOutput, error)
}

// RDSRestoreInstanceFromSnapshot carries out aws.rds.restore_instance_from_snapshot.
func (a *Actions) RDSRestoreInstanceFromSnapshot(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsRestoreInstanceFromSnapshotSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in restoreInstanceInput, c *rds.Client) (activities.Result, error) {
		return a.restoreInstance(ctx, c, req, in)
	}))
}

func (a *Actions) restoreInstance(ctx context.Context, c instanceRestorer, req activities.Request, in restoreInstanceInput) (activities.Result, error) {
	if in.InstanceID == "" {
		in.InstanceID = restoredName(req, "restore")
	}
	if err := in.check(describeRestoreTarget(in.InstanceID)); err != nil {
		return nil, err
	}
	before, err := snapshotBefore(describeRestoreTarget(in.InstanceID), in.SnapshotBefore)
	if err != nil {
		return nil, err
	}
	snapshot := in.SnapshotID
	inst, created, err := a.buildInstance(ctx, c, req, in.InstanceID, in.Wait, func() (*rdstypes.DBInstance, error) {
		if snapshot == "" {
			if in.SourceInstanceID == "" {
				return nil, invalid("restore DB instance: give db_snapshot_identifier or source_db_instance_identifier")
			}
			newest, err := dbSnapshot(ctx, c, "", in.SourceInstanceID, before)
			if err != nil {
				return nil, err
			}
			snapshot = awssdk.ToString(newest.DBSnapshotIdentifier)
		}
		input := &rds.RestoreDBInstanceFromDBSnapshotInput{
			DBInstanceIdentifier: awssdk.String(in.InstanceID),
			DBSnapshotIdentifier: awssdk.String(snapshot),
			Tags:                 in.tags(req, snapshot),
		}
		in.fromSnapshot(input)
		logChange(ctx, "restore RDS instance from snapshot", "instance", in.InstanceID, "snapshot", snapshot)
		out, err := c.RestoreDBInstanceFromDBSnapshot(ctx, input)
		if err != nil {
			return nil, classify(err, "restore DB instance %q from snapshot %q", in.InstanceID, snapshot)
		}
		return out.DBInstance, nil
	})
	if err != nil {
		return nil, err
	}
	r := instanceResult(inst)
	if snapshot == "" {
		snapshot = tagValue(inst.TagList, tagSnapshot)
	}
	r["db_snapshot_identifier"], r["created"] = snapshot, created
	return r, nil
}

// dbSnapshot is the DB snapshot named id, or the newest available snapshot of the
// instance source, created before before when it is not zero.
func dbSnapshot(ctx context.Context, c rds.DescribeDBSnapshotsAPIClient, id, source string, before time.Time) (rdstypes.DBSnapshot, error) {
	q, what, owner := &rds.DescribeDBSnapshotsInput{}, fmt.Sprintf("DB snapshot %q", id), fmt.Sprintf("named %q", id)
	if id == "" {
		q.DBInstanceIdentifier = awssdk.String(source)
		what, owner = fmt.Sprintf("the snapshots of DB instance %q", source), fmt.Sprintf("of DB instance %q", source)
	} else {
		q.DBSnapshotIdentifier = awssdk.String(id)
	}
	var snaps []rdstypes.DBSnapshot
	p := rds.NewDescribeDBSnapshotsPaginator(c, q)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return rdstypes.DBSnapshot{}, classify(err, "describe %s", what)
		}
		snaps = append(snaps, out.DBSnapshots...)
	}
	return newestBefore(snaps, dbSnapshotInfo, before, owner)
}

// snapshotBefore reads a restore's snapshot_before: zero when not given.
func snapshotBefore(what, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, invalid("%s: snapshot_before %q is not an RFC 3339 time (e.g. 2026-12-03T08:15:00Z)", what, v)
	}
	return t, nil
}

func dbSnapshotInfo(s rdstypes.DBSnapshot) (string, *time.Time) {
	return awssdk.ToString(s.Status), s.SnapshotCreateTime
}

// newestBefore is the newest available snapshot of snaps, created before before when it
// is not zero; info gives a snapshot's status and creation time, and owner says whose
// snapshots they are ("of DB instance x") in the error when there is none.
func newestBefore[S any](snaps []S, info func(S) (string, *time.Time), before time.Time, owner string) (S, error) {
	var best S
	var bestAt *time.Time
	for _, s := range snaps {
		status, at := info(s)
		if status != "available" || at == nil || (!before.IsZero() && !at.Before(before)) {
			continue
		}
		if bestAt == nil || at.After(*bestAt) {
			best, bestAt = s, at
		}
	}
	switch {
	case bestAt != nil:
		return best, nil
	case !before.IsZero():
		return best, notFound("no available snapshot %s taken before %s", owner, before.UTC().Format(time.RFC3339))
	default:
		return best, notFound("no available snapshot %s", owner)
	}
}

// ---- aws.rds.delete_instance

type deleteInstanceInput struct {
	InstanceID        string `json:"db_instance_identifier"`
	SkipFinalSnapshot bool   `json:"skip_final_snapshot"`
	FinalSnapshotID   string `json:"final_snapshot_id,omitempty"`
	Force             bool   `json:"force"`
	Wait              bool   `json:"wait"`
	Scope
}

var rdsDeleteInstanceSpec = newSpec[deleteInstanceInput](runbooks.Kind{
	Name: "aws.rds.delete_instance",
	Description: "Delete a DB instance, by default only one that bcdr created (tagged bcdr:managed), and wait until it is gone: " +
		"the cleanup of restore_instance_from_snapshot. An instance already gone is success.",
	Inputs: []runbooks.Field{
		reqStr("db_instance_identifier", "DB instance identifier"),
		withDefault(field("skip_final_snapshot", runbooks.TypeBool, "delete without a final snapshot"), true),
		optStr("final_snapshot_id", "final snapshot identifier (with skip_final_snapshot: false)"),
		withDefault(field("force", runbooks.TypeBool, "delete even an instance bcdr did not create"), false),
		waitInput(true, "the instance is deleted"),
	},
	Outputs: []runbooks.Field{
		field("deleted", runbooks.TypeBool, "false when the instance did not exist"),
	},
	IAMActions:      []string{"rds:DescribeDBInstances", "rds:DeleteDBInstance"},
	SideEffects:     true,
	DefaultEstimate: estimate(10 * time.Minute),
})

type instanceDeleter interface {
	instanceDescriber
	DeleteDBInstance(context.Context, *rds.DeleteDBInstanceInput, ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
}

// RDSDeleteInstance carries out aws.rds.delete_instance.
func (a *Actions) RDSDeleteInstance(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsDeleteInstanceSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in deleteInstanceInput, c *rds.Client) (activities.Result, error) {
		return a.deleteInstance(ctx, c, in)
	}))
}

func (a *Actions) deleteInstance(ctx context.Context, c instanceDeleter, in deleteInstanceInput) (activities.Result, error) {
	inst, err := describeInstance(ctx, c, in.InstanceID)
	if err != nil {
		return nil, err
	}
	if inst == nil {
		return activities.Result{"deleted": false}, nil
	}
	if !in.Force && tagValue(inst.TagList, tagManaged) != "true" {
		return nil, invalid("delete DB instance %q: it is not tagged %s=true (not created by bcdr); set force: true to delete it anyway", in.InstanceID, tagManaged)
	}
	if awssdk.ToString(inst.DBInstanceStatus) != "deleting" {
		input := &rds.DeleteDBInstanceInput{
			DBInstanceIdentifier:   awssdk.String(in.InstanceID),
			SkipFinalSnapshot:      awssdk.Bool(in.SkipFinalSnapshot),
			DeleteAutomatedBackups: awssdk.Bool(true),
		}
		if !in.SkipFinalSnapshot {
			if in.FinalSnapshotID == "" {
				return nil, invalid("delete DB instance %q: final_snapshot_id is required without skip_final_snapshot", in.InstanceID)
			}
			input.FinalDBSnapshotIdentifier = awssdk.String(in.FinalSnapshotID)
		}
		logChange(ctx, "delete RDS instance", "instance", in.InstanceID)
		_, err := c.DeleteDBInstance(ctx, input)
		if err != nil && !isNotFound(err) && errorCode(err) != "InvalidDBInstanceState" {
			return nil, classify(err, "delete DB instance %q", in.InstanceID)
		}
	}
	if in.Wait {
		_, err := a.poll(ctx, fmt.Sprintf("DB instance %q deleted", in.InstanceID), func(ctx context.Context) (bool, string, error) {
			inst, err := describeInstance(ctx, c, in.InstanceID)
			if err != nil || inst == nil {
				return inst == nil, "deleted", err
			}
			return false, awssdk.ToString(inst.DBInstanceStatus), nil
		})
		if err != nil {
			return nil, err
		}
	}
	return activities.Result{"deleted": true}, nil
}

// ---- aws.rds.wait_instance

type waitInstanceInput struct {
	InstanceID string `json:"db_instance_identifier"`
	Status     string `json:"status"`
	Scope
}

var rdsWaitInstanceSpec = newSpec[waitInstanceInput](runbooks.Kind{
	Name:        "aws.rds.wait_instance",
	Description: "Wait until a DB instance has a status (default available); fails at once on a state it cannot leave by itself (failed, storage-full, ...).",
	Inputs: []runbooks.Field{
		reqStr("db_instance_identifier", "DB instance identifier"),
		withDefault(optStr("status", "status to wait for"), "available"),
	},
	Outputs:         instanceOutputs,
	IAMActions:      []string{"rds:DescribeDBInstances"},
	DefaultEstimate: estimate(5 * time.Minute),
})

// RDSWaitInstance carries out aws.rds.wait_instance.
func (a *Actions) RDSWaitInstance(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsWaitInstanceSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in waitInstanceInput, c *rds.Client) (activities.Result, error) {
		inst, err := a.waitInstance(ctx, c, in.InstanceID, in.Status, nil)
		if err != nil {
			return nil, err
		}
		return instanceResult(inst), nil
	}))
}

func tagValue(tags []rdstypes.Tag, key string) string {
	for _, t := range tags {
		if awssdk.ToString(t.Key) == key {
			return awssdk.ToString(t.Value)
		}
	}
	return ""
}

// arnRegion is the region part of an ARN, or "".
func arnRegion(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 3 && parts[0] == "arn" {
		return parts[3]
	}
	return ""
}
