package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/runbooks"
)

// Request is what the interpreter sends to every step activity: the step's inputs with
// their expressions already evaluated, and where the step stands in its run.
type Request struct {
	RunID  string         `json:"runId"`
	StepID string         `json:"stepId"`
	Mode   string         `json:"mode"` // live, drill or tabletop
	With   map[string]any `json:"with,omitempty"`
	// Secrets are values (secret parameters, secret outputs of earlier steps) that the
	// action's errors must not show: Register's wrapper replaces them, so that neither
	// the worker's log nor the run's history carries them.
	Secrets []string `json:"secrets,omitempty"`
}

// Result is a step activity's outputs, which later steps reference as
// steps.<id>.outputs.<name>.
type Result map[string]any

// Action is one step kind that runs as an activity: its description for the runbook
// registry and the function that carries it out. Fn has the signature
// func(context.Context, Request) (Result, error) and is registered under Kind.Name.
type Action struct {
	Kind runbooks.Kind
	Fn   func(ctx context.Context, req Request) (Result, error)
}

// Stable error types. Errors of these types are not retried: retrying cannot fix them.
const (
	ErrValidation   = "Validation"
	ErrNotFound     = "NotFound"
	ErrAccessDenied = "AccessDenied"
	ErrFailed       = "StepFailed" // the action ran and reported failure (e.g. a check failed)
)

// NonRetryable wraps err as a non-retryable application error of the given type.
func NonRetryable(errType string, err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), errType, err)
}

// Decode reads a request's inputs into a typed struct; unknown inputs are a validation
// error (the runbook validator normally catches them first).
func Decode(with map[string]any, out any) error {
	b, err := json.Marshal(with)
	if err != nil {
		return NonRetryable(ErrValidation, fmt.Errorf("encode inputs: %w", err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return NonRetryable(ErrValidation, fmt.Errorf("decode inputs: %w", err))
	}
	return nil
}

// decodeBuiltin reads a builtin kind's inputs, completed with the defaults the kind
// declares (runbooks.Kind.WithDefaults): the actions carry no defaults of their own.
func decodeBuiltin(kind string, with map[string]any, out any) error {
	if k, ok := runbooks.Builtin(kind); ok {
		with = k.WithDefaults(with)
	}
	return Decode(with, out)
}

// IsNonRetryable reports whether err is an application error that will not be retried.
func IsNonRetryable(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.NonRetryable()
}
