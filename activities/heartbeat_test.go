package activities

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/runbooks"
)

// heartbeatRun runs fn as a registered action in a workflow whose activity has a short
// heartbeat timeout, and returns the details of every heartbeat the server received.
func heartbeatRun(t *testing.T, fn func(context.Context, Request) (Result, error)) ([]string, error) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	Register(env, Action{Kind: runbooks.Kind{Name: "test.slow"}, Fn: fn})
	var mu sync.Mutex
	var beats []string
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var d string
		if details.HasValues() {
			_ = details.Get(&d)
		}
		mu.Lock()
		beats = append(beats, d)
		mu.Unlock()
	})
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: time.Minute, HeartbeatTimeout: 600 * time.Millisecond,
			RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 2, InitialInterval: time.Millisecond},
		})
		return workflow.ExecuteActivity(ctx, "test.slow", Request{}).Get(ctx, nil)
	})
	require.True(t, env.IsWorkflowCompleted())
	mu.Lock()
	defer mu.Unlock()
	return beats, env.GetWorkflowError()
}

// TestKeepAliveOutlivesTheHeartbeatTimeout: an action that runs for four heartbeat
// timeouts without heartbeating itself succeeds, and the beats carry the progress it
// recorded.
func TestKeepAliveOutlivesTheHeartbeatTimeout(t *testing.T) {
	beats, err := heartbeatRun(t, func(ctx context.Context, _ Request) (Result, error) {
		RecordHeartbeat(ctx, "saved")
		time.Sleep(2400 * time.Millisecond)
		return Result{}, nil
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(beats), 4)
	for _, b := range beats {
		assert.Equal(t, "saved", b, "a keep-alive beat never erases the recorded progress")
	}
}

// TestKeepAliveRepeatsTheLastAttemptsProgress: a retried attempt that saves nothing
// keeps the progress the attempt before it saved.
func TestKeepAliveRepeatsTheLastAttemptsProgress(t *testing.T) {
	beats, err := heartbeatRun(t, func(ctx context.Context, _ Request) (Result, error) {
		if activity.GetInfo(ctx).Attempt == 1 {
			RecordHeartbeat(ctx, "first attempt's progress")
			return nil, errors.New("lost")
		}
		time.Sleep(time.Second)
		return Result{}, nil
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(beats), 2)
	for _, b := range beats {
		assert.Equal(t, "first attempt's progress", b)
	}
}
