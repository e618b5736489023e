package api

import (
	"fmt"
	"time"
)

// DefaultOutageWindow is how long before a run its declared outage start may lie when the
// configuration (outage_window) says nothing.
const DefaultOutageWindow = 30 * 24 * time.Hour

// CheckOutageStart says why start cannot be the start of an outage declared at now: it lies
// in the future, or further back than window (0: DefaultOutageWindow). An outage start
// sets the RTO clock, so a mistyped year would report an RTO of centuries and a future
// one was silently ignored. The message reads after the field's name.
func CheckOutageStart(start, now time.Time, window time.Duration) error {
	if window <= 0 {
		window = DefaultOutageWindow
	}
	switch {
	case start.After(now):
		return fmt.Errorf("%s is in the future (now is %s); give the time the outage began, in RFC 3339 with its zone",
			start.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case now.Sub(start) > window:
		return fmt.Errorf("%s is more than %s before now (%s); give the time this outage began, or raise outage_window in the server's configuration",
			start.Format(time.RFC3339), window, now.UTC().Format(time.RFC3339))
	}
	return nil
}
