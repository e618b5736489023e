package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Issue 18, finding 11: `bcdr run --outage-start 0001-01-01T00:00:01Z` made an RTO of 292
// years and a future start was silently ignored. Both are refused before anything starts
// (no engine is running here: the check comes first).
func TestRunRefusesOutageStartOutsideTheWindow(t *testing.T) {
	e := newEnv(t)
	for _, start := range []string{"0001-01-01T00:00:01Z", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "yesterday"} {
		_, errOut, code := e.cli("run", demoRunbook, "--mode", "drill", "--outage-start", start)
		assert.NotEqual(t, 0, code, start)
		assert.Contains(t, errOut, "--outage-start", start)
		assert.Contains(t, errOut, start)
	}
	_, errOut, _ := e.cli("run", demoRunbook, "--mode", "drill", "--outage-start", "0001-01-01T00:00:01Z")
	assert.Contains(t, errOut, "raise outage_window")
}
