package readiness

import (
	"context"

	"github.com/bcdr/bcdr/runbooks"
)

// Drill is a drill of a runbook as its record tells it (runbooks.Drill).
type Drill = runbooks.Drill

// Proven is the finding that says whether a successful drill proved this very version
// of the runbook (runbooks.Proven, by the portfolio's proof rule): ready when one did, a
// warning naming the last proven version and when it passed when none did. A live
// recovery of an unproven version runs steps no drill has exercised as written.
func Proven(rb *runbooks.Runbook, drills []Drill) Finding {
	return ProvenFinding(runbooks.Proven(rb, drills))
}

// provenIn is the proven finding of rb over the drills read; when they cannot be read,
// a warning that the version's proof is unknown and why.
func provenIn(ctx context.Context, rb *runbooks.Runbook, drills func(context.Context) ([]Drill, error)) Finding {
	ds, err := drills(ctx)
	if err != nil {
		return ProvenFinding(runbooks.Unproven(rb, "evidence store: "+err.Error()))
	}
	return Proven(rb, ds)
}

// ProvenFinding is the finding that states p.
func ProvenFinding(p runbooks.Provenance) Finding {
	f := Finding{Step: "(runbook)", Check: "proven", Result: Warning, Reason: p.String()}
	if p.Proven {
		f.Result = Ready
	}
	return f
}
