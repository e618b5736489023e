package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3Options configures an S3 evidence store.
type S3Options struct {
	Bucket string
	Prefix string // e.g. "bcdr/evidence"
	// Retention, when set, puts an Object Lock retention on every object for this long
	// (the bucket must have Object Lock enabled). Mode is COMPLIANCE unless Governance.
	Retention  time.Duration
	Governance bool
}

// s3API is what the store needs of an S3 client.
type s3API interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// NewS3Store returns a store in an S3 bucket. Positions in the chain are claimed with
// conditional writes (If-None-Match), so workers anywhere can append concurrently.
func NewS3Store(client *s3.Client, o S3Options) (*Store, error) {
	if o.Bucket == "" {
		return nil, errors.New("evidence: S3 store needs a bucket")
	}
	return &Store{b: &bucket{c: client, o: o}, now: time.Now}, nil
}

type bucket struct {
	c s3API
	o S3Options
}

func (b *bucket) kind() string { return "s3" }

func (b *bucket) key(k string) string { return strings.TrimPrefix(path.Join(b.o.Prefix, k), "/") }

func (b *bucket) location(k string) string { return "s3://" + b.o.Bucket + "/" + b.key(k) }

func (b *bucket) list(ctx context.Context, dir string) ([]string, error) {
	return b.listAfter(ctx, dir, "")
}

// listAfter lists the keys after dir/after: ListObjectsV2's StartAfter starts the
// listing after that key (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
func (b *bucket) listAfter(ctx context.Context, dir, after string) ([]string, error) {
	prefix := b.key(dir) + "/"
	in := &s3.ListObjectsV2Input{Bucket: &b.o.Bucket, Prefix: &prefix, Delimiter: aws.String("/")}
	if after != "" {
		in.StartAfter = aws.String(prefix + after)
	}
	var out []string
	p := s3.NewListObjectsV2Paginator(b.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("evidence: list %s: %w", b.location(dir), err)
		}
		for _, cp := range page.CommonPrefixes {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/"))
		}
		for _, o := range page.Contents {
			out = append(out, strings.TrimPrefix(aws.ToString(o.Key), prefix))
		}
	}
	sort.Strings(out)
	return out, nil
}

func (b *bucket) read(ctx context.Context, k string) ([]byte, error) {
	out, err := b.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.o.Bucket, Key: aws.String(b.key(k))})
	if err != nil {
		return nil, fmt.Errorf("evidence: read %s: %w", b.location(k), err)
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func (b *bucket) put(ctx context.Context, k string, data []byte, exclusive bool) error {
	in := &s3.PutObjectInput{
		Bucket: &b.o.Bucket, Key: aws.String(b.key(k)), Body: bytes.NewReader(data),
		ContentType: aws.String(contentType(k)), ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	}
	if exclusive {
		in.IfNoneMatch = aws.String("*")
	}
	if b.o.Retention > 0 {
		in.ObjectLockMode = types.ObjectLockModeCompliance
		if b.o.Governance {
			in.ObjectLockMode = types.ObjectLockModeGovernance
		}
		in.ObjectLockRetainUntilDate = aws.Time(time.Now().Add(b.o.Retention))
	}
	_, err := b.c.PutObject(ctx, in)
	var re *smithyhttp.ResponseError
	if exclusive && errors.As(err, &re) && (re.HTTPStatusCode() == http.StatusPreconditionFailed || re.HTTPStatusCode() == http.StatusConflict) {
		return errTaken
	}
	if err != nil {
		return fmt.Errorf("evidence: write %s: %w", b.location(k), err)
	}
	return nil
}

func (b *bucket) write(ctx context.Context, k string, data []byte) error {
	return b.put(ctx, k, data, false)
}

func (b *bucket) create(ctx context.Context, k string, data []byte) error {
	return b.put(ctx, k, data, true)
}

// lock does nothing: conditional writes keep concurrent writers from claiming one position.
func (b *bucket) lock(context.Context) (func(), error) { return func() {}, nil }

func contentType(k string) string {
	switch path.Ext(k) {
	case ".json":
		return "application/json"
	case ".md":
		return "text/markdown; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".xml":
		return "application/xml"
	}
	return "text/plain; charset=utf-8"
}
