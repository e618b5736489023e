package improvements

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// RecordMode is the mode an improvement event is kept under in the evidence store: readers
// of runs pass such records by.
const RecordMode = "improvement"

// Status is where an item stands.
type Status string

// The statuses. Verified is derived (see Build), never set by an update.
const (
	Open       Status = "open"
	InProgress Status = "in_progress"
	Done       Status = "done"
	Verified   Status = "verified"
	Dropped    Status = "dropped"
)

// Statuses lists every status in the order of an item's life.
var Statuses = []Status{Open, InProgress, Done, Verified, Dropped}

// Transitions says which status a person may move an item to from each status. Verified
// and dropped items are closed; a dropped one can be reopened.
var Transitions = map[Status][]Status{
	Open:       {InProgress, Done, Dropped},
	InProgress: {Open, Done, Dropped},
	Done:       {Open, InProgress, Dropped},
	Dropped:    {Open},
	Verified:   nil,
}

// Closed reports whether the item needs nothing more: verified or dropped.
func (s Status) Closed() bool { return s == Verified || s == Dropped }

// Active reports whether work on the item is still to do: open or in progress. Active
// items past their due date are overdue.
func (s Status) Active() bool { return s == Open || s == InProgress }

// ParseStatus checks a status name a person may set.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s && st != Verified {
			return st, nil
		}
	}
	if s == string(Verified) {
		return "", fmt.Errorf("status: verified is not set by hand; an item becomes verified when a successful drill of its runbook ends after it was marked done (bcdr run RUNBOOK --mode drill)")
	}
	return "", fmt.Errorf("status: %q is not a status; use open, in_progress, done or dropped", s)
}

// Source is the finding an item was opened from, and the run that recorded it.
type Source struct {
	Run     string    `json:"run"`
	Runbook string    `json:"runbook"`
	Service string    `json:"service,omitempty"`
	Mode    string    `json:"mode"`
	Kind    string    `json:"kind"` // gap or action
	Text    string    `json:"text"`
	Owner   string    `json:"owner,omitempty"`
	Step    string    `json:"step,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	// RunEnded is when the run ended: the item is opened then.
	RunEnded time.Time `json:"runEnded"`
}

// ItemID is the id of the item a run's finding opens: derived from the run and the
// finding, so the same finding always names the same item.
func ItemID(s Source) string {
	h := sha256.Sum256([]byte(strings.Join([]string{s.Run, s.Kind, s.At.UTC().Format(time.RFC3339Nano), s.Step, s.Text}, "\x00")))
	return "imp-" + hex.EncodeToString(h[:])[:12]
}

// Event is one change of an item: the first (N 1) opens it from its Source, each later
// one carries a Change.
type Event struct {
	Item   string    `json:"item"`
	N      int       `json:"n"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Opened *Source   `json:"opened,omitempty"`
	Change *Change   `json:"change,omitempty"`
	// Export records what a tracker has of the item (written by the exporter).
	Export *Export `json:"export,omitempty"`
}

// RecordID is the event's id in the evidence store: the item's id and the event's number.
func (e Event) RecordID() string { return fmt.Sprintf("%s-%03d", e.Item, e.N) }

// Opening is the event that opens the item a finding records, at the end of its run.
func Opening(s Source) Event {
	return Event{Item: ItemID(s), N: 1, By: s.By, At: s.RunEnded, Opened: &s}
}

// Change is what an update sets; a nil field is left as it is.
type Change struct {
	Title  *string    `json:"title,omitempty"`
	Owner  *string    `json:"owner,omitempty"`
	Due    *time.Time `json:"due,omitempty"`
	Status *Status    `json:"status,omitempty"`
	// Reason says why an item is dropped (required then).
	Reason string `json:"reason,omitempty"`
	// Note is a comment kept in the history.
	Note string `json:"note,omitempty"`
}

// Empty reports whether the change changes nothing and says nothing.
func (c Change) Empty() bool {
	return c.Title == nil && c.Owner == nil && c.Due == nil && c.Status == nil && c.Reason == "" && c.Note == ""
}
