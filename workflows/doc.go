// Package workflows is the deterministic interpreter that runs a runbook as a Temporal
// workflow. Run starts every step as soon as the steps it needs are done, honours each
// step's condition, timeout, retry policy and error mode, rolls completed steps back in
// reverse order when the runbook says so, waits for approvals and manual tasks given
// through Temporal updates (validated before they are accepted), obeys operator controls
// (pause, resume, skip, retry, cancel), and answers the "status" query with the live
// state of every step.
//
// Readiness is the second workflow: one scheduled readiness check of a runbook (a
// Temporal Schedule starts it), whose checks run in an activity; it keeps the record,
// compares it with the schedule's previous check (its last completion result) and
// notifies readiness.changed when the runbook went from ready to not ready or back.
//
// Workflow code here uses only the SDK's workflow and temporal packages and the runbooks
// domain package: no wall clock, no randomness, no I/O, no map iteration for order.
package workflows
