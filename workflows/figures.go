package workflows

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// RTO is the run's recovery time as every surface states it: measured from the clock
// start (the outage start) to the moment recovery was verified, when the run succeeded.
func (s Status) RTO() runbooks.Figure {
	switch {
	case s.Mode == ModeTabletop:
		return runbooks.UnmeasuredFigure(s.RTOTarget, "a tabletop exercise changes no system, so it measures no recovery time")
	case s.EndedAt.IsZero():
		return runbooks.UnmeasuredFigure(s.RTOTarget, "the run has not ended yet")
	case s.State == RunCancelled:
		return runbooks.UnmeasuredFigure(s.RTOTarget, "the run was cancelled before recovery was verified")
	case s.State == RunTerminated:
		return runbooks.UnmeasuredFigure(s.RTOTarget, "the run was terminated in the engine before recovery was verified")
	case s.State == RunFailed && strings.HasPrefix(s.Error, "recovery not verified"):
		return runbooks.UnmeasuredFigure(s.RTOTarget, s.Error)
	case s.State != RunSucceeded:
		return runbooks.UnmeasuredFigure(s.RTOTarget, "the run failed before recovery was verified")
	}
	end := "the last step"
	if !s.RecoveredAt.IsZero() {
		end = "the steady-state checks passing again"
	}
	return runbooks.MeasuredFigure(s.RTOActual, s.RTOTarget, "from "+s.ClockStart.UTC().Format(time.RFC3339)+" ("+s.clockStartName()+") to "+end)
}

// clockStartName says what the RTO clock started at: a live run's outage start; a drill
// has no outage, so its own start (or, when it was given one, its clock start).
func (s Status) clockStartName() string {
	switch {
	case s.Mode != ModeDrill:
		return "outage start"
	case s.ClockStart.Equal(s.StartedAt):
		return "drill start"
	}
	return "clock start"
}

// RPO is the run's data-loss window as every surface states it: the outage start minus
// the newest canary marker read back from the recovered store (zero when that marker is
// newer than the outage start).
func (s Status) RPO() runbooks.Figure {
	switch {
	case s.Mode == ModeTabletop:
		return runbooks.UnmeasuredFigure(s.RPOTarget, "a tabletop exercise reads no canary marker, so it measures no data loss")
	case s.RPOError != "":
		return runbooks.UnmeasuredFigure(s.RPOTarget, s.RPOError)
	case !s.RPOMarkerAt.IsZero():
		note := "newest canary marker in the recovered store: " + s.RPOMarkerAt.UTC().Format(time.RFC3339Nano)
		if !s.RPOMarkerAt.Before(s.ClockStart) {
			note += ", not older than the outage start: no data lost"
		}
		return runbooks.MeasuredFigure(s.RPOActual, s.RPOTarget, note)
	case s.EndedAt.IsZero():
		return runbooks.UnmeasuredFigure(s.RPOTarget, "the run has not ended yet")
	}
	return runbooks.UnmeasuredFigure(s.RPOTarget, "the runbook reads no canary marker (objectives.rpo_marker)")
}

// MarshalJSON writes the record with its figures ("rto", "rpo", each with its durations
// in text too) and its elapsed time in text beside the fields they are computed from, so that every reader of the JSON (the dashboard, scripts) renders
// the same figures and computes none itself. They are derived, never stored: a record
// decoded from JSON computes them again.
func (s Status) MarshalJSON() ([]byte, error) {
	type record Status // without this method
	return json.Marshal(struct {
		record
		RTO         runbooks.Figure `json:"rto"`
		RPO         runbooks.Figure `json:"rpo"`
		ElapsedText string          `json:"elapsedText"`
	}{record(s), s.RTO(), s.RPO(), runbooks.FormatDuration(s.Elapsed)})
}
