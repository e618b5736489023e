package workflows

import (
	"fmt"
	"strings"

	"github.com/bcdr/bcdr/runbooks"
)

// What the Temporal Web UI shows of a run: it listed a run by its workflow type and its
// activities by kind only (four "http.check"). The workflow's static summary and details
// name the runbook, service and mode; each activity's summary names its step. Both are
// user metadata (temporal.api.sdk.v1.UserMetadata), encoded by the data converter like
// any payload, so the codec encrypts them with the rest; they are not part of the
// commands a replay compares (the SDK matches a scheduled activity by its id and type),
// so recorded histories replay unchanged.

// WebUISummary is the one-line summary and the details a run shows in the Temporal Web
// UI: "demo-failover · drill · demo-web" and the runbook's description, who started the
// run and how. Parameters are left out: some may be secret.
func WebUISummary(in Input) (summary, details string) {
	md := in.Runbook.Metadata
	summary = md.Name + " · " + string(in.Mode)
	if md.Service != "" {
		summary += " · " + md.Service
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**runbook** %s", md.Name)
	if md.Version != "" {
		fmt.Fprintf(&b, " (version %s)", md.Version)
	}
	if md.Description != "" {
		fmt.Fprintf(&b, ": %s", oneLine(md.Description))
	}
	if md.Service != "" {
		fmt.Fprintf(&b, "\n**service** %s", md.Service)
		if md.Tier > 0 {
			fmt.Fprintf(&b, " (tier %d)", md.Tier)
		}
	}
	fmt.Fprintf(&b, "\n**mode** %s", in.Mode)
	if in.Initiator.Name != "" {
		fmt.Fprintf(&b, "\n**started by** %s", in.Initiator.Name)
		if in.Trigger != "" {
			fmt.Fprintf(&b, " (%s)", in.Trigger)
		}
	}
	return summary, b.String()
}

// activitySummary names a step's activity in the Web UI: `switch: Switch the router
// (http.request)`, with what the activity does for the step (its rollback, a probe).
func activitySummary(role, stepID, name, kind string) string {
	s := stepID
	if name != "" {
		s += ": " + oneLine(name)
	}
	if role != "" {
		s = role + " " + s
	}
	return s + " (" + kind + ")"
}

// stepName is the name of the runbook's step id, or "".
func stepName(rb *runbooks.Runbook, id string) string {
	for _, s := range rb.Steps {
		if s.ID == id {
			return s.Name
		}
	}
	return ""
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:117]) + "..."
	}
	return s
}
