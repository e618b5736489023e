package main

import (
	"fmt"

	"github.com/bcdr/bcdr/internal/config"
)

// dialError says that the engine could not be reached, where it was looked for, and how
// to start one or point at another.
func dialError(cfg *config.Config, err error) error {
	return fmt.Errorf("cannot reach the Temporal engine at %s (namespace %s): %v\n"+
		"start one on this machine with 'bcdr dev', or point bcdr at yours with --address (temporal.address, BCDR_TEMPORAL_ADDRESS)",
		cfg.Temporal.Address, cfg.Temporal.Namespace, rootCause(err)) // the part that says what failed ("connection refused")
}
