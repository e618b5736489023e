package activities

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/bcdr/bcdr/runbooks"
)

func TestRedactErrorKeepsTypeAndRetryability(t *testing.T) {
	secrets := []string{"hunter2", "hunter2-long"}
	inner := fmt.Errorf("GET https://x/?token=hunter2-long: 401 (sent hunter2)")
	err := redactError(NonRetryable(ErrFailed, inner), secrets)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	assert.Equal(t, ErrFailed, app.Type())
	assert.True(t, app.NonRetryable())
	assert.NotContains(t, err.Error(), "hunter2")
	assert.Contains(t, err.Error(), "token=***: 401 (sent ***)")
	assert.Nil(t, errors.Unwrap(app), "the cause chain, which holds the secret, is dropped")

	plain := redactError(errors.New("dial hunter2.internal: refused"), secrets)
	assert.Equal(t, "dial ***.internal: refused", plain.Error())
	assert.False(t, IsNonRetryable(plain))

	same := errors.New("nothing secret")
	assert.Same(t, same, redactError(same, secrets))
	assert.ErrorIs(t, redactError(fmt.Errorf("hunter2: %w", context.Canceled), secrets), context.Canceled)
}

// TestWrapRedactsSecretsFromErrors: the registered activity's error, which the SDK logs
// and records, has the request's secrets replaced.
func TestWrapRedactsSecretsFromErrors(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	Register(env, Action{Kind: runbooks.Kind{Name: "test.leaky"}, Fn: func(context.Context, Request) (Result, error) {
		return nil, NonRetryable(ErrFailed, fmt.Errorf("upstream refused Bearer %s", "tok-123456"))
	}})
	_, err := env.ExecuteActivity("test.leaky", Request{Secrets: []string{"tok-123456"}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "tok-123456")
	assert.Contains(t, err.Error(), "upstream refused Bearer ***")
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	assert.True(t, app.NonRetryable())
}
