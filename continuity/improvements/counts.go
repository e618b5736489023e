package improvements

import (
	"fmt"
	"time"
)

// Counts are how many items stand where: Open counts the items still to work on (open
// or in progress), Overdue those of them past their due date, Done those done and
// waiting for a drill to verify them.
type Counts struct {
	Open     int `json:"open"`
	Overdue  int `json:"overdue"`
	Done     int `json:"done"`
	Verified int `json:"verified"`
	Dropped  int `json:"dropped"`
}

// Add counts one item at now.
func (c *Counts) Add(it *Item, now time.Time) {
	switch it.Status {
	case Open, InProgress:
		c.Open++
	case Done:
		c.Done++
	case Verified:
		c.Verified++
	case Dropped:
		c.Dropped++
	}
	if it.Overdue(now) {
		c.Overdue++
	}
}

// Summary is the counts of a set of items, in all and per service.
type Summary struct {
	Counts
	Services map[string]Counts `json:"services,omitempty"`
}

// Summarize counts the items at now, in all and per service: the one computation the
// portfolio, coverage, the executive summary and the CLI show.
func Summarize(items []Item, now time.Time) Summary {
	s := Summary{Services: map[string]Counts{}}
	for i := range items {
		s.Add(&items[i], now)
		c := s.Services[items[i].Service]
		c.Add(&items[i], now)
		s.Services[items[i].Service] = c
	}
	return s
}

// Filter is what a list of items asks for; an empty field matches every item.
type Filter struct {
	Service string
	Runbook string
	Owner   string
	Status  Status
	// Overdue keeps only overdue items at Now.
	Overdue bool
	Now     time.Time
}

// Select returns the items f matches, in their order.
func Select(items []Item, f Filter) []Item {
	var out []Item
	for i := range items {
		it := &items[i]
		if (f.Service == "" || it.Service == f.Service) && (f.Runbook == "" || it.Runbook == f.Runbook) &&
			(f.Owner == "" || it.Owner == f.Owner) && (f.Status == "" || it.Status == f.Status) &&
			(!f.Overdue || it.Overdue(f.Now)) {
			out = append(out, *it)
		}
	}
	return out
}

// String says the counts as the CLI and the reports print them: "3 open (1 overdue),
// 2 done, 4 verified, 1 dropped".
func (c Counts) String() string {
	return fmt.Sprintf("%d open (%d overdue), %d done, %d verified, %d dropped", c.Open, c.Overdue, c.Done, c.Verified, c.Dropped)
}
