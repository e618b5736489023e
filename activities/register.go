package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// Outcome is what a step activity returns to the interpreter: the action's outputs and
// which attempt produced them.
type Outcome struct {
	Outputs Result `json:"outputs,omitempty"`
	Attempt int32  `json:"attempt"`
	// Secret names outputs that must be redacted in status, logs and evidence.
	Secret []string `json:"secret,omitempty"`
}

// SecretOutputsKey is the result key under which an action lists its secret outputs.
const SecretOutputsKey = "_secret_outputs"

// Registry is where actions are registered: a Temporal worker, or the SDK's test
// environment.
type Registry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register registers every action as an activity named after its kind.
func Register(w Registry, actions ...Action) {
	for _, a := range actions {
		w.RegisterActivityWithOptions(wrap(a.Fn), activity.RegisterOptions{Name: a.Kind.Name})
	}
}

// wrap turns an action function into an activity that reports its attempt, on success in
// the Outcome and on failure in the error's details, keeping the error's type and
// retryability.
func wrap(fn func(context.Context, Request) (Result, error)) func(context.Context, Request) (Outcome, error) {
	return func(ctx context.Context, req Request) (Outcome, error) {
		attempt := activity.GetInfo(ctx).Attempt
		ctx, stop := keepAlive(ctx)
		defer stop()
		res, err := fn(ctx, req)
		if err != nil {
			return Outcome{}, withAttempt(redactError(err, req.Secrets), attempt)
		}
		out := Outcome{Outputs: res, Attempt: attempt}
		if s, ok := res[SecretOutputsKey]; ok {
			delete(res, SecretOutputsKey)
			out.Secret = toStrings(s)
		}
		return out, nil
	}
}

func withAttempt(err error, attempt int32) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return temporal.NewApplicationErrorWithOptions(app.Message(), app.Type(), temporal.ApplicationErrorOptions{
			NonRetryable: app.NonRetryable(), Cause: app.Unwrap(), Details: []any{attempt},
		})
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) || errors.Is(err, context.Canceled) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(err.Error(), "", temporal.ApplicationErrorOptions{
		Cause: err, Details: []any{attempt},
	})
}

func toStrings(v any) []string {
	switch s := v.(type) {
	case []string:
		return s
	case []any:
		out := make([]string, 0, len(s))
		for _, e := range s {
			if str, ok := e.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}
