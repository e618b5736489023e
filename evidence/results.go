package evidence

import (
	"github.com/bcdr/bcdr/catalogue"
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
