package workflows

import "time"

// ElapsedAt is the run's clock as a person reads it at now: from the clock's start (the
// declared outage start, else the run's start) to the run's end, or to now while it runs.
// The status query's Elapsed field is only as fresh as the workflow's last task (a run
// waiting for an approval does not wake up), so every surface that shows a ticking clock
// (bcdr status, bcdr watch, the API and, in the same rule, the dashboard's elapsedMs)
// computes it here from the record and the current time.
func (s Status) ElapsedAt(now time.Time) time.Duration {
	start := s.ClockStart
	if start.IsZero() {
		start = s.StartedAt
	}
	if start.IsZero() {
		return 0
	}
	end := now
	if !s.EndedAt.IsZero() {
		end = s.EndedAt
	}
	if end.Before(start) {
		return 0
	}
	return end.Sub(start)
}
