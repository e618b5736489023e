package evidence

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/workflows"
)

func s3Client(t *testing.T, endpoint string) *s3.Client {
	return s3.NewFromConfig(awstest.SDKConfig(t, endpoint, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
}

// TestS3StoreWithObjectLock runs the chain against a real S3 API (moto): bundles are
// written with an Object Lock retention, concurrent writers from two stores keep one
// chain, and a rewritten object is detected.
func TestS3StoreWithObjectLock(t *testing.T) {
	endpoint := awstest.StartMoto(t)
	ctx := context.Background()
	c := s3Client(t, endpoint)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("evidence"), ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(t, err)
	opts := S3Options{Bucket: "evidence", Prefix: "bcdr", Retention: 24 * time.Hour}
	a, err := NewS3Store(c, opts)
	require.NoError(t, err)
	b, err := NewS3Store(s3Client(t, endpoint), opts)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			_, err := s.Append(ctx, record(fmt.Sprintf("run-%d", i), workflows.ModeDrill))
			assert.NoError(t, err)
		}(i)
	}
	wg.Wait()
	ref, err := a.Append(ctx, record("run-0", workflows.ModeDrill))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(ref.Location, "s3://evidence/bcdr/bundles/"), ref.Location)

	rep, err := a.Verify(ctx)
	require.NoError(t, err)
	require.True(t, rep.OK(), "%v", rep.Problems)
	assert.Equal(t, 6, rep.Bundles)

	key := strings.TrimPrefix(ref.Location, "s3://evidence/") + "/" + RecordFile
	// (moto answers GetObjectRetention in a shape the SDK cannot read; HeadObject carries
	// the same lock.)
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("evidence"), Key: aws.String(key)})
	require.NoError(t, err)
	assert.Equal(t, types.ObjectLockModeCompliance, head.ObjectLockMode)
	require.NotNil(t, head.ObjectLockRetainUntilDate)
	assert.True(t, head.ObjectLockRetainUntilDate.After(time.Now().Add(23*time.Hour)))

	// A rewrite lands as a new version (the locked one stays); verification reads the
	// current one and reports it.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("evidence"), Key: aws.String(key), Body: strings.NewReader(`{"state":"succeeded"}`)})
	require.NoError(t, err)
	rep, err = a.Verify(ctx)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(rep.Problems, "\n"), "record.json was changed")
}
