package aws

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

var restoreJobOutputs = []runbooks.Field{
	field("restore_job_id", runbooks.TypeString, "AWS Backup restore job id"),
	field("status", runbooks.TypeString, "PENDING, RUNNING, COMPLETED, ABORTED or FAILED"),
	field("created_resource_arn", runbooks.TypeString, "the restored resource (when completed)"),
}

// ---- aws.backup.start_restore

type startRestoreInput struct {
	RecoveryPointARN string            `json:"recovery_point_arn"`
	IAMRoleARN       string            `json:"iam_role_arn"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	ResourceType     string            `json:"resource_type,omitempty"`
	CopySourceTags   bool              `json:"copy_source_tags"`
	Wait             bool              `json:"wait"`
	Scope
}

var backupStartRestoreSpec = newSpec[startRestoreInput](runbooks.Kind{
	Name: "aws.backup.start_restore",
	Description: "Start an AWS Backup restore job from a recovery point, with an idempotency token from the run and step (a retry " +
		"does not start a second restore); optionally wait for it (or use aws.backup.wait_restore).",
	Inputs: []runbooks.Field{
		reqStr("recovery_point_arn", "recovery point ARN"),
		reqStr("iam_role_arn", "role AWS Backup uses to create the resource"),
		field("metadata", runbooks.TypeMap, "restore metadata for the resource type (see GetRecoveryPointRestoreMetadata)"),
		optStr("resource_type", "e.g. EBS, RDS, Aurora, EFS, DynamoDB, S3"),
		withDefault(field("copy_source_tags", runbooks.TypeBool, "copy the source resource's tags"), false),
		waitInput(false, "the restore job has completed"),
	},
	Outputs:         restoreJobOutputs,
	IAMActions:      []string{"backup:StartRestoreJob", "backup:DescribeRestoreJob", "iam:PassRole"},
	SideEffects:     true,
	DefaultEstimate: estimate(30 * time.Minute),
})

type restoreStarter interface {
	StartRestoreJob(context.Context, *backup.StartRestoreJobInput, ...func(*backup.Options)) (*backup.StartRestoreJobOutput, error)
	restoreDescriber
}

type restoreDescriber interface {
	DescribeRestoreJob(context.Context, *backup.DescribeRestoreJobInput, ...func(*backup.Options)) (*backup.DescribeRestoreJobOutput, error)
}

// BackupStartRestore carries out aws.backup.start_restore.
func (a *Actions) BackupStartRestore(ctx context.Context, req activities.Request) (activities.Result, error) {
	return backupStartRestoreSpec.run(ctx, req, withClient(a.backupClient, func(ctx context.Context, req activities.Request, in startRestoreInput, c *backup.Client) (activities.Result, error) {
		return a.startRestore(ctx, c, req, in)
	}))
}

func (a *Actions) startRestore(ctx context.Context, c restoreStarter, req activities.Request, in startRestoreInput) (activities.Result, error) {
	input := &backup.StartRestoreJobInput{
		RecoveryPointArn:                 awssdk.String(in.RecoveryPointARN),
		IamRoleArn:                       awssdk.String(in.IAMRoleARN),
		Metadata:                         in.Metadata,
		IdempotencyToken:                 awssdk.String(requestToken(req, "restore")),
		CopySourceTagsToRestoredResource: in.CopySourceTags,
	}
	if input.Metadata == nil {
		input.Metadata = map[string]string{}
	}
	if in.ResourceType != "" {
		input.ResourceType = awssdk.String(in.ResourceType)
	}
	logChange(ctx, "start AWS Backup restore", "recovery_point", in.RecoveryPointARN) // not the metadata
	out, err := c.StartRestoreJob(ctx, input)
	if err != nil {
		return nil, classify(err, "start restore of recovery point %q", in.RecoveryPointARN)
	}
	id := awssdk.ToString(out.RestoreJobId)
	if !in.Wait {
		return activities.Result{"restore_job_id": id, "status": string(backuptypes.RestoreJobStatusPending), "created_resource_arn": ""}, nil
	}
	return a.waitRestore(ctx, c, id)
}

// ---- aws.backup.wait_restore

type waitRestoreInput struct {
	RestoreJobID string `json:"restore_job_id"`
	Scope
}

var backupWaitRestoreSpec = newSpec[waitRestoreInput](runbooks.Kind{
	Name:            "aws.backup.wait_restore",
	Description:     "Wait until an AWS Backup restore job has completed; an aborted or failed job fails the step.",
	Inputs:          []runbooks.Field{reqStr("restore_job_id", "restore job id from aws.backup.start_restore")},
	Outputs:         restoreJobOutputs,
	IAMActions:      []string{"backup:DescribeRestoreJob"},
	DefaultEstimate: estimate(30 * time.Minute),
})

// BackupWaitRestore carries out aws.backup.wait_restore.
func (a *Actions) BackupWaitRestore(ctx context.Context, req activities.Request) (activities.Result, error) {
	return backupWaitRestoreSpec.run(ctx, req, withClient(a.backupClient, func(ctx context.Context, req activities.Request, in waitRestoreInput, c *backup.Client) (activities.Result, error) {
		return a.waitRestore(ctx, c, in.RestoreJobID)
	}))
}

func (a *Actions) waitRestore(ctx context.Context, c restoreDescriber, id string) (activities.Result, error) {
	var job *backup.DescribeRestoreJobOutput
	_, err := a.poll(ctx, fmt.Sprintf("AWS Backup restore job %s", id), func(ctx context.Context) (bool, string, error) {
		var err error
		if job, err = c.DescribeRestoreJob(ctx, &backup.DescribeRestoreJobInput{RestoreJobId: awssdk.String(id)}); err != nil {
			return false, "", classify(err, "describe restore job %s", id)
		}
		st := string(job.Status)
		if p := awssdk.ToString(job.PercentDone); p != "" {
			st += " " + p + "%"
		}
		switch job.Status {
		case backuptypes.RestoreJobStatusCompleted:
			return true, st, nil
		case backuptypes.RestoreJobStatusAborted, backuptypes.RestoreJobStatusFailed:
			return false, st, failed("AWS Backup restore job %s is %s: %s", id, job.Status, awssdk.ToString(job.StatusMessage))
		}
		return false, st, nil
	})
	if err != nil {
		return nil, err
	}
	return activities.Result{
		"restore_job_id":       id,
		"status":               string(job.Status),
		"created_resource_arn": awssdk.ToString(job.CreatedResourceArn),
	}, nil
}
