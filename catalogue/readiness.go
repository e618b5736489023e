package catalogue

import (
	"fmt"
	"time"

	"github.com/bcdr/bcdr/readiness"
)

// Readiness in coverage and the portfolio: a run history may hold, besides runs, the
// scheduled readiness checks of runbooks (results of mode readiness.RecordMode, the
// check's result as their outcome and what broke as their reason). A runbook's last
// check that does not pass is a gap of its service (GapNotReady), however well its
// drills went: the runbook would not work now.

// GapNotReady: the runbook's last scheduled readiness check did not pass.
const GapNotReady GapKind = "not-ready"

// isCheck reports whether the result is a readiness check rather than a run.
func (r *RunResult) isCheck() bool { return r.Mode == readiness.RecordMode }

// checkPasses reports whether a readiness check passed (ready, or ready with warnings).
func (r *RunResult) checkPasses() bool { return readiness.Result(r.Outcome).Passes() }

// lastCheck is the latest readiness check of service s's runbook ref in results (sorted
// by start), or nil.
func (c *Catalogue) lastCheck(results []RunResult, s *Service, ref *RunbookRef, rbs Runbooks) *RunResult {
	var last *RunResult
	for i := range results {
		if r := &results[i]; r.isCheck() && c.countsFor(r, s, ref, rbs[ref.Path]) {
			last = r
		}
	}
	return last
}

// checkReadiness adds the gap of a runbook whose last readiness check did not pass.
func (sc *ServiceCoverage) checkReadiness(rc *RunbookCoverage) {
	if r := rc.Readiness; r != nil && !r.checkPasses() {
		sc.addGap(GapNotReady, rc.Name, fmt.Sprintf("runbook %s of %s is %s (checked %s): %s",
			rc.Name, sc.Service, r.Outcome, r.StartedAt.UTC().Format("2006-01-02 15:04 MST"), r.Reason))
	}
}

// ServiceReadiness is a service's readiness in the portfolio, from the last scheduled
// check of each of its runbooks that has one.
type ServiceReadiness struct {
	// Result is the worst of the runbooks' last checks.
	Result readiness.Result `json:"result"`
	// CheckedAt is when the least recently checked of them was checked.
	CheckedAt time.Time `json:"checkedAt"`
	// Broken says, for each runbook whose last check did not pass, what broke.
	Broken []string `json:"broken,omitempty"`
}

// serviceReadiness sums up the runbooks' last checks; nil when none was checked.
func serviceReadiness(rbs []RunbookHealth) *ServiceReadiness {
	var out *ServiceReadiness
	for _, rh := range rbs {
		r := rh.Readiness
		if r == nil {
			continue
		}
		if out == nil {
			out = &ServiceReadiness{Result: readiness.Ready, CheckedAt: r.StartedAt}
		}
		out.Result = readiness.WorstOf(out.Result, readiness.Result(r.Outcome))
		if r.StartedAt.Before(out.CheckedAt) {
			out.CheckedAt = r.StartedAt
		}
		if !r.checkPasses() {
			out.Broken = append(out.Broken, fmt.Sprintf("%s: %s", rh.Name, r.Reason))
		}
	}
	return out
}
