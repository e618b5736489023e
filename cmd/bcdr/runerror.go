package main

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/internal/config"
)

// runError says in a user's terms what went wrong when a run was asked for something, and
// what to do next, instead of the engine's phrases ("workflow not found for ID",
// "workflow execution already completed"). A refusal by the run itself (its update
// validators speak the user's language already) passes through as the run said it.
func runError(runID, what string, err error) error {
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	switch {
	case errors.As(err, &nf) && strings.Contains(nf.Error(), "already completed"):
		return fmt.Errorf("%s %s: the run has ended, so nothing can change it now; 'bcdr status %s' shows its record", what, runID, runID)
	case errors.As(err, &nf):
		return fmt.Errorf("%s %s: no such run in this namespace; 'bcdr runs' lists the runs (closed runs stay for the engine's retention, 'bcdr evidence list' has the older ones)", what, runID)
	case errors.As(err, &app):
		return fmt.Errorf("%s %s: refused: %s", what, runID, app.Message())
	}
	return fmt.Errorf("%s %s: %w", what, runID, err)
}

// dialError says that the engine could not be reached, where it was looked for, and how
// to start one or point at another.
func dialError(cfg *config.Config, err error) error {
	return fmt.Errorf("cannot reach the Temporal engine at %s (namespace %s): %v\n"+
		"start one on this machine with 'bcdr dev', or point bcdr at yours with --address (temporal.address, BCDR_TEMPORAL_ADDRESS)",
		cfg.Temporal.Address, cfg.Temporal.Namespace, rootCause(err)) // the part that says what failed ("connection refused")
}
