package aws

import (
	"context"
	"fmt"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.dynamodb.restore_table_to_point_in_time

type tableRestoreInput struct {
	SourceTable             string `json:"source_table"`
	TargetTable             string `json:"target_table"`
	RestoreTime             string `json:"restore_time,omitempty"`
	UseLatestRestorableTime bool   `json:"use_latest_restorable_time"`
	BillingMode             string `json:"billing_mode,omitempty"`
	KMSKeyID                string `json:"kms_key_id,omitempty"`
	Wait                    bool   `json:"wait"`
	Scope
}

var dynamodbRestoreTableSpec = newSpec[tableRestoreInput](runbooks.Kind{
	Name: "aws.dynamodb.restore_table_to_point_in_time",
	Description: "Restore a DynamoDB table, with point-in-time recovery on, as it was at restore_time (just before the first bad " +
		"write) or at its latest restorable time, into a new table in the same region, and wait until the new table is ACTIVE. " +
		"A retried step adopts the table it started restoring; a target table that exists otherwise is an error. Drill: " +
		"restore into a throwaway table name and delete it in the cleanup.",
	Inputs: []runbooks.Field{
		reqStr("source_table", "the table to restore (name or ARN)"),
		reqStr("target_table", "name of the new table"),
		optStr("restore_time", "the time to restore to (RFC 3339); or use_latest_restorable_time"),
		withDefault(field("use_latest_restorable_time", runbooks.TypeBool, "restore to the latest restorable time (about five minutes ago)"), false),
		allowed(optStr("billing_mode", "billing mode of the new table (default: the source's)"), "PAY_PER_REQUEST", "PROVISIONED"),
		optStr("kms_key_id", "KMS key (ARN, id or alias) to encrypt the new table with (default: the source's encryption)"),
		waitInput(true, "the new table is ACTIVE"),
	},
	Outputs: []runbooks.Field{
		field("table_arn", runbooks.TypeString, "ARN of the new table"),
		field("status", runbooks.TypeString, "the new table's status"),
		field("restore_time", runbooks.TypeString, "the time restored to (RFC 3339, as DynamoDB reports it)"),
		field("created", runbooks.TypeBool, "false when an earlier attempt of this step had started the restore"),
	},
	// RestoreTableToPointInTime writes the items into the new table with the caller's
	// permissions: "Using IAM with point-in-time recovery",
	// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/pointintimerecovery_beforeyoubegin.html
	IAMActions: []string{"dynamodb:RestoreTableToPointInTime", "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem",
		"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchWriteItem",
		"kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(30 * time.Minute),
})

type tableRestorer interface {
	tableDescriber
	RestoreTableToPointInTime(context.Context, *dynamodb.RestoreTableToPointInTimeInput, ...func(*dynamodb.Options)) (*dynamodb.RestoreTableToPointInTimeOutput, error)
}

// DynamoDBRestoreTableToPointInTime carries out aws.dynamodb.restore_table_to_point_in_time.
func (a *Actions) DynamoDBRestoreTableToPointInTime(ctx context.Context, req activities.Request) (activities.Result, error) {
	return dynamodbRestoreTableSpec.run(ctx, req, withClient(a.dynamodbClient, func(ctx context.Context, req activities.Request, in tableRestoreInput, c *dynamodb.Client) (activities.Result, error) {
		return a.restoreTable(ctx, c, in)
	}))
}

// describeTable returns the table, or nil when it does not exist.
func describeTable(ctx context.Context, c tableDescriber, name string) (*ddbtypes.TableDescription, error) {
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: awssdk.String(name)})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, classify(err, "describe DynamoDB table %q", name)
	}
	return out.Table, nil
}

// restoredFrom reports whether a table is a restore of source (RestoreSummary names the
// source table's ARN; source may be a name or an ARN).
func restoredFrom(t *ddbtypes.TableDescription, source string) bool {
	if t.RestoreSummary == nil {
		return false
	}
	arn := awssdk.ToString(t.RestoreSummary.SourceTableArn)
	return arn == source || strings.HasSuffix(arn, ":table/"+source)
}

// restoreInput is the RestoreTableToPointInTime request for the step, at the time read
// by restoreTime.
func (in tableRestoreInput) restoreInput(at time.Time) *dynamodb.RestoreTableToPointInTimeInput {
	input := &dynamodb.RestoreTableToPointInTimeInput{TargetTableName: awssdk.String(in.TargetTable)}
	if strings.HasPrefix(in.SourceTable, "arn:") {
		input.SourceTableArn = awssdk.String(in.SourceTable)
	} else {
		input.SourceTableName = awssdk.String(in.SourceTable)
	}
	input.UseLatestRestorableTime, input.RestoreDateTime = restorePoint(in.UseLatestRestorableTime, at)
	if in.BillingMode != "" {
		input.BillingModeOverride = ddbtypes.BillingMode(in.BillingMode)
	}
	if in.KMSKeyID != "" {
		input.SSESpecificationOverride = &ddbtypes.SSESpecification{Enabled: awssdk.Bool(true),
			SSEType: ddbtypes.SSETypeKms, KMSMasterKeyId: awssdk.String(in.KMSKeyID)}
	}
	return input
}

func (a *Actions) restoreTable(ctx context.Context, c tableRestorer, in tableRestoreInput) (activities.Result, error) {
	what := fmt.Sprintf("restore DynamoDB table %q into %q", in.SourceTable, in.TargetTable)
	at, err := restoreTime(what, in.RestoreTime, in.UseLatestRestorableTime)
	if err != nil {
		return nil, err
	}
	existing, err := describeTable(ctx, c, in.TargetTable)
	if err != nil {
		return nil, err
	}
	t, created, err := adoptOrStart(what, existing, func(t *ddbtypes.TableDescription) bool { return restoredFrom(t, in.SourceTable) },
		fmt.Sprintf("a table %q exists and is not a restore of %q; choose another target_table", in.TargetTable, in.SourceTable),
		"TableAlreadyExistsException", func() (*ddbtypes.TableDescription, error) {
			logChange(ctx, "restore DynamoDB table to a point in time", "source", in.SourceTable, "target", in.TargetTable, "time", in.RestoreTime)
			out, err := c.RestoreTableToPointInTime(ctx, in.restoreInput(at))
			if err != nil {
				return nil, classify(err, "%s", what)
			}
			return out.TableDescription, nil
		})
	if err != nil {
		return nil, err
	}
	if in.Wait {
		_, err := a.poll(ctx, fmt.Sprintf("DynamoDB table %q ACTIVE", in.TargetTable), func(ctx context.Context) (bool, string, error) {
			got, err := describeTable(ctx, c, in.TargetTable)
			if err != nil {
				return false, "", err
			}
			if got == nil {
				return false, "", notFound("%s: table %q not found", what, in.TargetTable)
			}
			t = got
			restoring := got.RestoreSummary != nil && awssdk.ToBool(got.RestoreSummary.RestoreInProgress)
			return got.TableStatus == ddbtypes.TableStatusActive && !restoring, string(got.TableStatus), nil
		})
		if err != nil {
			return nil, err
		}
	}
	restored := in.RestoreTime
	if t.RestoreSummary != nil && t.RestoreSummary.RestoreDateTime != nil {
		restored = t.RestoreSummary.RestoreDateTime.UTC().Format(time.RFC3339)
	}
	return activities.Result{"table_arn": awssdk.ToString(t.TableArn), "status": string(t.TableStatus),
		"restore_time": restored, "created": created}, nil
}
