package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/bcdr/bcdr/activities"
)

const (
	// maxBackoff caps the poll interval after repeated throttling or transient errors.
	maxBackoff = 20 * time.Second
	// maxTransient is how many transient errors in a row a wait tolerates before it
	// returns the error (so the activity is retried).
	maxTransient = 5
)

// check looks at the world once: done when the target state is reached; state is a short
// description for the heartbeat and the timeout message. Errors should be classified.
type check func(ctx context.Context) (done bool, state string, err error)

// poll runs c about every PollInterval (±20% jitter) until it is done, fails with a
// non-retryable error, or ctx ends. It heartbeats on every poll, and backs off
// exponentially while AWS throttles or fails transiently. It returns the last state.
func (a *Actions) poll(ctx context.Context, what string, c check) (string, error) {
	interval := a.cfg.PollInterval
	var state string
	transient := 0
	for {
		done, s, err := c(ctx)
		if s != "" {
			state = s
		}
		switch {
		case err == nil && done:
			return state, nil
		case err == nil:
			transient = 0
			interval = a.cfg.PollInterval
		case activities.IsNonRetryable(err):
			return state, err
		case ctx.Err() != nil:
			// the call failed because the deadline passed: report the wait's deadline below
		default:
			transient++
			if transient >= maxTransient && !isThrottling(err) {
				return state, fmt.Errorf("wait for %s: %w", what, err)
			}
			interval = min(interval*2, maxBackoff)
		}
		heartbeat(ctx, what, state)
		t := time.NewTimer(jitter(interval))
		select {
		case <-ctx.Done():
			t.Stop()
			if state == "" {
				return state, ctxErr(ctx, "wait for "+what)
			}
			return state, ctxErr(ctx, fmt.Sprintf("wait for %s (last state: %s)", what, state))
		case <-t.C:
		}
	}
}

// jitter spreads d by ±20% so that many waits do not poll in step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// A step's heartbeat carries two things: the progress the action saved (what a retried
// attempt must know, e.g. the state before the first attempt changed it) and, while it
// waits, what it waits for and the last state seen. Waiting heartbeats keep the saved
// progress, so a retry after a long wait still finds it.
type heartbeatRecord struct {
	Progress json.RawMessage `json:"progress,omitempty"`
	Waiting  string          `json:"waiting,omitempty"`
	State    string          `json:"state,omitempty"`
}

type progressKey struct{}

type progressHolder struct {
	mu  sync.Mutex
	raw json.RawMessage
}

// withProgress gives ctx the holder of the step's saved progress.
func withProgress(ctx context.Context) context.Context {
	return context.WithValue(ctx, progressKey{}, &progressHolder{})
}

func holder(ctx context.Context) *progressHolder {
	if h, ok := ctx.Value(progressKey{}).(*progressHolder); ok {
		return h
	}
	return &progressHolder{}
}

// saveProgress records v in the heartbeat, for a retried attempt to read with
// loadProgress. It does nothing outside an activity (tests call the actions directly).
func saveProgress(ctx context.Context, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	h := holder(ctx)
	h.mu.Lock()
	h.raw = b
	h.mu.Unlock()
	record(ctx, heartbeatRecord{Progress: b})
}

// loadProgress reads the progress an earlier attempt of this step saved into out; false
// when there is none (first attempt, or not running as an activity).
func loadProgress(ctx context.Context, out any) bool {
	if !activity.IsActivity(ctx) || !activity.HasHeartbeatDetails(ctx) {
		return false
	}
	var rec heartbeatRecord
	if activity.GetHeartbeatDetails(ctx, &rec) != nil || len(rec.Progress) == 0 {
		return false
	}
	if json.Unmarshal(rec.Progress, out) != nil {
		return false
	}
	h := holder(ctx)
	h.mu.Lock()
	h.raw = rec.Progress
	h.mu.Unlock()
	return true
}

// firstAttempt is what the step's first attempt saw: now, saved as the progress, on the
// first attempt; on a retried one (after its own change, perhaps) what the first saved.
func firstAttempt[T any](ctx context.Context, now T) T {
	var first T
	if !loadProgress(ctx, &first) {
		first = now
		saveProgress(ctx, first)
	}
	return first
}

// heartbeat reports a wait's progress, keeping the saved progress.
func heartbeat(ctx context.Context, waiting, state string) {
	h := holder(ctx)
	h.mu.Lock()
	raw := h.raw
	h.mu.Unlock()
	record(ctx, heartbeatRecord{Progress: raw, Waiting: waiting, State: state})
}

func record(ctx context.Context, r heartbeatRecord) {
	activities.RecordHeartbeat(ctx, r)
}

// logChange logs a change the action is about to make, on the activity's logger (never
// a secret: identifiers and states only). Outside an activity it does nothing.
func logChange(ctx context.Context, msg string, keyvals ...any) {
	if activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Info(msg, keyvals...)
	}
}
