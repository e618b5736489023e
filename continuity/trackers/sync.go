package trackers

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/bcdr/bcdr/continuity/improvements"
)

// Backoff after a failed attempt: doubling from FirstRetry up to MaxRetry; a permanent
// failure waits PermanentRetry (it needs someone to fix the configuration or the
// tracker); a rate limit waits what the tracker said, for every item of the tracker.
const (
	FirstRetry     = 30 * time.Second
	MaxRetry       = 30 * time.Minute
	PermanentRetry = time.Hour
)

// Exporter exports the improvement plan to one tracker. It keeps, in memory, when each
// item may be tried again; what the tracker has of each item is kept with the item
// (improvements.Export), so a restarted exporter picks up where the records say.
type Exporter struct {
	Tracker Tracker
	// Services are the services whose items go to this tracker; empty means all.
	Services []string
	// Link returns an item's page in bcdr, for the link back (nil: none).
	Link func(item string) string

	next     map[string]time.Time
	attempts map[string]int
	paused   time.Time
}

// ClaimFor is how long an exporter's claim to create an item's issue holds: another
// exporter creates none meanwhile, and takes over after it (the first one died).
const ClaimFor = 10 * time.Minute

// Sync makes one pass over the items: an item the tracker does not have yet is created
// there, one whose status changed since its last export is updated. What happens is
// recorded with record (the evidence store's AppendImprovement), as export events
// (improvements.Item.ExportEvent): before a create, a claim, so that two servers never
// create one item twice (the store refuses the second event of one number); then a
// success with the link and the status exported, or a failure with its reason (after an
// update, once per distinct reason, so that retries do not fill the chain). An item
// closed (verified, dropped) before it was ever exported is not created. Failures wait
// as wait says; nothing here changes an item but its export record.
func (x *Exporter) Sync(ctx context.Context, items []improvements.Item, now time.Time, record func(improvements.Event) error) {
	if x.next == nil {
		x.next, x.attempts = map[string]time.Time{}, map[string]int{}
	}
	name := x.Tracker.Name()
	for i := range items {
		it := &items[i]
		prev := it.Export(name)
		creating := prev == nil || prev.Key == ""
		switch {
		case len(x.Services) > 0 && !slices.Contains(x.Services, it.Service):
			continue
		case prev == nil && it.Status.Closed():
			continue
		case !creating && prev.Status == it.Status:
			continue
		case now.Before(x.paused) || now.Before(x.next[it.ID]):
			continue
		case prev != nil && prev.Creating && now.Sub(prev.At) < ClaimFor:
			continue // another exporter is creating it
		}
		if ctx.Err() != nil {
			return
		}
		emit := func(e improvements.Export) bool {
			e.Tracker, e.At = name, now
			if record(it.ExportEvent(e)) != nil {
				return false // another writer took the number: read again next pass
			}
			it.Events++
			return true
		}
		is := x.issue(it)
		var ref Ref
		var err error
		if creating {
			if !emit(improvements.Export{Creating: true}) {
				continue
			}
			ref, err = x.Tracker.Create(ctx, is)
		} else {
			ref = Ref{Tracker: name, Key: prev.Key, URL: prev.URL}
			err = x.Tracker.Update(ctx, ref, is)
		}
		if err == nil {
			delete(x.next, it.ID)
			delete(x.attempts, it.ID)
			emit(improvements.Export{Key: ref.Key, URL: ref.URL, Status: it.Status})
			continue
		}
		x.attempts[it.ID]++
		x.next[it.ID] = now.Add(x.wait(err, x.attempts[it.ID]))
		if creating || prev.Error != err.Error() {
			emit(improvements.Export{Key: ref.Key, URL: ref.URL, Error: err.Error()})
		}
		var rl *RateLimited
		if errors.As(err, &rl) {
			x.paused = now.Add(rl.RetryAfter)
			return
		}
	}
}

// wait is how long an item waits after its n-th failed attempt in a row.
func (x *Exporter) wait(err error, n int) time.Duration {
	var rl *RateLimited
	switch {
	case errors.As(err, &rl):
		return rl.RetryAfter
	case IsPermanent(err):
		return PermanentRetry
	}
	d := FirstRetry
	for i := 1; i < n && d < MaxRetry; i++ {
		d *= 2
	}
	return min(d, MaxRetry)
}

// issue is what the tracker is told of an item.
func (x *Exporter) issue(it *improvements.Item) Issue {
	is := Issue{Item: it.ID, Title: it.Title, Status: Status(it.Status), Owner: it.Owner, Service: it.Service, Runbook: it.Runbook,
		Body: it.Source.Kind + " recorded in " + it.Source.Mode + " run " + it.Source.Run + " of " + it.Runbook + ": " + it.Source.Text}
	if !it.Due.IsZero() {
		is.Due = it.Due.UTC().Format(time.DateOnly)
	}
	if x.Link != nil {
		is.Link = x.Link(it.ID)
	}
	return is
}
