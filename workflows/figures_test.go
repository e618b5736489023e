package workflows

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
)

// The record's figures are what a run measured: a marker newer than the outage start is
// a measured RPO of zero (no data lost), met; a marker that cannot be read is reported,
// not measured, in the runbook author's terms, never as a Go type: a mapping, text that
// is not a time, and "" (what a marker kind answers when the recovered store holds no
// marker), which the record calls what it is rather than a malformed time.
func TestRPOFiguresOfARun(t *testing.T) {
	notMeasured := func(reason string) runbooks.Figure {
		return runbooks.Figure{Target: time.Minute, Verdict: runbooks.VerdictNotMeasured, Reason: reason}
	}
	for _, c := range []struct {
		value string
		want  runbooks.Figure
	}{
		{`"2100-01-01T00:00:00Z"`, runbooks.Figure{Measured: true, Actual: 0, Target: time.Minute, Verdict: runbooks.VerdictMet}},
		{`{at: now}`, notMeasured("rpo_marker: the marker read back is a mapping, not a time (give an RFC 3339 time or Unix seconds)")},
		{`"yesterday"`, notMeasured(`rpo_marker: "yesterday" is not an RFC 3339 time`)},
		{`""`, notMeasured("rpo_marker: no marker was read (the recovered store holds none, or the step returned nothing)")},
	} {
		h := newHarness(t)
		st, err := h.run(t, parse(t, bare+`objectives:
  rpo: 1m
  rpo_marker: "${{ steps.read_marker.outputs.value }}"
steps:
  - id: read_marker
    uses: test.step
    with: {label: read, value: `+c.value+`}
`))
		require.NoError(t, err)
		got := st.RPO()
		got.Note = ""
		assert.Equal(t, c.want, got, c.value)
		assert.NotContains(t, got.Reason, "map[")
		if !c.want.Measured {
			assert.Equal(t, c.want.Reason, st.RPOError, c.value)
			assert.Zero(t, st.RPOActual, c.value)
		}
	}
}

// Every RTO/RPO case has one figure, and the record's JSON carries it beside the fields
// it is computed from.
func TestFiguresOfARecord(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	ended := Status{Mode: ModeDrill, State: RunSucceeded, ClockStart: t0, EndedAt: t0.Add(time.Hour),
		RTOActual: 3 * time.Minute, RTOTarget: 5 * time.Minute, RPOTarget: time.Minute}
	with := func(f func(*Status)) Status { s := ended; f(&s); return s }
	for name, c := range map[string]struct {
		st       Status
		rto, rpo runbooks.Verdict
		reason   string
	}{
		"met, rpo not declared": {ended, runbooks.VerdictMet, runbooks.VerdictNotMeasured, "the runbook reads no canary marker (objectives.rpo_marker)"},
		"missed": {with(func(s *Status) {
			s.RTOActual, s.RPOMarkerAt, s.RPOActual = 6*time.Minute, t0.Add(-2*time.Minute), 2*time.Minute
		}), runbooks.VerdictMissed, runbooks.VerdictMissed, ""},
		"marker newer": {with(func(s *Status) { s.RPOMarkerAt = t0.Add(time.Second) }), runbooks.VerdictMet, runbooks.VerdictMet, ""},
		"no targets":   {with(func(s *Status) { s.RTOTarget, s.RPOTarget, s.RPOMarkerAt = 0, 0, t0 }), runbooks.VerdictNoTarget, runbooks.VerdictNoTarget, ""},
		"running":      {with(func(s *Status) { s.State, s.EndedAt = RunRunning, time.Time{} }), runbooks.VerdictNotMeasured, runbooks.VerdictNotMeasured, "the run has not ended yet"},
		"tabletop":     {with(func(s *Status) { s.Mode = ModeTabletop }), runbooks.VerdictNotMeasured, runbooks.VerdictNotMeasured, "a tabletop exercise reads no canary marker, so it measures no data loss"},
		"failed":       {with(func(s *Status) { s.State = RunFailed; s.RPOError = "rpo_marker: no marker was read" }), runbooks.VerdictNotMeasured, runbooks.VerdictNotMeasured, "rpo_marker: no marker was read"},
	} {
		assert.Equal(t, c.rto, c.st.RTO().Verdict, name)
		assert.Equal(t, c.rpo, c.st.RPO().Verdict, name)
		assert.Equal(t, c.reason, c.st.RPO().Reason, name)

		b, err := json.Marshal(c.st)
		require.NoError(t, err)
		var v struct{ RTO, RPO runbooks.Figure }
		require.NoError(t, json.Unmarshal(b, &v))
		assert.Equal(t, c.st.RTO(), v.RTO, name)
		assert.Equal(t, c.st.RPO(), v.RPO, name)
		var back Status
		require.NoError(t, json.Unmarshal(b, &back), "a record with its figures reads back")
		assert.Equal(t, c.st.RPO(), back.RPO(), name)
	}
}
