package activities

import "time"

// EventActivity is the activity the interpreter calls on run events when a run asks for
// notifications (workflows.Input.Notify). The worker registers the notifier under it.
const EventActivity = "bcdr.event"

// Event types.
const (
	EventRunStarted     = "run.started"
	EventApprovalNeeded = "approval.needed"
	EventStepFailed     = "step.failed"
	EventRunFinished    = "run.finished"
	// EventRollCall: a people.roll_call step asks Approvers (the people named) to
	// acknowledge; EventRollCallEscalated: its timeout passed and Approvers (escalate_to)
	// are told who is missing.
	EventRollCall          = "rollcall.needed"
	EventRollCallEscalated = "rollcall.escalated"
	// EventReadinessChanged: a scheduled readiness check of a runbook went from ready to
	// not ready or back (or its first check is not ready). Step names the first step
	// that broke and Error what broke; State is the new result; Mode is "readiness", so
	// routes by mode (live, drill) do not take it for a run's event.
	EventReadinessChanged = "readiness.changed"
)

// Event is something that happened in a run that people may want to hear about.
type Event struct {
	Type    string `json:"type"`
	RunID   string `json:"runId"`
	Runbook string `json:"runbook"`
	Service string `json:"service,omitempty"`
	// Labels are the runbook's metadata.labels, for routing notifications.
	Labels    map[string]string `json:"labels,omitempty"`
	Mode      string            `json:"mode"`
	Initiator string            `json:"initiator,omitempty"`
	Step      string            `json:"step,omitempty"`
	Approvers []string          `json:"approvers,omitempty"`
	State     string            `json:"state,omitempty"` // run.finished: succeeded, failed, cancelled
	Error     string            `json:"error,omitempty"`
	RTOActual time.Duration     `json:"rtoActual,omitempty"`
	RTOTarget time.Duration     `json:"rtoTarget,omitempty"`
	RPOActual time.Duration     `json:"rpoActual,omitempty"`
	RPOTarget time.Duration     `json:"rpoTarget,omitempty"`
	At        time.Time         `json:"at"`
	Message   string            `json:"message"` // one line for a person
	// AckLinks are a roll call's one-click acknowledgement links, one per person. The
	// notifier adds them as it delivers (package notify); a run never sets them, so no
	// link is ever in a history.
	AckLinks []AckLink `json:"ackLinks,omitempty"`
}

// AckLink is the signed link with which User acknowledges a roll call.
type AckLink struct {
	User string `json:"user"`
	URL  string `json:"url"`
}
