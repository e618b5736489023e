package aws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/bcdr/bcdr/activities"
)

// classify turns an AWS error into a step error whose message names what was being done
// and to which resource. Access denied, validation and not found errors are
// non-retryable; throttling, server errors and everything else stay retryable.
func classify(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if activities.IsNonRetryable(err) {
		return err
	}
	wrapped := fmt.Errorf(format+": %w", append(args, err)...)
	if t := errorType(err); t != "" {
		return activities.NonRetryable(t, wrapped)
	}
	return wrapped
}

// errorType is the non-retryable error type of err, or "" when err may go away on retry.
func errorType(err error) string {
	code := errorCode(err)
	switch {
	case code == "":
		return ""
	case isThrottle(code):
		return ""
	case strings.HasPrefix(code, "AccessDenied"), code == "UnauthorizedOperation",
		code == "AuthFailure", code == "AuthorizationError", code == "NotAuthorized",
		code == "InvalidClientTokenId", code == "UnrecognizedClientException",
		code == "UnauthorizedException", code == "SignatureDoesNotMatch",
		// S3 answers a HEAD it refuses with 403 and no body, which the SDK names Forbidden
		// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html);
		// OptInRequired: the account is not subscribed to the service or the region is
		// not enabled (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html)
		code == "Forbidden", code == "OptInRequired":
		return activities.ErrAccessDenied
	case strings.Contains(code, "NotFound"), strings.HasPrefix(code, "NoSuch"),
		code == "ParameterNotFound", code == "ResourceNotFound":
		return activities.ErrNotFound
	case strings.HasPrefix(code, "Validation"), strings.HasPrefix(code, "InvalidParameter"),
		code == "InvalidInput", code == "MissingParameter", code == "InvalidChangeBatch",
		code == "InvalidArgument", code == "MalformedPolicyDocument",
		// AWS Backup: "Indicates that something is wrong with the input to the request"
		// (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html#API_StartRestoreJob_Errors);
		// Lambda: the payload is over the invocation limit
		// (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors)
		code == "InvalidRequestException", code == "RequestTooLargeException":
		return activities.ErrValidation
	}
	return ""
}

// errorCode is the AWS error code of err ("" when err is not an API error).
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// httpStatus is the HTTP status of the response that carried err, or 0.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isThrottle(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
		"RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
		"ProvisionedThroughputExceededException", "SlowDown", "PriorRequestNotComplete",
		"BandwidthLimitExceeded", "EC2ThrottledException", "TransactionInProgressException":
		return true
	}
	return false
}

// isThrottling reports whether err says the caller is going too fast.
func isThrottling(err error) bool {
	return isThrottle(errorCode(err)) || httpStatus(err) == http.StatusTooManyRequests
}

// isNotFound reports whether err is AWS saying the resource does not exist.
func isNotFound(err error) bool {
	return errorType(err) == activities.ErrNotFound
}

// failed is the error of an action that ran and found the world not as required.
func failed(format string, args ...any) error {
	return activities.NonRetryable(activities.ErrFailed, fmt.Errorf(format, args...))
}

// invalid is a validation error found by the action itself.
func invalid(format string, args ...any) error {
	return activities.NonRetryable(activities.ErrValidation, fmt.Errorf(format, args...))
}

// notFound is a not-found error found by the action itself.
func notFound(format string, args ...any) error {
	return activities.NonRetryable(activities.ErrNotFound, fmt.Errorf(format, args...))
}

// ctxErr reports a context that ended, with what the action was doing.
func ctxErr(ctx context.Context, what string) error {
	return fmt.Errorf("%s: %w", what, context.Cause(ctx))
}
