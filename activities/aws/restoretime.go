package aws

import (
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
)

// restoreTime reads the time a point-in-time restore goes to: restore_time, or
// use_latest_restorable_time, and exactly one of them (RestoreDBInstanceToPointInTime and
// RestoreDBClusterToPointInTime, RestoreTime/RestoreToTime: "Can't be specified if the
// UseLatestRestorableTime parameter is enabled",
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html;
// DynamoDB's RestoreTableToPointInTime takes RestoreDateTime or UseLatestRestorableTime,
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html).
// The time is zero with use_latest_restorable_time; what names the restore in the error.
func restoreTime(what, at string, latest bool) (time.Time, error) {
	if (at == "") == !latest {
		return time.Time{}, invalid("%s: give restore_time or use_latest_restorable_time: true (one of them)", what)
	}
	if latest {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, invalid("%s: restore_time %q is not an RFC 3339 time (e.g. 2026-12-03T08:14:00Z)", what, at)
	}
	return t, nil
}

// restorePoint is the time restoreTime read as the restore requests take it: their
// UseLatestRestorableTime, or their time (RestoreTime, RestoreToTime, RestoreDateTime),
// never both (the same API references).
func restorePoint(latest bool, at time.Time) (*bool, *time.Time) {
	if latest {
		return awssdk.Bool(true), nil
	}
	return nil, awssdk.Time(at)
}
