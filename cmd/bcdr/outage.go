package main

import (
	"fmt"
	"time"

	"github.com/bcdr/bcdr/api"
)

// outageStart reads --outage-start (RFC 3339) and checks it as the API does: not in the
// future, not further back than outage_window.
func (a *app) outageStart(flag string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, flag)
	if err != nil {
		return time.Time{}, fmt.Errorf("--outage-start %q: not an RFC 3339 time such as 2026-01-02T15:04:05Z", flag)
	}
	if err := api.CheckOutageStart(t, time.Now(), a.cfg.OutageWindow.Std()); err != nil {
		return time.Time{}, fmt.Errorf("--outage-start: %w", err)
	}
	return t, nil
}
