package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScheduleTakesDurationsInTheOneSyntax(t *testing.T) {
	spec, err := scheduleSpec(ScheduleRequest{Every: "90d", Jitter: "1d"})
	require.NoError(t, err, "--every 90d, as runbooks and runs --since take it")
	require.Len(t, spec.Intervals, 1)
	assert.Equal(t, 90*24*time.Hour, spec.Intervals[0].Every)
	assert.Equal(t, 24*time.Hour, spec.Jitter)

	spec, err = scheduleSpec(ScheduleRequest{Every: "2160h"})
	require.NoError(t, err)
	assert.Equal(t, 90*24*time.Hour, spec.Intervals[0].Every)

	for _, bad := range []ScheduleRequest{{Every: "90 days"}, {Every: "500ms"}, {Cron: []string{"0 10 * * 1"}, Jitter: "soon"}} {
		_, err := scheduleSpec(bad)
		var he *Error
		require.ErrorAs(t, err, &he, "%+v", bad)
		assert.Equal(t, http.StatusBadRequest, he.Status)
	}
}

func TestCronIsShownAsText(t *testing.T) {
	assert.Equal(t, "0 10 * * 1", cronText([]string{"0 10 * * 1"}))
	assert.Equal(t, "0 10 * * 1; 0 3 1 * *", cronText([]string{"0 10 * * 1", "0 3 1 * *"}))
}
