package activities

import (
	"context"
	"errors"
	"sort"
	"strings"

	"go.temporal.io/sdk/temporal"
)

// redactError returns err with every secret value in its text replaced by "***". The
// error keeps its type and retryability but not its cause chain, whose text would carry
// the secret: the SDK logs an activity's error, and records it in the history, whole.
func redactError(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 || errors.Is(err, context.Canceled) {
		return err
	}
	msg := err.Error()
	red := redactText(msg, secrets)
	if red == msg {
		return err
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return temporal.NewApplicationErrorWithOptions(red, app.Type(), temporal.ApplicationErrorOptions{NonRetryable: app.NonRetryable()})
	}
	return errors.New(red)
}

// redactText replaces every occurrence of a secret in s, longest first.
func redactText(s string, secrets []string) string {
	sorted := append([]string(nil), secrets...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, sec := range sorted {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}
