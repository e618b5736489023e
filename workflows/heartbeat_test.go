package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestALostAttemptIsNoticedInSecondsWhateverTheStepTimeout: the heartbeat timeout no
// longer grows with the step's timeout (it was a tenth of it, up to 30 s: a worker lost
// during a 10-minute step cost half a minute of recovery time).
func TestALostAttemptIsNoticedInSecondsWhateverTheStepTimeout(t *testing.T) {
	for step, want := range map[time.Duration]time.Duration{
		10 * time.Minute: 3 * time.Second, // the default step timeout
		2 * time.Minute:  3 * time.Second,
		time.Hour:        3 * time.Second,
		9 * time.Second:  3 * time.Second,
		6 * time.Second:  2 * time.Second, // a third: retried with most of its time left
		5 * time.Second:  0,               // the step's own timeout catches a lost attempt as soon
	} {
		assert.Equal(t, want, heartbeatTimeout(step), step)
	}
}
