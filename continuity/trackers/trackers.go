package trackers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Status is an item's status as the trackers see it; the improvement plan's statuses
// (open, in_progress, done, verified, dropped).
type Status string

// Issue is what a tracker is told about an item.
type Issue struct {
	// Item is the improvement item's id (imp-...), the tracker issue's stable reference.
	Item    string `json:"item"`
	Title   string `json:"title"`
	Body    string `json:"body"`
	Status  Status `json:"status"`
	Owner   string `json:"owner,omitempty"`
	Service string `json:"service,omitempty"`
	Runbook string `json:"runbook,omitempty"`
	Due     string `json:"due,omitempty"` // YYYY-MM-DD
	// Link is the item's page in bcdr, for the link back from the tracker (optional).
	Link string `json:"link,omitempty"`
}

// Ref is an issue in a tracker: its key (owner/repo#12, PROJ-7, or the webhook
// receiver's id) and the address a person opens.
type Ref struct {
	Tracker string `json:"tracker"`
	Key     string `json:"key"`
	URL     string `json:"url,omitempty"`
	// ID is the tracker's own id when it differs from Key (the issue number, Jira's id).
	ID string `json:"id,omitempty"`
}

// Tracker is one place items are exported to.
type Tracker interface {
	// Name is the tracker's name in the configuration.
	Name() string
	Create(ctx context.Context, is Issue) (Ref, error)
	Update(ctx context.Context, ref Ref, is Issue) error
}

// Permanent is a failure retrying cannot fix until someone changes the configuration or
// the tracker (bad credentials, no such project, a rejected request).
type Permanent struct{ Err error }

func (p *Permanent) Error() string { return p.Err.Error() }
func (p *Permanent) Unwrap() error { return p.Err }

// RateLimited is the tracker asking to come back after RetryAfter.
type RateLimited struct {
	RetryAfter time.Duration
	Err        error
}

func (r *RateLimited) Error() string {
	return fmt.Sprintf("%v (rate limited: retry after %s)", r.Err, r.RetryAfter)
}
func (r *RateLimited) Unwrap() error { return r.Err }

// retryAfter reads a Retry-After header given in seconds (RFC 9110 section 10.2.3; the
// trackers send seconds) or as an HTTP date; 0 when absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// IsPermanent reports whether err is a Permanent failure.
func IsPermanent(err error) bool {
	var p *Permanent
	return errors.As(err, &p)
}
