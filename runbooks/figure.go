package runbooks

import (
	"encoding/json"
	"time"
)

// Verdict is how a measured objective compares with its target.
type Verdict string

// The verdicts a Figure carries.
const (
	VerdictMet         Verdict = "met"
	VerdictMissed      Verdict = "missed"
	VerdictNoTarget    Verdict = "no target"    // measured, but the runbook declares no target
	VerdictNotMeasured Verdict = "not measured" // see the figure's Reason
)

// Figure is one recovery objective (RTO or RPO) of a run as every surface states it:
// the measured value against the runbook's target, the verdict, and, when it was not
// measured, why. It is computed once, from the run's record, and rendered as it is by
// the CLI, the reports, the dashboard, the portfolio and coverage.
type Figure struct {
	// Measured is false when the run measured nothing; Actual is then zero and Reason
	// says why. A measured Actual of zero is a real figure (no data lost).
	Measured bool          `json:"measured"`
	Actual   time.Duration `json:"actual"`
	Target   time.Duration `json:"target,omitempty"`
	Verdict  Verdict       `json:"verdict"`
	// Reason says, in the reader's terms, why the figure was not measured.
	Reason string `json:"reason,omitempty"`
	// Note says what a measured figure runs from and to.
	Note string `json:"note,omitempty"`
}

// MeasuredFigure is a measured objective with its verdict against target (zero: none).
func MeasuredFigure(actual, target time.Duration, note string) Figure {
	f := Figure{Measured: true, Actual: actual, Target: target, Verdict: VerdictNoTarget, Note: note}
	switch {
	case target <= 0:
	case actual <= target:
		f.Verdict = VerdictMet
	default:
		f.Verdict = VerdictMissed
	}
	return f
}

// UnmeasuredFigure is an objective the run did not measure, and why.
func UnmeasuredFigure(target time.Duration, reason string) Figure {
	return Figure{Target: target, Verdict: VerdictNotMeasured, Reason: reason}
}

// Judged reports whether the figure was measured against a target (met or missed).
func (f Figure) Judged() bool { return f.Verdict == VerdictMet || f.Verdict == VerdictMissed }

// MarshalJSON writes the figure with its durations twice: in nanoseconds for programs
// (actual, target) and in the one human format (actualText, targetText: "3m47s"), so that
// a person reading the JSON (the Temporal Web UI shows the run's record as it is) reads a
// duration, not 227000000000.
func (f Figure) MarshalJSON() ([]byte, error) {
	type figure Figure // without this method
	out := struct {
		figure
		ActualText string `json:"actualText,omitempty"`
		TargetText string `json:"targetText,omitempty"`
	}{figure: figure(f)}
	if f.Measured {
		out.ActualText = FormatDuration(f.Actual)
	}
	if f.Target > 0 {
		out.TargetText = FormatDuration(f.Target)
	}
	return json.Marshal(out)
}
