package aws

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bcdr/bcdr/activities"
)

// wireCounting is wire with a count of the requests the look-alike received.
func wireCounting(t *testing.T, answer http.HandlerFunc) (*Actions, *atomic.Int32) {
	var n atomic.Int32
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		answer(w, r)
	})
	return a, &n
}

// TestErrorsAreClassified: an AWS error code on the wire becomes the step error's type,
// non-retryable where retrying cannot fix it; the others are retried by the SDK first.
func TestErrorsAreClassified(t *testing.T) {
	cases := []struct {
		code    string
		status  int
		errType string // "" = retryable
	}{
		{"AccessDeniedException", 400, activities.ErrAccessDenied},
		{"UnrecognizedClientException", 400, activities.ErrAccessDenied},
		{"ValidationException", 400, activities.ErrValidation},
		{"ResourceNotFoundException", 400, activities.ErrNotFound},
		{"ThrottlingException", 400, ""},
		{"InternalServerError", 500, ""},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			a, n := wireCounting(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(tc.status)
				fmt.Fprintf(w, `{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":"nope"}`, tc.code)
			})
			_, err := a.DynamoDBReplicaStatus(testCtx(t), request(t, map[string]any{"table": "orders"}))
			if tc.errType == "" {
				requireRetryable(t, err)
				assert.Greater(t, n.Load(), int32(1), "the SDK retried it first")
			} else {
				requireErrorType(t, err, tc.errType, "orders", tc.code)
				assert.Equal(t, int32(1), n.Load(), "not retried")
			}
		})
	}
}

// TestErrorsRetryingCannotFixAreNotRetried: answers that stay the same however often
// the call is repeated fail the step at once, as AWS documents them.
func TestErrorsRetryingCannotFixAreNotRetried(t *testing.T) {
	cases := []struct {
		name    string
		errType string
		answer  http.HandlerFunc
		call    func(a *Actions) error
	}{{
		// HEAD has no body: S3 refuses it with a bare 403, which the SDK calls Forbidden
		// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html)
		name: "S3 HEAD 403", errType: activities.ErrAccessDenied,
		answer: func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodHead:
				w.WriteHeader(http.StatusForbidden)
			case r.URL.Query().Has("versioning"):
				fmt.Fprint(w, `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
			case r.URL.Query().Has("replication"):
				fmt.Fprint(w, `<ReplicationConfiguration><Rule><ID>all</ID><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule></ReplicationConfiguration>`)
			case r.URL.Query().Get("list-type") == "2":
				fmt.Fprint(w, `<ListBucketResult><Name>src</Name><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>a.jpg</Key><LastModified>2026-12-01T10:00:00.000Z</LastModified></Contents></ListBucketResult>`)
			}
		},
		call: func(a *Actions) error {
			_, err := a.S3VerifyReplication(testCtx(t), request(t, map[string]any{"bucket": "src"}))
			return err
		},
	}, {
		// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html#API_StartRestoreJob_Errors
		name: "Backup InvalidRequestException", errType: activities.ErrValidation,
		answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Amzn-Errortype", "InvalidRequestException")
			writeJSON(w, 400, map[string]any{"Code": "InvalidRequestException", "Message": "Restore metadata is missing DBInstanceIdentifier"})
		},
		call: func(a *Actions) error {
			_, err := a.BackupStartRestore(testCtx(t), request(t, map[string]any{"recovery_point_arn": "arn:aws:backup:us-east-1:123456789012:recovery-point:rp-1",
				"iam_role_arn": "arn:aws:iam::123456789012:role/restore", "resource_type": "RDS"}))
			return err
		},
	}, {
		// https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
		name: "Lambda RequestTooLargeException", errType: activities.ErrValidation,
		answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Amzn-Errortype", "RequestTooLargeException")
			writeJSON(w, 413, map[string]any{"Type": "User", "message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation"})
		},
		call: func(a *Actions) error {
			_, err := a.LambdaInvoke(testCtx(t), request(t, map[string]any{"function_name": "big"}))
			return err
		},
	}, {
		// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
		name: "EC2 OptInRequired", errType: activities.ErrAccessDenied,
		answer: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			fmt.Fprint(w, `<Response><Errors><Error><Code>OptInRequired</Code><Message>You are not subscribed to this service.</Message></Error></Errors><RequestID>r-1</RequestID></Response>`)
		},
		call: func(a *Actions) error {
			_, err := a.EC2StartInstances(testCtx(t), request(t, map[string]any{"instance_ids": []any{"i-1"}}))
			return err
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, n := wireCounting(t, tc.answer)
			err := tc.call(a)
			requireErrorType(t, err, tc.errType)
			assert.LessOrEqual(t, n.Load(), int32(4), "the failing call was sent once, not retried")
		})
	}
}
