package aws

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
)

func TestPollBacksOffWhileThrottled(t *testing.T) {
	a := New(Config{PollInterval: 20 * time.Millisecond})
	var at []time.Time
	_, err := a.poll(context.Background(), "thing", func(context.Context) (bool, string, error) {
		at = append(at, time.Now())
		if len(at) <= 3 {
			return false, "", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}
		}
		return len(at) == 5, "ok", nil
	})
	require.NoError(t, err)
	require.Len(t, at, 5)
	gap := func(i int) time.Duration { return at[i].Sub(at[i-1]) }
	assert.Greater(t, gap(3), gap(1), "the interval grows while throttled")
	assert.GreaterOrEqual(t, gap(3), 4*20*time.Millisecond*8/10, "doubled twice (less jitter)")
	assert.Less(t, gap(4), gap(3), "and comes back once AWS answers")
}

func TestPollStopsAtTheDeadlineWithTheLastState(t *testing.T) {
	a := New(Config{PollInterval: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := a.poll(ctx, "instance i-1 running", func(context.Context) (bool, string, error) {
		return false, "pending", nil
	})
	requireRetryable(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "instance i-1 running")
	assert.Contains(t, err.Error(), "last state: pending")
}

func TestPollReturnsNonRetryableErrorsAtOnce(t *testing.T) {
	a := New(Config{PollInterval: 10 * time.Millisecond})
	n := 0
	_, err := a.poll(context.Background(), "x", func(context.Context) (bool, string, error) {
		n++
		return false, "", notFound("thing %q not found", "x")
	})
	requireErrorType(t, err, activities.ErrNotFound, `"x"`)
	assert.Equal(t, 1, n)

	n = 0
	_, err = a.poll(context.Background(), "x", func(context.Context) (bool, string, error) {
		n++
		return false, "", errors.New("connection reset")
	})
	requireRetryable(t, err)
	assert.Equal(t, maxTransient, n, "transient errors are tolerated a few times, then retried by Temporal")
}
