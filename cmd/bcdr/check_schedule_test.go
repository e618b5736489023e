package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api"
)

// TestCheckScheduleMakesAReadinessSchedule: bcdr check --schedule uploads the runbook
// as a readiness schedule (POST /v1/schedules, mode readiness) with the interval, the
// checked mode and the parameters; flags that only mean something for checks run here,
// and more than one runbook, are usage errors (exit 2).
func TestCheckScheduleMakesAReadinessSchedule(t *testing.T) {
	var sent api.ScheduleRequest
	srv := scheduleAPI(t, &sent)
	file := filepath.Join(t.TempDir(), "pay.yaml")
	src := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: pay-check, service: payments}\n" +
		"parameters:\n  - {name: table, type: string, required: true}\nsteps:\n  - {id: a, uses: wait, with: {duration: 1s}}\n"
	require.NoError(t, os.WriteFile(file, []byte(src), 0o644))

	out, errs, code := cli(t, srv.URL, "check", "--schedule", "30m", "--mode", "drill", file, "-p", "table=sessions")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "readiness-pay-check", sent.ID)
	assert.Equal(t, "readiness", sent.Mode)
	assert.Equal(t, "drill", sent.CheckMode)
	assert.Equal(t, "30m", sent.Every)
	assert.Equal(t, src, sent.Source)
	assert.Equal(t, map[string]any{"table": "sessions"}, sent.Params)
	assert.Contains(t, out, "readiness.changed")

	sent = api.ScheduleRequest{}
	_, errs, code = cli(t, srv.URL, "check", "--schedule", "6h", "--schedule-id", "pay", "pay-check")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "pay", sent.ID)
	assert.Equal(t, "pay-check", sent.Runbook, "a name the server knows")
	assert.Empty(t, sent.Source)

	for _, args := range [][]string{
		{"check", "--schedule", "30m", file, file},
		{"check", "--schedule", "30m", "--dev", file},
		{"check", "--schedule-id", "x", file},
		{"check", "--schedule", "30m", "nothere.yaml"},
	} {
		_, errs, code := cli(t, srv.URL, args...)
		assert.Equal(t, 2, code, "%v: %s", args, errs)
		assert.NotEmpty(t, errs)
	}
}
