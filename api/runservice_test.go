package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/workflows"
)

func TestParseSinceReadsDurationsDaysAndTimes(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24h":                  now.Add(-24 * time.Hour),
		"30d":                  now.AddDate(0, 0, -30),
		"1d12h":                now.Add(-36 * time.Hour),
		"2026-11-01T00:00:00Z": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"2026-01-02":           time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
	} {
		got, err := ParseSince(in, now)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got), "%s: %s, want %s", in, got, want)
	}
	for _, bad := range []string{"", "yesterday", "-5h", "30", "2026-13-01"} {
		_, err := ParseSince(bad, now)
		assert.Error(t, err, bad)
	}
}

func TestRunFilterNamesTheFieldItCannotUse(t *testing.T) {
	for f, field := range map[*RunFilter]string{
		{Service: "a' OR 'x'='x"}: "service",
		{Mode: "rehearsal"}:       "mode",
		{Outcome: "won"}:          "outcome",
		{Limit: MaxListRuns + 1}:  "limit",
		{Limit: -1}:               "limit",
	} {
		_, _, err := f.query()
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, field, e.Field)
		assert.Equal(t, http.StatusBadRequest, e.Status)
	}
	q, limit, err := RunFilter{Service: "payments", Outcome: "running", Since: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}.query()
	require.NoError(t, err)
	assert.Equal(t, DefaultListRuns, limit)
	assert.Equal(t, "WorkflowType = 'bcdr.Run' AND BcdrService = 'payments' AND ExecutionStatus = 'Running' AND StartTime >= '2026-01-02T03:04:05Z'", q)
}

func TestActionNamesTheFieldItMisses(t *testing.T) {
	for act, field := range map[Action]string{
		{Name: "approve"}:                         "step",
		{Name: "answer", Step: "s"}:               "answer",
		{Name: "skip"}:                            "step",
		{Name: "pause", Step: "s"}:                "step",
		{Name: "pause", Rollback: true}:           "rollback",
		{Name: "finding", Comment: " "}:           "text",
		{Name: "terminate-everything", Step: "s"}: "action",
	} {
		_, _, _, err := act.update(workflows.Actor{Name: "ann"})
		var e *Error
		require.ErrorAs(t, err, &e, "%+v", act)
		assert.Equal(t, field, e.Field, "%+v", act)
	}
}

func TestEngineErrorsSpeakTheUsersLanguage(t *testing.T) {
	// The errors as the Temporal frontend returns them.
	gone := temporalError(serviceerror.NewNotFound("workflow not found for ID: nosuch-run"), "status of run nosuch-run")
	assert.NotContains(t, gone.Error(), "workflow not found for ID")
	assert.Contains(t, gone.Error(), "no such run")
	assert.Contains(t, gone.Error(), "'bcdr runs'")
	assert.Equal(t, http.StatusNotFound, gone.(*Error).Status)

	ended := temporalError(serviceerror.NewNotFound("workflow execution already completed"), "approve r-1")
	assert.NotContains(t, ended.Error(), "workflow execution")
	assert.Contains(t, ended.Error(), "the run has ended")
	assert.Contains(t, ended.Error(), "'bcdr status'")
	assert.Equal(t, http.StatusConflict, ended.(*Error).Status)

	refused := temporalError(temporal.NewApplicationError("alice started this run and cannot approve it (four-eyes)", "Refused"), "approve r-1")
	assert.Equal(t, "approve r-1: refused: alice started this run and cannot approve it (four-eyes)", refused.Error())
}
