package aws

import (
	"context"
	"fmt"
	"slices"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/bcdr/bcdr/readiness"
)

// ---- RDS instances

// checkPromoteReplica: the instance exists, is still a read replica, and is available.
func (a *Actions) checkPromoteReplica(ctx context.Context, t readiness.Target, in promoteReadReplicaInput) []readiness.Finding {
	inst, f := rdsTarget(ctx, a, t, in.Scope, dbInstanceResource, in.InstanceID, true)
	if inst == nil {
		return one(f)
	}
	src := awssdk.ToString(inst.ReadReplicaSourceDBInstanceIdentifier)
	if src == "" {
		return one(notReady("target", "DB instance %q is not a read replica (already promoted?): there is nothing to promote", in.InstanceID))
	}
	if st := awssdk.ToString(inst.DBInstanceStatus); st != "available" {
		return one(notReady("target", "read replica %q is %s; promotion needs it available", in.InstanceID, st))
	}
	return one(ready("target", "DB instance %q is an available read replica of %q", in.InstanceID, src))
}

func (a *Actions) checkDeleteInstance(ctx context.Context, t readiness.Target, in deleteInstanceInput) []readiness.Finding {
	_, f := rdsTarget(ctx, a, t, in.Scope, dbInstanceResource, in.InstanceID, false)
	return one(f)
}

func (a *Actions) checkWaitInstance(ctx context.Context, t readiness.Target, in waitInstanceInput) []readiness.Finding {
	_, f := rdsTarget(ctx, a, t, in.Scope, dbInstanceResource, in.InstanceID, false)
	return one(f)
}

// rdsResource is a kind of RDS resource a step names: the input that names it, its name
// in findings, how to read one (one that does not exist is a NotFound error) and its
// status.
type rdsResource[R any] struct {
	input, noun string
	describe    func(context.Context, *rds.Client, string) (*R, error)
	status      func(*R) *string
}

var (
	dbInstanceResource = rdsResource[rdstypes.DBInstance]{"db_instance_identifier", "DB instance",
		func(ctx context.Context, c *rds.Client, id string) (*rdstypes.DBInstance, error) {
			inst, err := describeInstance(ctx, c, id)
			if inst == nil && err == nil {
				err = notFound("DB instance %q not found", id)
			}
			return inst, err
		},
		func(i *rdstypes.DBInstance) *string { return i.DBInstanceStatus }}
	dbClusterResource = rdsResource[rdstypes.DBCluster]{"db_cluster_identifier", "DB cluster",
		func(ctx context.Context, c *rds.Client, id string) (*rdstypes.DBCluster, error) {
			return describeCluster(ctx, c, id)
		},
		func(cl *rdstypes.DBCluster) *string { return cl.Status }}
)

// namedBy is the resource as a step names it by another input (a restore's source).
func (k rdsResource[R]) namedBy(input string) rdsResource[R] {
	k.input = input
	return k
}

// rdsTarget reads the DB instance or cluster id, named before the run. One that does not
// exist is not ready when the step needs it now (must); otherwise (a wait or a clean-up,
// whose target an earlier step may create) a warning.
func rdsTarget[R any](ctx context.Context, a *Actions, t readiness.Target, s Scope, kind rdsResource[R], id string, must bool) (*R, readiness.Finding) {
	if id == "" {
		return nil, later("target", kind.input)
	}
	c, skip := targetClient(ctx, t, s, a.rdsClient, kind.input)
	if skip != nil {
		return nil, skip[0]
	}
	r, err := kind.describe(ctx, c, id)
	switch {
	case err != nil && isNotFoundErr(err) && !must:
		return nil, warn("target", "%s %q does not exist now (an earlier step may create it)", kind.noun, id)
	case err != nil:
		return nil, fromErr("target", err)
	}
	return r, ready("target", "%s %q exists (%s)", kind.noun, id, awssdk.ToString(kind.status(r)))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkSnapshotRestore: the snapshot (given, or the newest of the source instance)
// exists, is available, and is newer than the runbook's RPO allows.
func (a *Actions) checkSnapshotRestore(ctx context.Context, t readiness.Target, in restoreInstanceInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.rdsClient, "db_snapshot_identifier", "source_db_instance_identifier")
	if skip != nil {
		return skip
	}
	if in.SnapshotID == "" && in.SourceInstanceID == "" {
		return one(notReady("target", "the step names no snapshot: give db_snapshot_identifier or source_db_instance_identifier"))
	}
	before, _ := time.Parse(time.RFC3339, in.SnapshotBefore)
	newest, err := dbSnapshot(ctx, c, in.SnapshotID, in.SourceInstanceID, before)
	if err != nil {
		return one(fromErr("target", err))
	}
	return one(fresh(t, fmt.Sprintf("DB snapshot %q", awssdk.ToString(newest.DBSnapshotIdentifier)), *newest.SnapshotCreateTime))
}

// fresh is the finding for a restore point made at `at`: older than the runbook's RPO
// is not ready, because restoring it would lose more data than the runbook allows.
func fresh(t readiness.Target, what string, at time.Time) readiness.Finding {
	age := time.Since(at).Round(time.Second)
	rpo := t.Runbook.Objectives.RPO.Std()
	if rpo > 0 && age > rpo {
		return notReady("target", "%s is %s old, older than the runbook's RPO %s: restoring it would lose more data than allowed", what, age, rpo)
	}
	if rpo > 0 {
		return ready("target", "%s is %s old, within the RPO %s", what, age, rpo)
	}
	return ready("target", "%s exists (%s old)", what, age)
}

// ---- RDS clusters

func (a *Actions) checkGlobalFailover(ctx context.Context, t readiness.Target, in globalFailoverInput) []readiness.Finding {
	return a.checkGlobalTarget(ctx, t, in.Scope, in.GlobalClusterID, in.TargetClusterARN, false)
}

func (a *Actions) checkGlobalSwitchover(ctx context.Context, t readiness.Target, in globalSwitchoverInput) []readiness.Finding {
	return a.checkGlobalTarget(ctx, t, in.Scope, in.GlobalClusterID, in.TargetClusterARN, false)
}

func (a *Actions) checkDocDBGlobalFailover(ctx context.Context, t readiness.Target, in globalFailoverInput) []readiness.Finding {
	return a.checkGlobalTarget(ctx, t, in.Scope, in.GlobalClusterID, in.TargetClusterARN, true)
}

func (a *Actions) checkDocDBGlobalSwitchover(ctx context.Context, t readiness.Target, in globalSwitchoverInput) []readiness.Finding {
	return a.checkGlobalTarget(ctx, t, in.Scope, in.GlobalClusterID, in.TargetClusterARN, true)
}

// checkGlobalTarget: the global database is available, the target is a secondary member,
// and the writer replicates to it.
func (a *Actions) checkGlobalTarget(ctx context.Context, t readiness.Target, s Scope, id, target string, documentDB bool) []readiness.Finding {
	if n, ok := runTime(t, "global_cluster_identifier", "target_db_cluster_identifier"); ok {
		return one(later("target", n))
	}
	g, f := a.globalCluster(ctx, s, id, documentDB)
	if g == nil {
		return one(f)
	}
	m := globalMember(g, target)
	switch {
	case m == nil:
		return one(notReady("target", "cluster %q is not a member of global database %q", target, id))
	case awssdk.ToBool(m.IsWriter):
		return one(warn("target", "cluster %q is already the writer of global database %q: the step would change nothing", target, id))
	}
	writer := globalWriter(g)
	for _, w := range g.GlobalClusterMembers {
		if awssdk.ToString(w.DBClusterArn) == writer && !slices.Contains(w.Readers, target) {
			return one(notReady("target", "the writer %q of global database %q does not replicate to %q", writer, id, target))
		}
	}
	return one(ready("target", "global database %q is %s; %q is a secondary the writer replicates to", id, awssdk.ToString(g.Status), target))
}

func (a *Actions) checkDetach(ctx context.Context, t readiness.Target, in detachInput) []readiness.Finding {
	if n, ok := runTime(t, "global_cluster_identifier", "db_cluster_identifier"); ok {
		return one(later("target", n))
	}
	g, f := a.globalCluster(ctx, in.Scope, in.GlobalClusterID, false)
	if g == nil {
		return one(f)
	}
	if globalMember(g, in.ClusterARN) == nil {
		return one(warn("target", "cluster %q is not a member of global database %q: there is nothing to detach", in.ClusterARN, in.GlobalClusterID))
	}
	return one(ready("target", "cluster %q is a member of global database %q", in.ClusterARN, in.GlobalClusterID))
}

// globalCluster reads an available global database (Aurora's, or DocumentDB's).
func (a *Actions) globalCluster(ctx context.Context, s Scope, id string, documentDB bool) (*rdstypes.GlobalCluster, readiness.Finding) {
	var c globalClusterDescriber
	var err error
	if documentDB {
		c, err = a.docdbGlobals(ctx, s)
	} else {
		c, err = a.rdsClient(ctx, s)
	}
	if err != nil {
		return nil, cannot("target", "%v", err)
	}
	g, err := describeGlobalCluster(ctx, c, id)
	if err != nil {
		return nil, fromErr("target", err)
	}
	if st := awssdk.ToString(g.Status); st != "available" {
		return nil, notReady("target", "global database %q is %s, not available", id, st)
	}
	return g, readiness.Finding{}
}

func (a *Actions) checkClusterFailover(ctx context.Context, t readiness.Target, in failoverClusterInput) []readiness.Finding {
	cl, f := rdsTarget(ctx, a, t, in.Scope, dbClusterResource, in.ClusterID, true)
	if cl == nil {
		return one(f)
	}
	if st := awssdk.ToString(cl.Status); st != "available" {
		return one(notReady("target", "DB cluster %q is %s; a failover needs it available", in.ClusterID, st))
	}
	if in.TargetInstanceID != "" && !t.IsUnknown("target_db_instance_identifier") {
		member := slices.ContainsFunc(cl.DBClusterMembers, func(m rdstypes.DBClusterMember) bool {
			return awssdk.ToString(m.DBInstanceIdentifier) == in.TargetInstanceID
		})
		if !member {
			return one(notReady("target", "DB instance %q is not a member of DB cluster %q", in.TargetInstanceID, in.ClusterID))
		}
	}
	if len(cl.DBClusterMembers) < 2 {
		return one(notReady("target", "DB cluster %q has %d instance: a failover needs a reader to promote", in.ClusterID, len(cl.DBClusterMembers)))
	}
	return one(f)
}

func (a *Actions) checkWaitCluster(ctx context.Context, t readiness.Target, in waitClusterInput) []readiness.Finding {
	_, f := rdsTarget(ctx, a, t, in.Scope, dbClusterResource, in.ClusterID, false)
	return one(f)
}

func isNotFoundErr(err error) bool { return typeOf(err) == "NotFound" }

// ---- S3 and DynamoDB markers

func (a *Actions) checkS3PutMarker(ctx context.Context, t readiness.Target, in s3PutMarkerInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.s3Client, "bucket")
	if skip != nil {
		return skip
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: awssdk.String(in.Bucket)}); err != nil {
		if httpStatus(err) == 404 {
			return one(notReady("target", "S3 bucket %q not found", in.Bucket))
		}
		return one(fromErr("target", classify(err, "read S3 bucket %q", in.Bucket)))
	}
	return one(ready("target", "S3 bucket %q exists", in.Bucket))
}

// checkDDBPutMarker reads the marker item: the table exists and the key fits its schema.
func (a *Actions) checkDDBPutMarker(ctx context.Context, t readiness.Target, in ddbPutMarkerInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.dynamodbClient, "table", "key_attribute", "key")
	if skip != nil {
		return skip
	}
	_, found, err := readDDBMarker(ctx, c, in.ddbMarkerKey)
	if err != nil {
		return one(fromErr("target", err))
	}
	state := "no marker yet"
	if found {
		state = "a marker is there"
	}
	return one(ready("target", "DynamoDB table %q answers (%s)", in.Table, state))
}

// ---- AWS Backup

// checkRecoveryPoint: the recovery point exists in one of the region's vaults, is
// COMPLETED, and is newer than the runbook's RPO allows.
func (a *Actions) checkRecoveryPoint(ctx context.Context, t readiness.Target, in startRestoreInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.backupClient, "recovery_point_arn")
	if skip != nil {
		return skip
	}
	// DescribeRecoveryPoint needs the vault, which the ARN does not name: look in each.
	p := backup.NewListBackupVaultsPaginator(c, &backup.ListBackupVaultsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return one(fromErr("target", classify(err, "list backup vaults")))
		}
		for _, v := range out.BackupVaultList {
			rp, err := c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{
				BackupVaultName: v.BackupVaultName, RecoveryPointArn: awssdk.String(in.RecoveryPointARN)})
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return one(fromErr("target", classify(err, "describe recovery point %q in vault %q", in.RecoveryPointARN, awssdk.ToString(v.BackupVaultName))))
			}
			if rp.Status != "COMPLETED" {
				return one(notReady("target", "recovery point %q is %s, not COMPLETED", in.RecoveryPointARN, rp.Status))
			}
			if rp.CreationDate == nil {
				return one(ready("target", "recovery point %q is COMPLETED", in.RecoveryPointARN))
			}
			return one(fresh(t, fmt.Sprintf("recovery point %q", in.RecoveryPointARN), *rp.CreationDate))
		}
	}
	return one(notReady("target", "recovery point %q is in no backup vault of the region", in.RecoveryPointARN))
}

func (a *Actions) checkRestoreJob(ctx context.Context, t readiness.Target, in waitRestoreInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.backupClient, "restore_job_id")
	if skip != nil {
		return skip
	}
	out, err := c.DescribeRestoreJob(ctx, &backup.DescribeRestoreJobInput{RestoreJobId: awssdk.String(in.RestoreJobID)})
	if err != nil {
		return one(fromErr("target", classify(err, "describe restore job %q", in.RestoreJobID)))
	}
	return one(ready("target", "restore job %q is %s", in.RestoreJobID, out.Status))
}

// checkPointInTime: the source instance (or the replicated automated backups) exists,
// keeps automated backups, and can be restored to a time newer than the runbook's RPO
// allows (its latest restorable time), and to restore_time when one is given.
func (a *Actions) checkPointInTime(ctx context.Context, t readiness.Target, in pointInTimeInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.rdsClient, "source_db_instance_identifier", "source_db_instance_automated_backups_arn")
	if skip != nil {
		return skip
	}
	var earliest, latest *time.Time
	what := ""
	switch {
	case in.SourceAutomatedBackups != "":
		what = fmt.Sprintf("automated backups %q", in.SourceAutomatedBackups)
		out, err := c.DescribeDBInstanceAutomatedBackups(ctx, &rds.DescribeDBInstanceAutomatedBackupsInput{
			DBInstanceAutomatedBackupsArn: awssdk.String(in.SourceAutomatedBackups)})
		if err != nil {
			return one(fromErr("target", classify(err, "describe %s", what)))
		}
		if len(out.DBInstanceAutomatedBackups) == 0 {
			return one(notReady("target", "%s not found in %s", what, a.resolve(in.Scope).Region))
		}
		if w := out.DBInstanceAutomatedBackups[0].RestoreWindow; w != nil {
			earliest, latest = w.EarliestTime, w.LatestTime
		}
	case in.SourceInstanceID != "":
		what = fmt.Sprintf("DB instance %q", in.SourceInstanceID)
		inst, err := describeInstance(ctx, c, in.SourceInstanceID)
		if err != nil {
			return one(fromErr("target", err))
		}
		if inst == nil {
			return one(notReady("target", "%s not found", what))
		}
		if awssdk.ToInt32(inst.BackupRetentionPeriod) == 0 {
			return one(notReady("target", "%s keeps no automated backups (backup retention 0): there is no point in time to restore", what))
		}
		latest = inst.LatestRestorableTime
	default:
		return one(notReady("target", "the step names no source: give source_db_instance_identifier or source_db_instance_automated_backups_arn"))
	}
	return one(restorable(t, what, in.RestoreTime, earliest, latest))
}

// restorable is the finding of a point-in-time restore of `what`, whose restorable
// window is earliest to latest: restore_time (when given before the run) lies in it,
// and the latest restorable time is within the runbook's RPO.
func restorable(t readiness.Target, what, restoreTime string, earliest, latest *time.Time) readiness.Finding {
	if restoreTime != "" && !t.IsUnknown("restore_time") {
		at, err := time.Parse(time.RFC3339, restoreTime)
		switch {
		case err != nil:
			return notReady("target", "restore_time %q is not an RFC 3339 time", restoreTime)
		case earliest != nil && at.Before(*earliest), latest != nil && at.After(*latest):
			return notReady("target", "restore_time %s is outside the restorable window of %s (%s to %s)", restoreTime, what, stamp(earliest), stamp(latest))
		}
	}
	if latest == nil {
		return warn("target", "%s gives no latest restorable time yet", what)
	}
	return fresh(t, fmt.Sprintf("the latest restorable time of %s", what), *latest)
}

// checkClusterPointInTime: the source Aurora cluster exists and can be restored to a
// time within the RPO (and to restore_time).
func (a *Actions) checkClusterPointInTime(ctx context.Context, t readiness.Target, in clusterRestoreInput) []readiness.Finding {
	cl, f := rdsTarget(ctx, a, t, in.Scope, dbClusterResource.namedBy("source_db_cluster_identifier"), in.SourceClusterID, true)
	if cl == nil {
		return one(f)
	}
	return one(restorable(t, fmt.Sprintf("DB cluster %q", in.SourceClusterID), in.RestoreTime, cl.EarliestRestorableTime, cl.LatestRestorableTime))
}

// checkClusterSnapshotRestore: the snapshot to restore (the one named, or the newest of
// the source cluster taken before snapshot_before) is available and within the RPO.
func (a *Actions) checkClusterSnapshotRestore(ctx context.Context, t readiness.Target, in clusterSnapshotRestoreInput) []readiness.Finding {
	if n, ok := runTime(t, "db_cluster_snapshot_identifier", "source_db_cluster_identifier"); ok {
		return one(later("target", n))
	}
	if (in.SnapshotID == "") == (in.SourceClusterID == "") {
		return one(notReady("target", "give db_cluster_snapshot_identifier or source_db_cluster_identifier (one of them)"))
	}
	c, err := a.rdsClient(ctx, in.Scope)
	if err != nil {
		return one(cannot("target", "%v", err))
	}
	before, _ := time.Parse(time.RFC3339, in.SnapshotBefore)
	snap, err := clusterSnapshot(ctx, c, in.SnapshotID, in.SourceClusterID, before)
	if err != nil {
		return one(fromErr("target", err))
	}
	return one(fresh(t, fmt.Sprintf("DB cluster snapshot %q", awssdk.ToString(snap.DBClusterSnapshotIdentifier)), *snap.SnapshotCreateTime))
}

// checkTablePointInTime: the source table has point-in-time recovery on and can be
// restored to a time within the RPO (and to restore_time); a target table that already
// exists is a warning (a new restore into it would be refused).
func (a *Actions) checkTablePointInTime(ctx context.Context, t readiness.Target, in tableRestoreInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.dynamodbClient, "source_table")
	if skip != nil {
		return skip
	}
	what := fmt.Sprintf("DynamoDB table %q", in.SourceTable)
	out, err := c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: awssdk.String(in.SourceTable)})
	if err != nil {
		return one(fromErr("target", classify(err, "describe the continuous backups of %s", what)))
	}
	d := out.ContinuousBackupsDescription
	if d == nil || d.PointInTimeRecoveryDescription == nil || d.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != ddbtypes.PointInTimeRecoveryStatusEnabled {
		return one(notReady("target", "%s does not have point-in-time recovery enabled: there is no point in time to restore", what))
	}
	p := d.PointInTimeRecoveryDescription
	fs := []readiness.Finding{restorable(t, what, in.RestoreTime, p.EarliestRestorableDateTime, p.LatestRestorableDateTime)}
	if in.TargetTable != "" && !t.IsUnknown("target_table") {
		if _, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: awssdk.String(in.TargetTable)}); err == nil {
			fs = append(fs, warn("target", "the target table %q exists already: a new restore into it would be refused", in.TargetTable))
		}
	}
	return fs
}

func stamp(t *time.Time) string {
	if t == nil {
		return "?"
	}
	return t.UTC().Format(time.RFC3339)
}
