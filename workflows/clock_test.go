package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestElapsedAtTicksWhileTheRunWaits(t *testing.T) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	// A waiting run's query answers with the Elapsed of its last workflow task (21ms here).
	st := Status{StartedAt: start, ClockStart: start, State: RunRunning, Elapsed: 21 * time.Millisecond}
	assert.Equal(t, 9*time.Second, st.ElapsedAt(start.Add(9*time.Second)))

	st.ClockStart = start.Add(-2 * time.Minute) // a declared outage start
	assert.Equal(t, 2*time.Minute+9*time.Second, st.ElapsedAt(start.Add(9*time.Second)))

	st.EndedAt = start.Add(30 * time.Second)
	assert.Equal(t, 2*time.Minute+30*time.Second, st.ElapsedAt(start.Add(time.Hour)), "an ended run's clock stops at its end")

	assert.Equal(t, time.Duration(0), Status{}.ElapsedAt(start), "no start, no clock")
	assert.Equal(t, time.Duration(0), Status{StartedAt: start}.ElapsedAt(start.Add(-time.Second)), "a clock never runs backwards")
	assert.Equal(t, 5*time.Second, Status{StartedAt: start}.ElapsedAt(start.Add(5*time.Second)), "without a clock start, the run's start")
}

func TestADrillsRTOIsNotFromAnOutageStart(t *testing.T) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	st := Status{Mode: ModeDrill, State: RunSucceeded, StartedAt: start, ClockStart: start, EndedAt: start.Add(4 * time.Minute),
		RTOActual: 3*time.Minute + 47*time.Second, RTOTarget: 5 * time.Minute}
	note := st.RTO().Note
	assert.NotContains(t, note, "outage", "a drill has no outage")
	assert.Contains(t, note, "(drill start)")

	st.Mode = ModeLive
	assert.Contains(t, st.RTO().Note, "(outage start)")
}
