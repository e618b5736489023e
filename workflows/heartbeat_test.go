package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestHeartbeatTimeoutIsATenthOfTheStepBounded(t *testing.T) {
	for step, want := range map[time.Duration]time.Duration{
		10 * time.Minute: 30 * time.Second, // the default step timeout
		2 * time.Minute:  12 * time.Second,
		30 * time.Second: 5 * time.Second,
		10 * time.Second: 10 * time.Second / 3, // a third: retried with most of its time left
		6 * time.Second:  2 * time.Second,
		5 * time.Second:  0, // heartbeats too close together: the step's own timeout catches a lost attempt
		time.Hour:        30 * time.Second,
	} {
		assert.Equal(t, want, heartbeatTimeout(step), step)
	}
}
