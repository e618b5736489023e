package evidence

import (
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/workflows"
)

// RunResult is a bundle's run as the run history states it (bcdr coverage, the
// portfolio): the manifest's facts and the RTO and RPO figures of its record.
func RunResult(m Manifest, st *workflows.Status) catalogue.RunResult {
	return catalogue.RunResult{
		RunID: m.RunID, Runbook: m.Runbook, Service: m.Service, Mode: m.Mode, Outcome: m.State,
		StartedAt: m.StartedAt, EndedAt: m.EndedAt, RTO: st.RTO(), RPO: st.RPO(),
	}
}

// ReadinessResult is a readiness record as the run history states it: a result of mode
// readiness.RecordMode whose outcome is the check's result and whose reason says what
// broke (coverage counts a runbook whose last check does not pass as a gap).
func ReadinessResult(rec readiness.Record) catalogue.RunResult {
	return catalogue.RunResult{
		RunID: rec.ID, Runbook: rec.Runbook, Service: rec.Service, Mode: readiness.RecordMode, Outcome: string(rec.Result),
		StartedAt: rec.CheckedAt, EndedAt: rec.CheckedAt.Add(rec.Duration), Reason: readiness.BrokenText(rec.Broken()),
	}
}
