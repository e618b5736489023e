package activities

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// A step's activity has a heartbeat timeout (see workflows), so that an attempt lost
// with its worker (a crash, a SIGKILL, a lost host) is retried elsewhere within seconds
// instead of when the step's whole timeout has passed. Every action is kept alive by
// keepAlive; an action that saves progress in its heartbeat does so with
// RecordHeartbeat, so that the keep-alive beats carry that progress rather than erase it
// (the server keeps only the latest heartbeat's details).

// HeartbeatThrottle is the longest a worker may hold back a heartbeat (the SDK's
// worker.Options.MaxHeartbeatThrottleInterval; by default it holds them for 80% of the
// heartbeat timeout, which would leave a lost-attempt timeout of a few seconds with a
// single beat in it).
const HeartbeatThrottle = 500 * time.Millisecond

type beatKey struct{}

// beat holds the latest details an action recorded.
type beat struct {
	mu      sync.Mutex
	details []any
}

// RecordHeartbeat records details in the step's heartbeat, for a retried attempt to
// read with activity.GetHeartbeatDetails; keep-alive beats repeat them. Outside an
// activity it does nothing.
func RecordHeartbeat(ctx context.Context, details ...any) {
	if b, ok := ctx.Value(beatKey{}).(*beat); ok {
		b.mu.Lock()
		b.details = details
		b.mu.Unlock()
	}
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details...)
	}
}

// keepAlive heartbeats, with the latest recorded details, four times per heartbeat
// timeout until stop is called, so that a worker slow to send one (a loaded host) is not
// taken for lost. Without a heartbeat timeout it does nothing. The worker must send each
// at once: its MaxHeartbeatThrottleInterval at most HeartbeatThrottle.
func keepAlive(ctx context.Context) (context.Context, func()) {
	if !activity.IsActivity(ctx) {
		return ctx, func() {}
	}
	timeout := activity.GetInfo(ctx).HeartbeatTimeout
	if timeout <= 0 {
		return ctx, func() {}
	}
	b := &beat{}
	// Until this attempt records its own, repeat what the attempt before it saved, so
	// that losing this attempt too does not erase that progress.
	var prev json.RawMessage
	if activity.HasHeartbeatDetails(ctx) && activity.GetHeartbeatDetails(ctx, &prev) == nil {
		b.details = []any{prev}
	}
	ctx = context.WithValue(ctx, beatKey{}, b)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(max(timeout/4, 100*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				b.mu.Lock()
				details := b.details
				b.mu.Unlock()
				activity.RecordHeartbeat(ctx, details...)
			}
		}
	}()
	return ctx, func() { close(done) }
}
