package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// marker is a canary written to the primary store and read back from the recovered one:
// the newest marker found after recovery bounds the data lost (RPO), and the time it took
// to appear in the replica is the replication lag.
type marker struct {
	WrittenAt string `json:"written_at"` // RFC 3339 with nanoseconds, UTC
	Seq       int64  `json:"seq"`        // one more than the marker it replaced
	RunID     string `json:"run_id,omitempty"`
	StepID    string `json:"step_id,omitempty"`
}

// writtenBy reports whether this step of this run wrote the marker: a retried put finds
// its own marker and keeps it instead of writing a new one.
func (m marker) writtenBy(req activities.Request) bool {
	return m.RunID == req.RunID && m.StepID == req.StepID
}

func newMarker(req activities.Request, previous int64, now time.Time) marker {
	return marker{WrittenAt: now.UTC().Format(time.RFC3339Nano), Seq: previous + 1, RunID: req.RunID, StepID: req.StepID}
}

var putMarkerOutputs = []runbooks.Field{
	field("key", runbooks.TypeString, "the marker's key (for get_marker)"),
	field("written_at", runbooks.TypeString, "when the marker was written (RFC 3339, UTC)"),
	field("seq", runbooks.TypeInt, "the marker's sequence number"),
}

var getMarkerOutputs = []runbooks.Field{
	field("found", runbooks.TypeBool, "whether the marker was found (within wait)"),
	field("written_at", runbooks.TypeString, "when the marker was written (RFC 3339, UTC)"),
	field("seq", runbooks.TypeInt, "the marker's sequence number"),
	field("lag_seconds", runbooks.TypeNumber, "seconds from the marker's writing until this step saw it; null when not found (check found)"),
	field("run_id", runbooks.TypeString, "the run that wrote the marker"),
}

func markerWaitInput() runbooks.Field {
	return withDefault(field("wait", runbooks.TypeDuration, "how long to wait for the marker to appear (replication); 0 reads once"), "0s")
}

func (m marker) putResult(key string) activities.Result {
	return activities.Result{"key": key, "written_at": m.WrittenAt, "seq": m.Seq}
}

// errWaitOver ends a marker wait whose own time is up (as opposed to the step's).
var errWaitOver = errors.New("marker wait is over")

// getMarker reads a marker, polling for up to wait until it appears. A marker not found
// is not an error: found is false (the step's outputs say how the RPO check went), and
// lag_seconds is null, not a number: a lag of -1 would pass a check such as
// lag_seconds <= 900 and read as "-1 s" in a report.
func (a *Actions) getMarker(ctx context.Context, where string, wait time.Duration,
	read func(context.Context) (marker, bool, error)) (activities.Result, error) {
	var m marker
	var seen time.Time
	found := false
	check := func(ctx context.Context) (bool, string, error) {
		var err error
		if m, found, err = read(ctx); err != nil || !found {
			return false, "not there yet", err
		}
		seen = time.Now()
		return true, "found", nil
	}
	if wait <= 0 {
		if _, _, err := check(ctx); err != nil {
			return nil, err
		}
	} else {
		wctx, cancel := context.WithTimeoutCause(ctx, wait, errWaitOver)
		defer cancel()
		_, err := a.poll(wctx, "marker "+where, check)
		if err != nil && !(errors.Is(context.Cause(wctx), errWaitOver) && ctx.Err() == nil) {
			return nil, err
		}
	}
	if !found {
		return activities.Result{"found": false, "written_at": "", "seq": 0, "lag_seconds": nil, "run_id": ""}, nil
	}
	at, err := time.Parse(time.RFC3339Nano, m.WrittenAt)
	if err != nil {
		return nil, failed("marker %s: written_at %q is not an RFC 3339 time", where, m.WrittenAt)
	}
	return activities.Result{
		"found": true, "written_at": m.WrittenAt, "seq": m.Seq,
		"lag_seconds": max(seen.Sub(at).Seconds(), 0), "run_id": m.RunID,
	}, nil
}

func markerWhere(store, container, key string) string {
	return fmt.Sprintf("%s %s/%s", store, container, key)
}

// duration is a duration input: "90s", "5m", "2d" (runbooks.ParseDuration) or a number
// of seconds.
type duration time.Duration

func (d *duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		p, err := runbooks.ParseDuration(v)
		if err != nil {
			return err
		}
		*d = duration(p)
	case float64:
		if v < 0 {
			return fmt.Errorf("negative duration %v", v)
		}
		*d = duration(time.Duration(v * float64(time.Second)))
	case nil:
		*d = 0
	default:
		return fmt.Errorf("duration must be a string like \"90s\" or a number of seconds, got %T", v)
	}
	return nil
}
