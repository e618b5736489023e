package aws

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

func s3Client(t testing.TB) *s3.Client {
	return s3.NewFromConfig(sdkConfig(t, awstest.Region), func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

func createBucket(t testing.TB, c *s3.Client, name string, versioned bool) {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: awssdk.String(name)})
	require.NoError(t, err)
	if versioned {
		_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
			Bucket:                  awssdk.String(name),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
		})
		require.NoError(t, err)
	}
}

func TestS3Markers(t *testing.T) {
	a := newActions(t)
	c := s3Client(t)
	ctx := testCtx(t)
	createBucket(t, c, "orders-primary", false)

	put := request(t, map[string]any{"bucket": "orders-primary", "key": "canary/run-1"})
	res, err := a.S3PutMarker(ctx, put)
	require.NoError(t, err)
	assert.Equal(t, "canary/run-1", res["key"])
	assert.EqualValues(t, 1, res["seq"])
	written := res["written_at"].(string)
	_, err = time.Parse(time.RFC3339Nano, written)
	require.NoError(t, err)

	// the object in moto is the marker
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: awssdk.String("orders-primary"), Key: awssdk.String("canary/run-1")})
	require.NoError(t, err)
	var body bytes.Buffer
	_, _ = body.ReadFrom(obj.Body)
	assert.Contains(t, body.String(), `"written_at":"`+written+`"`)

	res = requirePutKeepsItsMarker(t, a.S3PutMarker, put, written)

	got, err := a.S3GetMarker(ctx, request(t, map[string]any{"bucket": "orders-primary", "key": "canary/run-1"}))
	require.NoError(t, err)
	assert.Equal(t, true, got["found"])
	assert.Equal(t, res["written_at"], got["written_at"])
	assert.EqualValues(t, 2, got["seq"])
	assert.GreaterOrEqual(t, got["lag_seconds"].(float64), 0.0)

	// a marker that never arrives is found: false after the wait, not an error
	start := time.Now()
	got, err = a.S3GetMarker(ctx, request(t, map[string]any{"bucket": "orders-primary", "key": "canary/never", "wait": "300ms"}))
	require.NoError(t, err)
	assert.Equal(t, false, got["found"])
	assert.Nil(t, got["lag_seconds"], "no lag is measured")
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)

	// a marker that arrives during the wait is found, with its lag
	go func() {
		time.Sleep(150 * time.Millisecond)
		_, _ = a.S3PutMarker(context.Background(), request(t, map[string]any{"bucket": "orders-primary", "key": "canary/late"}))
	}()
	got, err = a.S3GetMarker(ctx, request(t, map[string]any{"bucket": "orders-primary", "key": "canary/late", "wait": "10s"}))
	require.NoError(t, err)
	assert.Equal(t, true, got["found"])
	assert.Less(t, got["lag_seconds"].(float64), 2.0)

	_, err = a.S3GetMarker(ctx, request(t, map[string]any{"bucket": "no-such-bucket-x", "key": "k"}))
	requireErrorType(t, err, activities.ErrNotFound, "no-such-bucket-x")
}

// requirePutKeepsItsMarker: a retried put (put again: the same run and step) keeps the
// marker its first attempt wrote at written, seq 1; another step's put writes the next
// one, seq 2, whose result it returns.
func requirePutKeepsItsMarker(t *testing.T, putMarker func(context.Context, activities.Request) (activities.Result, error),
	put activities.Request, written any) activities.Result {
	t.Helper()
	ctx := testCtx(t)
	res, err := putMarker(ctx, put)
	require.NoError(t, err, "a retried put keeps its marker")
	assert.Equal(t, written, res["written_at"])
	assert.EqualValues(t, 1, res["seq"])
	next := put
	next.StepID = "later-step"
	res, err = putMarker(ctx, next)
	require.NoError(t, err)
	assert.EqualValues(t, 2, res["seq"], "seq counts the markers written")
	return res
}

func TestS3VerifyReplication(t *testing.T) {
	a := newActions(t)
	c := s3Client(t)
	ctx := testCtx(t)
	createBucket(t, c, "media-src", true)
	createBucket(t, c, "media-dst", true)
	createBucket(t, c, "media-unreplicated", true)
	_, err := c.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{
		Bucket: awssdk.String("media-src"),
		ReplicationConfiguration: &s3types.ReplicationConfiguration{
			Role: awssdk.String("arn:aws:iam::123456789012:role/replication"),
			Rules: []s3types.ReplicationRule{{
				ID: awssdk.String("all"), Status: s3types.ReplicationRuleStatusEnabled, Priority: awssdk.Int32(1),
				Filter:                  &s3types.ReplicationRuleFilter{Prefix: awssdk.String("")},
				Destination:             &s3types.Destination{Bucket: awssdk.String("arn:aws:s3:::media-dst")},
				DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: s3types.DeleteMarkerReplicationStatusDisabled},
			}},
		},
	})
	require.NoError(t, err)
	for _, k := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: awssdk.String("media-src"), Key: awssdk.String(k), Body: strings.NewReader("x")})
		require.NoError(t, err)
	}

	res, err := a.S3VerifyReplication(ctx, request(t, map[string]any{"bucket": "media-src", "sample": 2, "max_pending": 0}))
	require.NoError(t, err)
	assert.Equal(t, 1, res["rules_enabled"])
	assert.Equal(t, "arn:aws:s3:::media-dst", res["destination_bucket"])
	assert.Equal(t, 2, res["objects_checked"])
	assert.Equal(t, 0, res["failed"])

	_, err = a.S3VerifyReplication(ctx, request(t, map[string]any{"bucket": "media-unreplicated"}))
	requireErrorType(t, err, activities.ErrFailed, "media-unreplicated", "no replication configuration")
	_, err = a.S3VerifyReplication(ctx, request(t, map[string]any{"bucket": "no-such-bucket-y"}))
	requireErrorType(t, err, activities.ErrNotFound, "no-such-bucket-y")
}

func TestDynamoDBMarkersAndReplicaStatus(t *testing.T) {
	a, c, ctx := rig(t, dynamodb.NewFromConfig)
	_, err := c.CreateTable(ctx, awstest.KeyTable("carts"))
	require.NoError(t, err)

	put := request(t, map[string]any{"table": "carts", "key": "bcdr-canary-run-1"})
	res, err := a.DynamoDBPutMarker(ctx, put)
	require.NoError(t, err)
	assert.Equal(t, "bcdr-canary-run-1", res["key"])
	assert.EqualValues(t, 1, res["seq"])
	written := res["written_at"]

	item, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: awssdk.String("carts"),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "bcdr-canary-run-1"}}})
	require.NoError(t, err)
	assert.Equal(t, written, item.Item["written_at"].(*ddbtypes.AttributeValueMemberS).Value, "the item in moto is the marker")

	res = requirePutKeepsItsMarker(t, a.DynamoDBPutMarker, put, written)

	// With expire_after the marker carries the table's TTL attribute, so old markers go.
	before := time.Now()
	_, err = a.DynamoDBPutMarker(ctx, request(t, map[string]any{"table": "carts", "key": "bcdr-canary-run-2", "expire_after": "7d"}))
	require.NoError(t, err)
	marked := lastItem(t, c, "bcdr-canary-run-2")
	exp, ok := marked["expires_at"].(*ddbtypes.AttributeValueMemberN)
	require.True(t, ok, "expires_at is a number: %v", marked)
	at, err := strconv.ParseInt(exp.Value, 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, before.Add(7*24*time.Hour).Unix(), at, 5)
	assert.NotContains(t, lastItem(t, c, "bcdr-canary-run-1"), "expires_at", "no expiry unless asked")

	got, err := a.DynamoDBGetMarker(ctx, request(t, map[string]any{"table": "carts", "key": "bcdr-canary-run-1", "wait": "5s"}))
	require.NoError(t, err)
	assert.Equal(t, true, got["found"])
	assert.Equal(t, res["written_at"], got["written_at"])
	got, err = a.DynamoDBGetMarker(ctx, request(t, map[string]any{"table": "carts", "key": "absent"}))
	require.NoError(t, err)
	assert.Equal(t, false, got["found"])
	assert.Nil(t, got["lag_seconds"], "no lag is measured")

	// moto keeps no replicas: a table that is not global fails the check, and so does a
	// required replica region
	_, err = a.DynamoDBReplicaStatus(ctx, request(t, map[string]any{"table": "carts"}))
	requireErrorType(t, err, activities.ErrFailed, "carts", "no replica (not a global table)")
	_, err = a.DynamoDBReplicaStatus(ctx, request(t, map[string]any{"table": "carts", "expect_regions": []any{"us-west-2"}}))
	requireErrorType(t, err, activities.ErrFailed, "carts", "no replica in us-west-2")

	_, err = a.DynamoDBGetMarker(ctx, request(t, map[string]any{"table": "no-such-table"}))
	requireErrorType(t, err, activities.ErrNotFound, "no-such-table")
}

// lastItem reads the carts item of a key.
func lastItem(t *testing.T, c *dynamodb.Client, key string) map[string]ddbtypes.AttributeValue {
	t.Helper()
	out, err := c.GetItem(testCtx(t), &dynamodb.GetItemInput{TableName: awssdk.String("carts"),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: key}}})
	require.NoError(t, err)
	return out.Item
}

func TestLambdaInvoke(t *testing.T) {
	a, c, ctx := rig(t, lambda.NewFromConfig)
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, _ := zw.Create("index.py")
	_, _ = f.Write([]byte("def handler(event, context):\n    return event\n"))
	require.NoError(t, zw.Close())
	createRole(t, "lambda")
	_, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: awssdk.String("flush-cache"), Runtime: lambdatypes.RuntimePython312, Handler: awssdk.String("index.handler"),
		Role: awssdk.String("arn:aws:iam::123456789012:role/lambda"), Code: &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()},
	})
	require.NoError(t, err)

	// moto runs Lambda without Docker here: the function echoes its event
	res, err := a.LambdaInvoke(ctx, request(t, map[string]any{"function_name": "flush-cache", "payload": map[string]any{"region": "us-west-2"}}))
	require.NoError(t, err)
	assert.Equal(t, 200, res["status_code"])
	assert.Equal(t, map[string]any{"region": "us-west-2"}, res["payload"])
	// moto's Docker-less Lambda answers every invoke, so a missing function and a function
	// error are tested on the wire (TestLambdaInvokeFunctionErrorFailsTheStep)
}

// createRole creates an IAM role in moto with a plain query request (moto routes it by
// the credential scope and does not check the signature), sparing the tests an IAM SDK.
func createRole(t *testing.T, name string) {
	t.Helper()
	form := url.Values{
		"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {name},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
	}
	req, err := http.NewRequest(http.MethodPost, motoEndpoint(t)+"/", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestSSMGetParameterIsSecret(t *testing.T) {
	a, c, ctx := rig(t, ssm.NewFromConfig)
	_, err := c.PutParameter(ctx, &ssm.PutParameterInput{
		Name: awssdk.String("/dr/db/password"), Value: awssdk.String("s3cr3t-value"), Type: ssmtypes.ParameterTypeSecureString,
	})
	require.NoError(t, err)

	res, err := a.SSMGetParameter(ctx, request(t, map[string]any{"name": "/dr/db/password"}))
	require.NoError(t, err)
	assert.Equal(t, "s3cr3t-value", res["value"], "decrypted")
	assert.Equal(t, "SecureString", res["type"])
	assert.Equal(t, []string{"value"}, res[SecretOutputs], "the interpreter redacts the value")

	_, err = a.SSMGetParameter(ctx, request(t, map[string]any{"name": "/dr/no/such"}))
	requireErrorType(t, err, activities.ErrNotFound, "/dr/no/such")
	assert.NotContains(t, err.Error(), "s3cr3t")
}

func TestCloudWatchAlarms(t *testing.T) {
	a := newActions(t)
	c := cloudwatchClient(t)
	ctx := testCtx(t)
	for _, name := range []string{"shop-5xx", "shop-latency", "shop-lag"} {
		_, err := c.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
			AlarmName: awssdk.String(name), Namespace: awssdk.String("Shop"), MetricName: awssdk.String(name),
			Statistic: cwtypes.StatisticAverage, Period: awssdk.Int32(60), EvaluationPeriods: awssdk.Int32(1),
			Threshold: awssdk.Float64(1), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
		})
		require.NoError(t, err)
	}
	setState := func(name string, st cwtypes.StateValue) {
		_, err := c.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: awssdk.String(name), StateValue: st, StateReason: awssdk.String("test")})
		require.NoError(t, err)
	}
	setState("shop-5xx", cwtypes.StateValueOk)
	setState("shop-latency", cwtypes.StateValueOk)
	setState("shop-lag", cwtypes.StateValueAlarm)

	res, err := a.CloudWatchAlarmsOK(ctx, request(t, map[string]any{"alarm_names": []any{"shop-5xx", "shop-latency"}}))
	require.NoError(t, err)
	assert.Equal(t, 2, res["checked"])

	_, err = a.CloudWatchAlarmsOK(ctx, request(t, map[string]any{"alarm_name_prefix": "shop-"}))
	requireErrorType(t, err, activities.ErrFailed, "shop-lag is ALARM")

	res, err = a.CloudWatchAlarmState(ctx, request(t, map[string]any{"alarm_name": "shop-lag"}))
	require.NoError(t, err)
	assert.Equal(t, "ALARM", res["state"])
	_, err = a.CloudWatchAlarmState(ctx, request(t, map[string]any{"alarm_name": "shop-lag", "expect": "OK"}))
	requireErrorType(t, err, activities.ErrFailed, "shop-lag", "expected OK")

	_, err = a.CloudWatchAlarmsOK(ctx, request(t, map[string]any{"alarm_names": []any{"shop-5xx", "shop-missing"}}))
	requireErrorType(t, err, activities.ErrNotFound, "shop-missing")
}

// A step with role_arn acts in the role's account: moto gives assumed-role credentials
// of the role's account, and keeps each account's resources apart.
func TestAssumeRoleActsInTheRolesAccount(t *testing.T) {
	a := newActions(t)
	ctx := testCtx(t)
	const role = "arn:aws:iam::111122223333:role/bcdr-recovery"
	cfg := sdkConfig(t, awstest.Region)
	cfg.Credentials = awssdk.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), role))
	other := ssm.NewFromConfig(cfg)
	_, err := other.PutParameter(ctx, &ssm.PutParameterInput{
		Name: awssdk.String("/dr/other-account"), Value: awssdk.String("from-111122223333"), Type: ssmtypes.ParameterTypeString,
	})
	require.NoError(t, err)

	res, err := a.SSMGetParameter(ctx, request(t, map[string]any{"name": "/dr/other-account", "role_arn": role, "external_id": "ext-1"}))
	require.NoError(t, err)
	assert.Equal(t, "from-111122223333", res["value"])

	_, err = a.SSMGetParameter(ctx, request(t, map[string]any{"name": "/dr/other-account"}))
	requireErrorType(t, err, activities.ErrNotFound, "/dr/other-account")
}
