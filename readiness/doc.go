// Package readiness says, between drills, whether a runbook would work now: for every
// step, read-only checks that its target exists and is in a state the action accepts,
// that the identity it runs as may act, and that the recovery region has the capacity a
// scale-up needs.
//
// It is the domain side only: the results (ready, warning, not ready, cannot check), the
// Target a checker is given (a step's action with its inputs resolved from the
// parameters), and Check, which runs the checkers of every step in parallel. The
// checkers that read AWS live in activities/aws (Actions.Checkers), the HTTP ones in
// activities; this package imports no infrastructure. A check must never change
// anything, and one that cannot run (access denied to its own read) says so as
// CannotCheck, never as Ready.
//
// Scheduled readiness: Activity is the check a worker runs for the readiness workflow
// (workflows.Readiness, started by a Temporal Schedule), and Record is what each check
// keeps: its report, when it ran and the previous check's result, from which Changed
// says whether to notify (readiness.changed) and Broken what broke. RecordMode is the
// mode a record carries in the evidence store and in a run history.
package readiness
