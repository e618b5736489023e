package workflows

import "time"

// ActionTerminate is the operator action a terminated run's record ends with.
const ActionTerminate = "terminate"

// StartStatus is a run's record as it starts, before any step: what the run's input
// says. The interpreter starts from it; a run whose history cannot be replayed is
// reconciled from it. Parameters are left to the caller, who knows which are secret.
func StartStatus(runID string, in Input, now time.Time) Status {
	rb := &in.Runbook
	mode := in.Mode
	if mode == "" {
		mode = ModeLive
	}
	clock := now
	if !in.OutageStart.IsZero() && in.OutageStart.Before(now) {
		clock = in.OutageStart
	}
	st := Status{
		RunID: runID, Runbook: rb.Metadata.Name, Version: rb.Metadata.Version,
		Digest: rb.Source.Digest, Service: rb.Metadata.Service, Mode: mode,
		Initiator: in.Initiator.Name, Trigger: in.Trigger, Authorized: in.Authorized, Provenance: in.Provenance, State: RunRunning,
		StartedAt: now, ClockStart: clock, RTOTarget: rb.Objectives.RTO.Std(),
		Steps: make([]StepState, len(rb.Steps)),
	}
	for i, s := range rb.Steps {
		st.Steps[i] = StepState{ID: s.ID, Name: s.Name, Uses: s.Uses, Status: StepPending}
	}
	return st
}

// Terminated returns the record of a run the engine ended without it (temporal
// workflow terminate, the SDK's TerminateWorkflow, a run timeout), from s, its last
// known state: the run is terminated at at, by whom and why as the engine says (either
// may be empty), its steps as they were except that none is still running or waiting,
// and nothing is pending. Every surface shows this record, and it is the run's evidence.
func (s Status) Terminated(at time.Time, by, reason string) Status {
	what := "terminated in the engine"
	if by != "" {
		what += " by " + by
	}
	if reason != "" {
		what += ": " + reason
	}
	s.State, s.EndedAt, s.Error = RunTerminated, at, what
	s.Pending, s.Verifying = nil, ""
	steps := make([]StepState, len(s.Steps))
	copy(steps, s.Steps)
	for i := range steps {
		switch steps[i].Status {
		case StepRunning, StepWaiting:
			steps[i].Status, steps[i].Reason = StepCancelled, "the run was terminated in the engine"
			if steps[i].EndedAt.IsZero() {
				steps[i].EndedAt = at
			}
		}
	}
	s.Steps = steps
	name := by
	if name == "" {
		name = "temporal"
	}
	s.Actions = append(append([]OperatorAction(nil), s.Actions...), OperatorAction{Action: ActionTerminate, By: name, At: at, Comment: reason})
	s.Elapsed = s.ElapsedAt(at)
	return s
}
