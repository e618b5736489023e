package aws

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sort"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

func (a *Actions) s3Client(ctx context.Context, s Scope) (*s3.Client, error) {
	return client(ctx, a, "s3", s, s3.NewFromConfig, func(o *s3.Options) {
		// an endpoint override (moto, a VPC endpoint by IP) has no per-bucket host names
		o.UsePathStyle = o.BaseEndpoint != nil
		o.DisableLogOutputChecksumValidationSkipped = true // a marker has no checksum: not worth a log line
	})
}

const defaultMarkerKey = "bcdr/canary.json"

// ---- aws.s3.verify_replication

type verifyReplicationInput struct {
	Bucket     string `json:"bucket"`
	Prefix     string `json:"prefix,omitempty"`
	Sample     int    `json:"sample"`
	MaxPending *int   `json:"max_pending,omitempty"`
	ScanLimit  int    `json:"scan_limit"`
	Scope
}

// defaultScanLimit bounds the listing verify_replication reads to find the newest objects:
// 100 pages of 1,000 keys, a few seconds.
const defaultScanLimit = 100000

var s3VerifyReplicationSpec = newSpec[verifyReplicationInput](runbooks.Kind{
	Name: "aws.s3.verify_replication",
	Description: "Check that a bucket replicates: versioning on, at least one enabled replication rule, and the replication status " +
		"of its sample most recently modified objects (under prefix); fails on FAILED objects, and on more than max_pending " +
		"PENDING ones. The newest objects are found by listing every key under prefix (S3 lists keys in name order, not by " +
		"age); a listing longer than scan_limit fails the step rather than check old objects: give a prefix that holds " +
		"the recent writes (e.g. today's date prefix) or raise scan_limit.",
	Inputs: []runbooks.Field{
		reqStr("bucket", "source bucket"),
		optStr("prefix", "only look at objects under this prefix"),
		withDefault(field("sample", runbooks.TypeInt, "how many of the newest objects to check (0: none)"), 20),
		field("max_pending", runbooks.TypeInt, "fail when more of the sampled objects are still PENDING (default: no limit)"),
		withDefault(field("scan_limit", runbooks.TypeInt, "most keys listed to find the newest objects; more fails the step"), defaultScanLimit),
	},
	Outputs: []runbooks.Field{
		field("rules_enabled", runbooks.TypeInt, "enabled replication rules"),
		field("destination_bucket", runbooks.TypeString, "the first enabled rule's destination bucket ARN"),
		field("destinations", runbooks.TypeList, "every enabled rule's destination bucket ARN"),
		field("objects_checked", runbooks.TypeInt, "objects whose status was read"),
		field("replicated", runbooks.TypeInt, "objects replicated (COMPLETED)"),
		field("pending", runbooks.TypeInt, "objects PENDING replication"),
		field("failed", runbooks.TypeInt, "objects whose replication FAILED"),
		field("no_status", runbooks.TypeInt, "objects with no replication status (written before replication, or not matched by a rule)"),
		field("objects_listed", runbooks.TypeInt, "keys listed under prefix to find the newest"),
		field("newest_key", runbooks.TypeString, "the most recently modified object checked (empty when none)"),
		field("newest_modified_at", runbooks.TypeString, "when it was last modified (RFC 3339; empty when none)"),
	},
	IAMActions:      []string{"s3:GetReplicationConfiguration", "s3:GetBucketVersioning", "s3:ListBucket", "s3:GetObject"},
	DefaultEstimate: estimate(5 * time.Second),
})

type replicationReader interface {
	GetBucketReplication(context.Context, *s3.GetBucketReplicationInput, ...func(*s3.Options)) (*s3.GetBucketReplicationOutput, error)
	GetBucketVersioning(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// S3VerifyReplication carries out aws.s3.verify_replication.
func (a *Actions) S3VerifyReplication(ctx context.Context, req activities.Request) (activities.Result, error) {
	return s3VerifyReplicationSpec.run(ctx, req, withClient(a.s3Client, func(ctx context.Context, req activities.Request, in verifyReplicationInput, c *s3.Client) (activities.Result, error) {
		return verifyReplication(ctx, c, in)
	}))
}

func verifyReplication(ctx context.Context, c replicationReader, in verifyReplicationInput) (activities.Result, error) {
	ver, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: awssdk.String(in.Bucket)})
	if err != nil {
		return nil, classify(err, "read versioning of bucket %q", in.Bucket)
	}
	if ver.Status != s3types.BucketVersioningStatusEnabled {
		return nil, failed("bucket %q does not replicate: versioning is not enabled", in.Bucket)
	}
	rep, err := c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: awssdk.String(in.Bucket)})
	if errorCode(err) == "ReplicationConfigurationNotFoundError" {
		return nil, failed("bucket %q has no replication configuration", in.Bucket)
	}
	if err != nil {
		return nil, classify(err, "read replication configuration of bucket %q", in.Bucket)
	}
	enabled := 0
	var dests []string
	for _, r := range rep.ReplicationConfiguration.Rules {
		if r.Status == s3types.ReplicationRuleStatusEnabled {
			enabled++
			dest := ""
			if r.Destination != nil {
				dest = awssdk.ToString(r.Destination.Bucket)
			}
			dests = append(dests, dest)
		}
	}
	if enabled == 0 {
		return nil, failed("bucket %q has no enabled replication rule", in.Bucket)
	}
	counts := map[string]int{}
	if in.ScanLimit <= 0 {
		in.ScanLimit = defaultScanLimit
	}
	objects, listed, err := newestObjects(ctx, c, in.Bucket, in.Prefix, in.Sample, in.ScanLimit)
	if err != nil {
		return nil, err
	}
	var failedKeys []string
	for _, o := range objects {
		key := awssdk.ToString(o.Key)
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: awssdk.String(in.Bucket), Key: awssdk.String(key)})
		if isNotFound(err) {
			continue // deleted since the listing
		}
		if err != nil {
			return nil, classify(err, "read object %q in bucket %q", key, in.Bucket)
		}
		st := string(head.ReplicationStatus)
		counts[st]++
		if head.ReplicationStatus == s3types.ReplicationStatusFailed {
			failedKeys = append(failedKeys, key)
		}
	}
	completed := counts[string(s3types.ReplicationStatusComplete)] + counts[string(s3types.ReplicationStatusCompleted)]
	pending := counts[string(s3types.ReplicationStatusPending)]
	if len(failedKeys) > 0 {
		return nil, failed("bucket %q: replication FAILED for %d objects, e.g. %q", in.Bucket, len(failedKeys), failedKeys[0])
	}
	if in.MaxPending != nil && pending > *in.MaxPending {
		return nil, failed("bucket %q: %d of the %d newest objects are still PENDING replication, more than %d",
			in.Bucket, pending, len(objects), *in.MaxPending)
	}
	newestKey, newestAt := "", ""
	if len(objects) > 0 {
		newestKey = awssdk.ToString(objects[0].Key)
		newestAt = awssdk.ToTime(objects[0].LastModified).UTC().Format(time.RFC3339)
	}
	return activities.Result{
		"rules_enabled": enabled, "destination_bucket": dests[0], "destinations": stringsToAny(dests),
		"objects_checked": len(objects), "replicated": completed, "pending": pending, "failed": 0, "no_status": counts[""],
		"objects_listed": listed, "newest_key": newestKey, "newest_modified_at": newestAt,
	}, nil
}

// newestObjects returns the n most recently modified objects under prefix, newest first,
// and how many keys it listed. ListObjectsV2 returns keys in UTF-8 binary order, not by age
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html), so the newest
// can only be found by listing every key; a listing longer than limit is an error rather
// than a sample of whatever keys come first.
func newestObjects(ctx context.Context, c replicationReader, bucket, prefix string, n, limit int) ([]s3types.Object, int, error) {
	if n <= 0 {
		return nil, 0, nil
	}
	in := &s3.ListObjectsV2Input{Bucket: awssdk.String(bucket)}
	if prefix != "" {
		in.Prefix = awssdk.String(prefix)
	}
	newer := func(a, b s3types.Object) bool {
		ta, tb := awssdk.ToTime(a.LastModified), awssdk.ToTime(b.LastModified)
		if !ta.Equal(tb) {
			return ta.After(tb)
		}
		return awssdk.ToString(a.Key) > awssdk.ToString(b.Key)
	}
	var keep []s3types.Object
	listed := 0
	p := s3.NewListObjectsV2Paginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, listed, classify(err, "list objects in bucket %q", bucket)
		}
		listed += len(out.Contents)
		if listed > limit {
			return nil, listed, invalid("bucket %q holds more than %d objects under prefix %q, the scan_limit: give a prefix "+
				"that holds the recent writes (e.g. today's date prefix) or raise scan_limit", bucket, limit, prefix)
		}
		keep = append(keep, out.Contents...)
		if len(keep) > 4*n+1000 {
			sort.SliceStable(keep, func(i, j int) bool { return newer(keep[i], keep[j]) })
			keep = keep[:n]
		}
	}
	sort.SliceStable(keep, func(i, j int) bool { return newer(keep[i], keep[j]) })
	return keep[:min(n, len(keep))], listed, nil
}

// ---- aws.s3.put_marker and aws.s3.get_marker

// s3MarkerKey is where an S3 marker is: the bucket and the object key.
type s3MarkerKey struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

func (k s3MarkerKey) where() string { return markerWhere("s3", k.Bucket, k.Key) }

type s3PutMarkerInput struct {
	s3MarkerKey
	Scope
}

type s3GetMarkerInput struct {
	s3MarkerKey
	Wait duration `json:"wait"`
	Scope
}

var s3PutMarkerSpec = newSpec[s3PutMarkerInput](runbooks.Kind{
	Name: "aws.s3.put_marker",
	Description: "Write a canary marker object {written_at, seq} to a bucket, to be read back from the replica (get_marker) " +
		"to measure replication lag and RPO. A retried step keeps the marker it wrote.",
	Inputs: []runbooks.Field{
		reqStr("bucket", "bucket (the primary)"),
		withDefault(optStr("key", "object key of the marker"), defaultMarkerKey),
	},
	Outputs: putMarkerOutputs,
	// s3:ListBucket: without it S3 answers a marker not yet written with 403 instead of
	// 404 (GetObject, "Permissions",
	// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html). The KMS actions
	// serve an SSE-KMS bucket (kms:GenerateDataKey to write, kms:Decrypt to read back).
	IAMActions:      []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket", "kms:Decrypt", "kms:GenerateDataKey"},
	SideEffects:     true,
	DefaultEstimate: estimate(2 * time.Second),
})

var s3GetMarkerSpec = newSpec[s3GetMarkerInput](runbooks.Kind{
	Name: "aws.s3.get_marker",
	Description: "Read the canary marker from a bucket (the replica), waiting up to wait for it to arrive: found, when it was " +
		"written, and lag_seconds from its writing until it was seen. A marker that does not arrive is found: false, not an error.",
	Inputs: []runbooks.Field{
		reqStr("bucket", "bucket (the replica)"),
		withDefault(optStr("key", "object key of the marker"), defaultMarkerKey),
		markerWaitInput(),
	},
	Outputs: getMarkerOutputs,
	// s3:ListBucket lets a marker that has not arrived read as 404 (not there yet), not 403
	// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions").
	IAMActions:      []string{"s3:GetObject", "s3:ListBucket", "kms:Decrypt"},
	DefaultEstimate: estimate(2 * time.Second),
})

type objectReadWriter interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// S3PutMarker carries out aws.s3.put_marker.
func (a *Actions) S3PutMarker(ctx context.Context, req activities.Request) (activities.Result, error) {
	return s3PutMarkerSpec.run(ctx, req, withClient(a.s3Client, func(ctx context.Context, req activities.Request, in s3PutMarkerInput, c *s3.Client) (activities.Result, error) {
		return putS3Marker(ctx, c, req, in, time.Now())
	}))
}

func putS3Marker(ctx context.Context, c objectReadWriter, req activities.Request, in s3PutMarkerInput, now time.Time) (activities.Result, error) {
	prev, found, err := readS3Marker(ctx, c, in.s3MarkerKey)
	if err != nil {
		return nil, err
	}
	if found && prev.writtenBy(req) {
		return prev.putResult(in.Key), nil
	}
	m := newMarker(req, prev.Seq, now)
	body, _ := json.Marshal(m)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      awssdk.String(in.Bucket),
		Key:         awssdk.String(in.Key),
		Body:        bytes.NewReader(body),
		ContentType: awssdk.String("application/json"),
	}); err != nil {
		return nil, classify(err, "write marker %s", in.where())
	}
	return m.putResult(in.Key), nil
}

// S3GetMarker carries out aws.s3.get_marker.
func (a *Actions) S3GetMarker(ctx context.Context, req activities.Request) (activities.Result, error) {
	return s3GetMarkerSpec.run(ctx, req, withClient(a.s3Client, func(ctx context.Context, req activities.Request, in s3GetMarkerInput, c *s3.Client) (activities.Result, error) {
		return a.getMarker(ctx, in.where(), time.Duration(in.Wait), func(ctx context.Context) (marker, bool, error) {
			return readS3Marker(ctx, c, in.s3MarkerKey)
		})
	}))
}

func readS3Marker(ctx context.Context, c objectReadWriter, k s3MarkerKey) (marker, bool, error) {
	where := k.where()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: awssdk.String(k.Bucket), Key: awssdk.String(k.Key)})
	if code := errorCode(err); code == "NoSuchKey" || code == "NotFound" {
		return marker{}, false, nil
	}
	if errorType(err) == activities.ErrAccessDenied {
		return marker{}, false, classify(err, "read marker %s (S3 answers a missing key with 403 "+
			"to a caller without s3:ListBucket on the bucket: grant it, see bcdr iam-policy)", where)
	}
	if err != nil {
		return marker{}, false, classify(err, "read marker %s", where)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, 64<<10))
	if err != nil {
		return marker{}, false, classify(err, "read marker %s", where)
	}
	var m marker
	if err := json.Unmarshal(body, &m); err != nil {
		return marker{}, false, failed("marker %s is not a bcdr marker: %v", where, err)
	}
	return m, true, nil
}
