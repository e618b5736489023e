package workflows

import (
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// Mode is how a run treats the world.
type Mode string

const (
	ModeLive     Mode = "live"     // the recovery itself
	ModeDrill    Mode = "drill"    // drill variants replace steps where the runbook gives them
	ModeTabletop Mode = "tabletop" // no step touches the world: each becomes a prompt
)

// ParseMode checks a mode name.
func ParseMode(s string) (Mode, bool) {
	switch Mode(s) {
	case ModeLive, ModeDrill, ModeTabletop:
		return Mode(s), true
	case "":
		return ModeLive, true
	}
	return "", false
}

// Actor is a person or system acting on a run. Groups are resolved by the caller that
// authenticated the actor, never taken from a client's word.
type Actor struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups,omitempty"`
}

// Input starts a run. The runbook is carried whole, so a later edit of its file never
// changes a running recovery.
type Input struct {
	Runbook runbooks.Runbook `json:"runbook"`
	// Nested holds the runbooks that `runbook` steps run, keyed by the path they name.
	Nested    map[string]runbooks.Runbook `json:"nested,omitempty"`
	Params    map[string]any              `json:"params,omitempty"`
	Mode      Mode                        `json:"mode"`
	Initiator Actor                       `json:"initiator"`
	Trigger   string                      `json:"trigger,omitempty"` // cli, webhook:<name>, schedule:<id>, parent:<run>
	// Authorized are the services whose grants the starter checked the initiator's for,
	// covering every runbook of the tree (root and nested). A run counts as proof only
	// for these (see Proof). Child runs inherit it.
	Authorized []string `json:"authorized,omitempty"`
	// NotApprovers may not approve or decline the run's approvals, like the initiator:
	// the people who made or sent what started it (a schedule's triggerer, say).
	NotApprovers []string `json:"notApprovers,omitempty"`
	// OutageStart starts the RTO clock; zero means the run's start.
	OutageStart time.Time `json:"outageStart,omitempty"`
	// HoldOnFailure keeps a run whose step failed open for this long, so an operator can
	// retry or skip the step; zero fails the run at once.
	HoldOnFailure time.Duration `json:"holdOnFailure,omitempty"`
	// TaskQueue for the step activities; empty means the workflow's own.
	TaskQueue string `json:"taskQueue,omitempty"`
	// ContinueAfter is the history length after which the run continues as new; 0 means
	// the default (10,000 events).
	ContinueAfter int `json:"continueAfter,omitempty"`
	// Evidence asks for the run's record to be written as an evidence bundle when it ends
	// (the EvidenceActivity).
	Evidence bool `json:"evidence,omitempty"`
	// ProbeInterval is how often a drill checks its steady-state probes while it runs;
	// zero means 30 seconds.
	ProbeInterval time.Duration `json:"probeInterval,omitempty"`
	// RecoveryTimeout bounds the wait for the steady-state probes to pass again after the
	// last step (that moment ends the measured RTO); zero means 15 minutes.
	RecoveryTimeout time.Duration `json:"recoveryTimeout,omitempty"`
	// Speed accelerates a tabletop's inject timeline: 60 delivers an inject due at 1h
	// after one minute. Zero means real time.
	Speed float64 `json:"speed,omitempty"`
	// Participants may answer tabletop prompts; empty means anyone. The initiator is the
	// facilitator and may always answer and advance.
	Participants []string `json:"participants,omitempty"`
	// Notify asks for run events (started, approval needed, roll call, step failed, finished) to be
	// sent to the notifier activity (activities.EventActivity).
	Notify bool `json:"notify,omitempty"`
	// Warnings are what the starter noticed about the request (an alert that lacked a
	// label a trigger parameter names, say). The run records each as an observation
	// finding by "bcdr", so the record says why a parameter took its default.
	Warnings []string `json:"warnings,omitempty"`
	// Provenance says whether a drill proved the runbook's version; the starter sets it
	// for a live run (api.ProvenGate) and the run records it (Status.Provenance).
	Provenance *runbooks.Provenance `json:"provenance,omitempty"`
	// Resume is set by the run itself when it continues as new.
	Resume *Resume `json:"resume,omitempty"`
}

// RunState is the state of the run as a whole.
type RunState string

const (
	RunRunning RunState = "running"
	RunPaused  RunState = "paused"
	RunBlocked RunState = "blocked" // a step failed; held for an operator's retry or skip
	RunFailing RunState = "failing" // a step failed; running steps finish, then rollback if asked
	// RunFinishing: the steps are done; recovery checks, rollbacks, drill cleanup and the
	// evidence bundle are under way. The outcome is known only when they are.
	RunFinishing RunState = "finishing"
	RunSucceeded RunState = "succeeded"
	RunFailed    RunState = "failed"
	RunCancelled RunState = "cancelled"
	// RunTerminated: the engine ended the run without it (temporal workflow terminate,
	// the SDK's TerminateWorkflow, a run timeout); its record is reconciled from the
	// engine's history (Status.Terminated).
	RunTerminated RunState = "terminated"
)

// Done reports whether the run has ended.
func (s RunState) Done() bool {
	return s == RunSucceeded || s == RunFailed || s == RunCancelled || s == RunTerminated
}

// StepStatus is the state of one step.
type StepStatus string

const (
	StepPending    StepStatus = "pending"
	StepRunning    StepStatus = "running"
	StepWaiting    StepStatus = "waiting" // for an approval, a manual task or a tabletop answer
	StepSucceeded  StepStatus = "succeeded"
	StepFailed     StepStatus = "failed"
	StepSkipped    StepStatus = "skipped"
	StepDeclined   StepStatus = "declined"
	StepCancelled  StepStatus = "cancelled"
	StepRolledBack StepStatus = "rolled_back"
)

// Terminal reports whether a step in this status will not change without an operator.
func (s StepStatus) Terminal() bool {
	switch s {
	case StepSucceeded, StepFailed, StepSkipped, StepDeclined, StepCancelled, StepRolledBack:
		return true
	}
	return false
}

// Decision is an approval, a decline or a completed manual task.
type Decision struct {
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Approve bool      `json:"approve"`
	Comment string    `json:"comment,omitempty"`
}

// StepState is the live state of one step.
type StepState struct {
	ID        string     `json:"id"`
	Name      string     `json:"name,omitempty"`
	Uses      string     `json:"uses"`
	Status    StepStatus `json:"status"`
	Attempts  int        `json:"attempts,omitempty"`
	StartedAt time.Time  `json:"startedAt,omitempty"`
	EndedAt   time.Time  `json:"endedAt,omitempty"`
	Error     string     `json:"error,omitempty"`
	// Reason says why a step was skipped or cancelled.
	Reason  string         `json:"reason,omitempty"`
	Outputs map[string]any `json:"outputs,omitempty"`
	// OutputsTruncated says the run's output budget cut some of Outputs (each cut string
	// ends with a note saying so).
	OutputsTruncated bool       `json:"outputsTruncated,omitempty"`
	Decisions        []Decision `json:"decisions,omitempty"`
	// Approvers currently asked (approval steps), after any escalation.
	Approvers []string `json:"approvers,omitempty"`
	Quorum    int      `json:"quorum,omitempty"`
	// Rollback is the outcome of this step's compensation, when it ran.
	Rollback *RollbackState `json:"rollback,omitempty"`
	// Cleanup is the outcome of this drill step's cleanup, when it ran.
	Cleanup *RollbackState `json:"cleanup,omitempty"`
	// OpenedAt is when a tabletop prompt was put to the participants.
	OpenedAt time.Time `json:"openedAt,omitempty"`
	// Drill is true when the step ran its drill variant.
	Drill bool `json:"drill,omitempty"`
}

// RollbackState records a compensation.
type RollbackState struct {
	Uses      string    `json:"uses"`
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt,omitempty"`
	Error     string    `json:"error,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
}

// OperatorAction is a recorded control: pause, resume, skip, retry, cancel.
type OperatorAction struct {
	Action  string    `json:"action"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Step    string    `json:"step,omitempty"`
	Comment string    `json:"comment,omitempty"`
}

// Refusal is a decision or operator action the run refused: who it claimed to be, when,
// what it asked and why it was refused.
type Refusal struct {
	Action string    `json:"action"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Step   string    `json:"step,omitempty"`
	Reason string    `json:"reason"`
}

// PendingTask is an approval or manual task waiting for a person.
type PendingTask struct {
	Step      string    `json:"step"`
	Name      string    `json:"name,omitempty"` // the step's name, for people
	Kind      string    `json:"kind"`           // approval, manual, prompt
	Approvers []string  `json:"approvers,omitempty"`
	Quorum    int       `json:"quorum,omitempty"`
	Approved  int       `json:"approved,omitempty"`
	Since     time.Time `json:"since"`
	// Prompt is the step's instructions (else its description), expressions rendered.
	Prompt string `json:"prompt,omitempty"`
}

// Status is the live state of a run (the "status" query) and, once it ended, its record.
type Status struct {
	RunID      string   `json:"runId"`
	Runbook    string   `json:"runbook"`
	Version    string   `json:"version,omitempty"`
	Digest     string   `json:"digest"`
	Service    string   `json:"service,omitempty"`
	Mode       Mode     `json:"mode"`
	Initiator  string   `json:"initiator"`
	Trigger    string   `json:"trigger,omitempty"`
	Authorized []string `json:"authorized,omitempty"` // services it was authorized for (Input.Authorized)
	// Provenance says whether a drill proved the version this live run ran; Unproven
	// says it in words when none did (the run is flagged).
	Provenance *runbooks.Provenance `json:"provenance,omitempty"`
	Params     map[string]any       `json:"params,omitempty"`
	State      RunState             `json:"state"`
	StartedAt  time.Time            `json:"startedAt"`
	EndedAt    time.Time            `json:"endedAt,omitempty"`
	ClockStart time.Time            `json:"clockStart"`
	Elapsed    time.Duration        `json:"elapsed"`
	RTOTarget  time.Duration        `json:"rtoTarget,omitempty"`
	RTOActual  time.Duration        `json:"rtoActual,omitempty"`
	// RecoveredAt is when the steady-state probes passed again after the last step: the
	// end of the measured RTO.
	RecoveredAt time.Time     `json:"recoveredAt,omitempty"`
	RPOTarget   time.Duration `json:"rpoTarget,omitempty"`
	RPOActual   time.Duration `json:"rpoActual,omitempty"`
	// RPOMarkerAt is the newest canary marker read back from the recovered store.
	RPOMarkerAt time.Time `json:"rpoMarkerAt,omitempty"`
	RPOError    string    `json:"rpoError,omitempty"`
	// Verifying says, while the run is finishing, what it waits for: the steady state to
	// return after the last step, until when, and which probes fail now.
	Verifying string           `json:"verifying,omitempty"`
	Error     string           `json:"error,omitempty"`
	Steps     []StepState      `json:"steps"`
	Pending   []PendingTask    `json:"pending,omitempty"`
	Actions   []OperatorAction `json:"actions,omitempty"`
	// Refusals are decisions and operator actions the run accepted for checking and then
	// refused: a decision on a step another decision closed first, an identity that does
	// not verify, a claimed group the configuration does not give.
	Refusals []Refusal `json:"refusals,omitempty"`
	// RefusalsDropped counts refusals past the number a run records.
	RefusalsDropped int      `json:"refusalsDropped,omitempty"`
	Rollbacks       []string `json:"rollbacks,omitempty"` // step ids in the order compensated
	// Probes records steady-state checks: every failure, and the checks that gate a
	// drill's start and mark recovery.
	Probes []ProbeResult `json:"probes,omitempty"`
	// Leftovers are drill resources whose cleanup failed: what a person must remove.
	Leftovers []string         `json:"leftovers,omitempty"`
	Injects   []InjectDelivery `json:"injects,omitempty"`
	// UndeliveredInjects are the tabletop injects the exercise ended before (DeliveredAt
	// zero): the after-action report says which facts the participants never heard.
	UndeliveredInjects []InjectDelivery `json:"undeliveredInjects,omitempty"`
	Findings           []Finding        `json:"findings,omitempty"`
	Evidence           *EvidenceRef     `json:"evidence,omitempty"`
	// EvidenceError says why the evidence bundle could not be written.
	EvidenceError string `json:"evidenceError,omitempty"`
	// Children are the child runs of the run's `runbook` steps (a scenario's services,
	// nested runbooks), and Waiting every task waiting for a person in the run and its
	// child runs. Readers fill them from the child runs' own records (LoadChildren); the
	// run itself never sets them, so its record and history do not hold them.
	Children []ChildRun `json:"children,omitempty"`
	Waiting  []Waiting  `json:"waiting,omitempty"`
}

// ProbeResult is one check of a steady-state probe.
type ProbeResult struct {
	Probe string    `json:"probe"`
	Phase string    `json:"phase"` // before (gates a drill), during (stop condition), after (recovery)
	At    time.Time `json:"at"`
	OK    bool      `json:"ok"`
	Error string    `json:"error,omitempty"`
}

// InjectDelivery is a tabletop inject as it was delivered.
type InjectDelivery struct {
	Due         time.Duration `json:"due"` // its place on the runbook's timeline
	Title       string        `json:"title"`
	Message     string        `json:"message,omitempty"`
	DeliveredAt time.Time     `json:"deliveredAt"`
}

// Finding kinds.
const (
	FindingGap         = "gap"
	FindingAction      = "action"
	FindingObservation = "observation"
)

// Finding is something learned in a run: a gap, an action item (with an owner) or an
// observation.
type Finding struct {
	Kind  string    `json:"kind"`
	Text  string    `json:"text"`
	Owner string    `json:"owner,omitempty"`
	Step  string    `json:"step,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// EvidenceRef says where a run's evidence bundle was stored.
type EvidenceRef struct {
	Store    string `json:"store"`    // "file" or "s3"
	Location string `json:"location"` // folder path or s3:// URI
	Seq      int64  `json:"seq"`      // position in the hash chain
	Hash     string `json:"hash"`     // the bundle's hash, chained to the previous one
}

// EvidenceActivity is the activity that writes a finished run's evidence bundle; it
// takes the run's Status and returns an EvidenceRef.
const EvidenceActivity = "bcdr.evidence"

// Step returns the named step's state, or nil.
func (s *Status) Step(id string) *StepState {
	for i := range s.Steps {
		if s.Steps[i].ID == id {
			return &s.Steps[i]
		}
	}
	return nil
}

// Update and query names.
const (
	QueryStatus    = "status"
	UpdateApprove  = "approve"
	UpdateDecline  = "decline"
	UpdateComplete = "complete"
	UpdatePause    = "pause"
	UpdateResume   = "resume"
	UpdateSkip     = "skip"
	UpdateRetry    = "retry"
	UpdateCancel   = "cancel"
	UpdateAdvance  = "advance" // the facilitator closes tabletop prompts
	UpdateFinding  = "finding" // record a gap, an action item or an observation
)

// FindingRequest records a finding in a run.
type FindingRequest struct {
	By    Actor  `json:"by"`
	Kind  string `json:"kind"`
	Text  string `json:"text"`
	Owner string `json:"owner,omitempty"`
	Step  string `json:"step,omitempty"`
}

// DecisionRequest approves or declines an approval step, completes a manual task,
// answers a tabletop prompt or acknowledges a roll call.
type DecisionRequest struct {
	Step    string `json:"step"`
	By      Actor  `json:"by"`
	Comment string `json:"comment,omitempty"`
	// Assertion vouches for By.Name (see Sign); By.Groups are ignored by runs that verify.
	Assertion *Assertion `json:"assertion,omitempty"`
}

// ControlRequest is an operator control. Step is required for skip and retry, Comment for
// skip and cancel; Rollback applies to cancel.
type ControlRequest struct {
	By       Actor  `json:"by"`
	Step     string `json:"step,omitempty"`
	Comment  string `json:"comment,omitempty"`
	Rollback bool   `json:"rollback,omitempty"`
	// Assertion vouches for By.Name (see Sign); By.Groups are ignored by runs that verify.
	Assertion *Assertion `json:"assertion,omitempty"`
}

// Search attribute names bcdr sets on every run.
const (
	SARunbook = "BcdrRunbook"
	SAService = "BcdrService"
	SAMode    = "BcdrMode"
	SAOutcome = "BcdrOutcome"
)

// WorkflowName is the registered name of the interpreter workflow.
const WorkflowName = "bcdr.Run"
