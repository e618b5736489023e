package workflows

// Verb is how every surface (status, watch, reports, dashboard) words a decision on a step
// of the given kind in the given mode: in a tabletop nothing is approved or done, people
// answer a prompt ("answered"), whatever kind of step it stands for; otherwise an approval
// step is "approved" or "declined" and a manual task "completed". The dashboard's run page
// words it by the same rule (decisionVerb in api/dashboard/static/js/format.js).
func (d Decision) Verb(mode Mode, uses string) string {
	switch {
	case mode == ModeTabletop:
		return "answered"
	case uses == "approval" && d.Approve:
		return "approved"
	case uses == "approval":
		return "declined"
	}
	return "completed"
}
