package improvements

import (
	"fmt"
	"time"
)

// Export is what one tracker (GitHub, Jira, a webhook; package trackers) has of an item:
// the key and link, the status it was last given, and the last attempt's
// failure. It is recorded by the exporter as its own event, never by a person, so the
// link back and the export status are kept, chained, with the item.
type Export struct {
	Tracker string `json:"tracker"`
	Key     string `json:"key,omitempty"`
	URL     string `json:"url,omitempty"`
	// Status is the item's status as the tracker has it ("" until the first export).
	Status Status `json:"status,omitempty"`
	// Error is why the last attempt failed; "" once one succeeded.
	Error string `json:"error,omitempty"`
	// Creating says that an exporter started creating the issue at At: another exporter
	// (a second server) creates none meanwhile. The outcome's event clears it.
	Creating bool      `json:"creating,omitempty"`
	At       time.Time `json:"at"`
}

// State says where the export stands for an item whose status is now: exported (the
// tracker has it as it is), failed (the last attempt failed), or pending.
func (x Export) State(now Status) string {
	switch {
	case x.Error != "":
		return "failed"
	case x.Creating:
		return "pending"
	case x.Key != "" && x.Status == now:
		return "exported"
	}
	return "pending"
}

// Export returns what tracker has of the item, or nil.
func (it *Item) Export(tracker string) *Export {
	for i := range it.Exports {
		if it.Exports[i].Tracker == tracker {
			return &it.Exports[i]
		}
	}
	return nil
}

// ExportEvent returns the event that records x on the item, as bcdr, at x.At. A
// failure keeps the key, link and status the tracker had.
func (it *Item) ExportEvent(x Export) Event {
	return Event{Item: it.ID, N: it.Events + 1, By: "bcdr", At: x.At.UTC(), Export: &x}
}

// recordExport applies an export event.
func (it *Item) recordExport(x Export) {
	prev := it.Export(x.Tracker)
	if prev == nil {
		it.Exports = append(it.Exports, Export{Tracker: x.Tracker})
		prev = &it.Exports[len(it.Exports)-1]
	}
	if x.Key == "" {
		x.Key, x.URL = prev.Key, prev.URL
	}
	e := Entry{At: x.At, By: "bcdr", Field: "export"}
	if x.Creating {
		x.Status, x.Error = prev.Status, prev.Error
		e.Note = fmt.Sprintf("export to %s started", x.Tracker)
	} else if x.Error != "" {
		x.Status = prev.Status
		e.Note = fmt.Sprintf("export to %s failed: %s", x.Tracker, x.Error)
	} else {
		e.From, e.To = string(prev.Status), string(x.Status)
		e.Note = fmt.Sprintf("exported to %s as %s %s", x.Tracker, x.Key, x.URL)
	}
	*prev = x
	it.History = append(it.History, e)
}
