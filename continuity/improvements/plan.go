package improvements

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// Item is an improvement as its events and the drills since make it.
type Item struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Owner   string `json:"owner,omitempty"`
	Service string `json:"service,omitempty"`
	Runbook string `json:"runbook"`
	Status  Status `json:"status"`
	// Reason is why the item was dropped.
	Reason string `json:"reason,omitempty"`
	// Due is the date set by an update, or else the opening plus the tier's default
	// (DueDefault says which).
	Due        time.Time `json:"due"`
	DueDefault bool      `json:"dueDefault,omitempty"`
	OpenedAt   time.Time `json:"openedAt"`
	// DoneAt is when the item was last marked done (zero unless it is done or verified).
	DoneAt time.Time `json:"doneAt,omitzero"`
	// VerifiedBy is the drill whose end verified the item, VerifiedAt when it ended.
	VerifiedBy string    `json:"verifiedBy,omitempty"`
	VerifiedAt time.Time `json:"verifiedAt,omitzero"`
	Source     Source    `json:"source"`
	History    []Entry   `json:"history"`
	// Events is how many events the item has: the next update is event Events+1.
	Events int `json:"events"`
	// Exports are what each tracker has of the item: its link back and export status.
	Exports []Export `json:"exports,omitempty"`
}

// Entry is one line of an item's history: who changed which field from what to what,
// when (Field "opened" for the opening, "note" for a comment, "status" with By "bcdr"
// for the drill that verified it).
type Entry struct {
	At    time.Time `json:"at"`
	By    string    `json:"by"`
	Field string    `json:"field"`
	From  string    `json:"from,omitempty"`
	To    string    `json:"to,omitempty"`
	Note  string    `json:"note,omitempty"`
}

// Overdue reports whether work on the item is still to do after its due date.
func (it *Item) Overdue(now time.Time) bool {
	return it.Status.Active() && !it.Due.IsZero() && now.After(it.Due)
}

// Build makes the items from their events (any items, in the order they were written; an
// event whose item was never opened is left out, and of two events with one number the
// first counts) and the drills of the store, newest opened first. dueAfter
// gives the default time to fix an item of a service (the catalogue's tier default).
func Build(events []Event, drills []runbooks.Drill, dueAfter func(service string) time.Duration) []Item {
	byItem := map[string][]Event{}
	for _, e := range events {
		byItem[e.Item] = append(byItem[e.Item], e)
	}
	var out []Item
	for _, es := range byItem {
		sort.SliceStable(es, func(i, j int) bool { return es[i].N < es[j].N })
		if es[0].N != 1 || es[0].Opened == nil {
			continue
		}
		it := open(*es[0].Opened, dueAfter)
		for _, e := range es[1:] {
			if e.N == it.Events { // two writers took one number: the first counts
				continue
			}
			if e.Change != nil {
				it.apply(e.By, e.At, *e.Change)
			}
			if e.Export != nil {
				it.recordExport(*e.Export)
			}
			it.Events = e.N
		}
		it.verify(drills)
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].OpenedAt.Equal(out[j].OpenedAt) {
			return out[i].OpenedAt.After(out[j].OpenedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func open(s Source, dueAfter func(string) time.Duration) Item {
	it := Item{
		ID: ItemID(s), Title: s.Text, Owner: s.Owner, Service: s.Service, Runbook: s.Runbook, Status: Open,
		OpenedAt: s.RunEnded, Source: s, Events: 1,
	}
	if dueAfter != nil {
		it.Due, it.DueDefault = s.RunEnded.Add(dueAfter(s.Service)), true
	}
	it.History = []Entry{{At: s.RunEnded, By: s.By, Field: "opened", To: string(Open),
		Note: fmt.Sprintf("%s recorded in %s run %s", s.Kind, s.Mode, s.Run)}}
	return it
}

// apply records a change that Check accepted.
func (it *Item) apply(by string, at time.Time, c Change) {
	set := func(field string, from, to *string, v string) {
		it.History = append(it.History, Entry{At: at, By: by, Field: field, From: *from, To: v})
		*to = v
	}
	if c.Title != nil {
		set("title", &it.Title, &it.Title, *c.Title)
	}
	if c.Owner != nil {
		set("owner", &it.Owner, &it.Owner, *c.Owner)
	}
	if c.Due != nil {
		it.History = append(it.History, Entry{At: at, By: by, Field: "due", From: day(it.Due), To: day(*c.Due)})
		it.Due, it.DueDefault = *c.Due, false
	}
	if c.Status != nil {
		it.History = append(it.History, Entry{At: at, By: by, Field: "status", From: string(it.Status), To: string(*c.Status), Note: c.Reason})
		it.Status, it.Reason = *c.Status, c.Reason
		it.DoneAt = time.Time{}
		if it.Status == Done {
			it.DoneAt = at
		}
	}
	if c.Note != "" {
		it.History = append(it.History, Entry{At: at, By: by, Field: "note", Note: c.Note})
	}
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// verify marks a done item verified by the first successful drill of its runbook, for
// its service, that ended after it was marked done.
func (it *Item) verify(drills []runbooks.Drill) {
	if it.Status != Done {
		return
	}
	var first *runbooks.Drill
	for i, d := range drills {
		if !d.Succeeded || d.Runbook != it.Runbook || !d.EndedAt.After(it.DoneAt) {
			continue
		}
		if it.Service != "" && !d.Proof.For(it.Service, []string{d.Proof.Digest}) {
			continue
		}
		if first == nil || d.EndedAt.Before(first.EndedAt) {
			first = &drills[i]
		}
	}
	if first == nil {
		return
	}
	it.History = append(it.History, Entry{At: first.EndedAt, By: "bcdr", Field: "status", From: string(Done), To: string(Verified),
		Note: fmt.Sprintf("drill %s of %s succeeded after the item was done", first.RunID, it.Runbook)})
	it.Status, it.VerifiedBy, it.VerifiedAt = Verified, first.RunID, first.EndedAt
}

// Check says whether c may be applied to the item, naming each field that is wrong and
// what to do instead; nil means it may.
func (it *Item) Check(c Change) error {
	var errs []error
	if c.Empty() {
		errs = append(errs, errors.New("the update changes nothing: give status, owner, due, title or note"))
	}
	if it.Status == Verified {
		errs = append(errs, fmt.Errorf("status: item %s is verified (drill %s) and closed; record a new finding in a run for more work", it.ID, it.VerifiedBy))
	}
	if c.Title != nil && strings.TrimSpace(*c.Title) == "" {
		errs = append(errs, errors.New("title: must not be empty"))
	}
	if c.Status != nil && it.Status != Verified {
		to := *c.Status
		switch {
		case to == Verified:
			_, err := ParseStatus(string(to))
			errs = append(errs, err)
		case to == it.Status:
			errs = append(errs, fmt.Errorf("status: the item is already %s", to))
		case !slices.Contains(Transitions[it.Status], to):
			errs = append(errs, fmt.Errorf("status: an item that is %s cannot become %s; it can become %s", it.Status, to, names(Transitions[it.Status])))
		case to == Dropped && strings.TrimSpace(c.Reason) == "":
			errs = append(errs, errors.New("reason: dropping an item needs a reason (why it will not be done)"))
		}
	}
	if c.Reason != "" && (c.Status == nil || *c.Status != Dropped) {
		errs = append(errs, errors.New("reason: a reason goes with status dropped; use note for a comment"))
	}
	return errors.Join(errs...)
}

func names(ss []Status) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// Update returns the event that records c on the item, by whom and when, once Check
// accepts it.
func (it *Item) Update(by string, at time.Time, c Change) (Event, error) {
	if err := it.Check(c); err != nil {
		return Event{}, err
	}
	if c.Title != nil {
		t := strings.TrimSpace(*c.Title)
		c.Title = &t
	}
	return Event{Item: it.ID, N: it.Events + 1, By: by, At: at.UTC(), Change: &c}, nil
}
