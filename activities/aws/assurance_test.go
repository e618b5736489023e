package aws

// Tests of checks that used to pass when the world was not as they claimed (issue 16,
// "false assurance"): each case is one a check must fail, or one it must see.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// TestS3VerifyReplicationSamplesTheNewestObjects: S3 lists keys in UTF-8 binary order, at
// most 1,000 a page, with a continuation token for the rest
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html), so the newest
// object of a bucket with more than 1,000 keys may be on a later page. The check read the
// first page only: the newest object, still PENDING, was never seen and max_pending could
// not fail. The fake answers as the API reference documents, including the
// x-amz-replication-status header of HeadObject
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
func TestS3VerifyReplicationSamplesTheNewestObjects(t *testing.T) {
	old := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	var heads []string
	var mu sync.Mutex
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		w.Header().Set("Content-Type", "application/xml")
		switch {
		case r.Method == http.MethodHead:
			key := strings.TrimPrefix(r.URL.Path, "/ledger-src/")
			mu.Lock()
			heads = append(heads, key)
			mu.Unlock()
			status := "COMPLETED"
			if strings.HasPrefix(key, "today/") {
				status = "PENDING"
			}
			w.Header().Set("x-amz-replication-status", status)
			w.Header().Set("Last-Modified", old.Format(http.TimeFormat))
		case q.Has("versioning"):
			fmt.Fprint(w, `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
		case q.Has("replication"):
			fmt.Fprint(w, `<ReplicationConfiguration><Role>arn:aws:iam::123456789012:role/replication</Role><Rule><ID>all</ID><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::ledger-dst</Bucket></Destination></Rule></ReplicationConfiguration>`)
		case q.Get("list-type") == "2" && q.Get("continuation-token") == "":
			var b strings.Builder
			for i := 0; i < 1000; i++ {
				fmt.Fprintf(&b, `<Contents><Key>archive/%04d</Key><LastModified>%s</LastModified><Size>1</Size></Contents>`,
					i, old.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
			}
			fmt.Fprintf(w, `<ListBucketResult><Name>ledger-src</Name><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>page-2</NextContinuationToken>%s</ListBucketResult>`, b.String())
		case q.Get("list-type") == "2" && q.Get("continuation-token") == "page-2":
			fmt.Fprintf(w, `<ListBucketResult><Name>ledger-src</Name><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><ContinuationToken>page-2</ContinuationToken><Contents><Key>today/order-1</Key><LastModified>%s</LastModified><Size>1</Size></Contents></ListBucketResult>`,
				time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC).Format(time.RFC3339))
		default:
			w.WriteHeader(400)
			fmt.Fprintf(w, `<Error><Code>InvalidRequest</Code><Message>unexpected %s %s</Message></Error>`, r.Method, r.URL)
		}
	})
	ctx := testCtx(t)

	res, err := a.S3VerifyReplication(ctx, request(t, map[string]any{"bucket": "ledger-src", "sample": 2}))
	require.NoError(t, err)
	assert.Equal(t, "today/order-1", res["newest_key"], "the newest object, past the first 1,000 names")
	assert.Equal(t, 1001, res["objects_listed"])
	assert.Equal(t, 2, res["objects_checked"])
	assert.Equal(t, 1, res["pending"])
	assert.Equal(t, []string{"today/order-1", "archive/0999"}, heads, "the two newest, newest first")

	_, err = a.S3VerifyReplication(ctx, request(t, map[string]any{"bucket": "ledger-src", "sample": 2, "max_pending": 0}))
	requireErrorType(t, err, activities.ErrFailed, "ledger-src", "PENDING")

	_, err = a.S3VerifyReplication(ctx, request(t, map[string]any{"bucket": "ledger-src", "sample": 1, "scan_limit": 1000}))
	requireErrorType(t, err, activities.ErrValidation, "ledger-src", "more than 1000 objects", "scan_limit", "prefix")
}

// TestDynamoDBReplicaStatusWithoutExpectRegionsChecksEveryReplica: a replica_status step
// that names no region used to pass whatever the replicas' state. DescribeTable's
// Replicas list each replica with its ReplicaStatus
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ReplicaDescription.html).
func TestDynamoDBReplicaStatusWithoutExpectRegionsChecksEveryReplica(t *testing.T) {
	replicas := []any{
		map[string]any{"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"},
		map[string]any{"RegionName": "eu-west-1", "ReplicaStatus": "INACCESSIBLE_ENCRYPTION_CREDENTIALS"},
	}
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		table := map[string]any{"TableName": body["TableName"], "TableStatus": "ACTIVE"}
		if body["TableName"] == "carts" {
			table["Replicas"] = replicas
		}
		writeJSON(w, 200, map[string]any{"Table": table})
	})
	ctx := testCtx(t)
	_, err := a.DynamoDBReplicaStatus(ctx, request(t, map[string]any{"table": "carts"}))
	requireErrorType(t, err, activities.ErrFailed, "carts", "eu-west-1 is INACCESSIBLE_ENCRYPTION_CREDENTIALS")

	res, err := a.DynamoDBReplicaStatus(ctx, request(t, map[string]any{"table": "carts", "expect_regions": []any{"us-west-2"}}))
	require.NoError(t, err, "the region failed over to is ACTIVE: the other replica may be down")
	assert.Equal(t, false, res["all_active"])

	_, err = a.DynamoDBReplicaStatus(ctx, request(t, map[string]any{"table": "sessions"}))
	requireErrorType(t, err, activities.ErrFailed, "sessions", "no replica")
}

// TestDynamoDBReplicaStatusCountsTheTableItReadsAsItsRegionsReplica: read in the secondary
// region, the table there is the secondary replica, whether or not DescribeTable lists it.
func TestDynamoDBReplicaStatusCountsTheTableItReadsAsItsRegionsReplica(t *testing.T) {
	status := "ACTIVE"
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"Table": map[string]any{"TableName": "carts", "TableStatus": status,
			"Replicas": []any{map[string]any{"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"}}}})
	})
	ctx := testCtx(t)
	_, err := a.DynamoDBReplicaStatus(ctx, request(t, map[string]any{"table": "carts", "region": "us-west-2", "expect_regions": []any{"us-west-2"}}))
	require.NoError(t, err)
	status = "UPDATING"
	_, err = a.DynamoDBReplicaStatus(ctx, request(t, map[string]any{"table": "carts", "region": "us-west-2", "expect_regions": []any{"us-west-2"}}))
	requireErrorType(t, err, activities.ErrFailed, "carts", "the table is UPDATING")
}

// TestRoute53HealthCheckStatusReadsWhatRoute53Uses: GetHealthCheckStatus cannot read a
// calculated health check and reports raw checker observations, without Inverted or
// Disabled (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html).
// The status Route 53 routes on is the HealthCheckStatus metric, in us-east-1
// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-cloudwatch.html).
func TestRoute53HealthCheckStatusReadsWhatRoute53Uses(t *testing.T) {
	a := newActions(t)
	ctx := testCtx(t)
	r53 := route53.NewFromConfig(sdkConfig(t, awstest.Region))
	child, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: awssdk.String("hc-child"),
		HealthCheckConfig: &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeHttps, FullyQualifiedDomainName: awssdk.String("api.example.com"), Port: awssdk.Int32(443)}})
	require.NoError(t, err)
	calc, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: awssdk.String("hc-calc"),
		HealthCheckConfig: &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeCalculated, Inverted: awssdk.Bool(true),
			HealthThreshold: awssdk.Int32(1), ChildHealthChecks: []string{awssdk.ToString(child.HealthCheck.Id)}}})
	require.NoError(t, err)
	id := awssdk.ToString(calc.HealthCheck.Id)

	// Route 53 reports the calculated, inverted check unhealthy (0) now
	cw := cloudwatchClient(t) // awstest.Region is us-east-1, where Route 53 publishes
	_, err = cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: awssdk.String("AWS/Route53"),
		MetricData: []cwtypes.MetricDatum{{MetricName: awssdk.String("HealthCheckStatus"), Value: awssdk.Float64(0), Timestamp: awssdk.Time(time.Now()),
			Dimensions: []cwtypes.Dimension{{Name: awssdk.String("HealthCheckId"), Value: awssdk.String(id)}}}}})
	require.NoError(t, err)

	res, err := a.Route53HealthCheckStatus(ctx, request(t, map[string]any{"health_check_id": id, "region": "eu-west-1"}))
	require.NoError(t, err)
	assert.Equal(t, false, res["healthy"])
	assert.Equal(t, "CALCULATED", res["type"])
	assert.Equal(t, true, res["inverted"])
	assert.NotEmpty(t, res["measured_at"])
	_, err = a.Route53HealthCheckStatus(ctx, request(t, map[string]any{"health_check_id": id, "require_healthy": true}))
	requireErrorType(t, err, activities.ErrFailed, id, "unhealthy")

	// no datapoint: the status is unknown, which is not healthy
	_, err = a.Route53HealthCheckStatus(ctx, request(t, map[string]any{"health_check_id": awssdk.ToString(child.HealthCheck.Id)}))
	requireErrorType(t, err, activities.ErrFailed, "no datapoint")
}

// TestRDSWaitClusterForAWriterWaitsForThePromotion: a global database's secondary cluster
// has readers only; after FailoverGlobalCluster one of them becomes the writer
// (DBClusterMember.IsClusterWriter,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBClusterMember.html).
// Its instances are "available" all along, so the old db_writable step (wait for an
// instance to be available) passed before anything could write.
func TestRDSWaitClusterForAWriterWaitsForThePromotion(t *testing.T) {
	var describes atomic.Int32
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "text/xml")
		switch r.Form.Get("Action") {
		case "DescribeDBInstances":
			fmt.Fprint(w, `<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance>
<DBInstanceIdentifier>shop-west-1</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus>
</DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>`)
		case "DescribeDBClusters":
			writer := describes.Add(1) > 3 // promoted on the fourth look
			fmt.Fprintf(w, `<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster>
<DBClusterIdentifier>shop-west</DBClusterIdentifier><Status>available</Status><Endpoint>shop-west.cluster</Endpoint>
<DBClusterMembers><DBClusterMember><DBInstanceIdentifier>shop-west-1</DBInstanceIdentifier><IsClusterWriter>%t</IsClusterWriter></DBClusterMember>
<DBClusterMember><DBInstanceIdentifier>shop-west-2</DBInstanceIdentifier><IsClusterWriter>false</IsClusterWriter></DBClusterMember></DBClusterMembers>
</DBCluster></DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>`, writer)
		}
	})
	ctx := testCtx(t)
	res, err := a.RDSWaitCluster(ctx, request(t, map[string]any{"db_cluster_identifier": "shop-west", "require_writer": true}))
	require.NoError(t, err)
	assert.Equal(t, "shop-west-1", res["writer"])
	assert.Equal(t, int32(4), describes.Load(), "waited until a writer appeared")
}
