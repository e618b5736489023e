package main

import (
	"fmt"
	"io"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// printFigures writes the run's RTO and RPO as its record states them (status, watch).
func printFigures(w io.Writer, st workflows.Status) {
	fmt.Fprintln(w, figureLine("RTO", st.RTO()))
	line := figureLine("RPO", st.RPO())
	if !st.RPOMarkerAt.IsZero() && st.RPO().Measured {
		line += fmt.Sprintf(" (newest recovered marker %s)", st.RPOMarkerAt.Local().Format("15:04:05.000"))
	}
	fmt.Fprintln(w, line)
}

// figureLine is one figure: "RTO      3m0s actual / 5m0s target  (met)", or why it was
// not measured.
func figureLine(name string, f runbooks.Figure) string {
	if !f.Measured {
		line := fmt.Sprintf("%-8s not measured: %s", name, f.Reason)
		if f.Target > 0 {
			line += fmt.Sprintf(" (target %s)", round(f.Target))
		}
		return line
	}
	line := fmt.Sprintf("%-8s %s actual / %s target", name, round(f.Actual), orDashDur(f.Target))
	switch f.Verdict {
	case runbooks.VerdictMet:
		line += "  (met)"
	case runbooks.VerdictMissed:
		line += "  (MISSED)"
	}
	return line
}
