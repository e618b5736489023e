package api

import (
	"strings"
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// scheduleDuration reads a schedule's every or jitter in the one duration syntax bcdr
// takes everywhere (runbooks.ParseDuration: "90d", "1h30m"), so that `--every 90d` means
// what `runs --since 90d` and a runbook's "90d" mean.
func scheduleDuration(s string) (time.Duration, error) {
	d, err := runbooks.ParseDuration(s)
	return d.Std(), err
}

// cronText is how a schedule's cron expressions are kept and shown: "0 10 * * 1", several
// joined by "; ", never Go's "[0 10 * * 1]".
func cronText(exprs []string) string { return strings.Join(exprs, "; ") }
