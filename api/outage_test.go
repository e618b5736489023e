package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
)

// An outage start of year 1 made an RTO of 292 years; a future one was silently ignored.
// Both are now refused before anything starts, naming the field.
func TestOutageStartOutsideTheWindowIsRefused(t *testing.T) {
	s := testServer(t)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	attacks := figures.NewAttacks(t, "18.11", "an outage start years back or in the future")
	for name, start := range map[string]string{
		"year one":         "0001-01-01T00:00:01Z",
		"in the future":    now.Add(time.Hour).Format(time.RFC3339),
		"31 days ago":      now.Add(-31 * 24 * time.Hour).Format(time.RFC3339),
		"future by a zone": "2026-12-03T10:30:00+01:00",
	} {
		t.Run(name, func(t *testing.T) {
			w, e := call(s, "POST", "/v1/runs", "operator", "application/json",
				`{"runbook":"demo-failover","mode":"drill","outageStart":"`+start+`"}`)
			attacks.Try(w.Code == http.StatusBadRequest)
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			assert.Equal(t, "outageStart", e.Field)
			assert.Contains(t, e.Message, start)
		})
	}
}

func TestCheckOutageStart(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	assert.NoError(t, CheckOutageStart(now, now, 0))
	assert.NoError(t, CheckOutageStart(now.Add(-29*24*time.Hour), now, 0))
	assert.ErrorContains(t, CheckOutageStart(now.Add(-2*time.Hour), now, time.Hour), "more than 1h0m0s before now")
	assert.ErrorContains(t, CheckOutageStart(now.Add(time.Second), now, 0), "in the future")
}
