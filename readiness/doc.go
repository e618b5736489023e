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
package readiness
