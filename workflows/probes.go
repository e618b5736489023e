package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"
)

// Probe phases.
const (
	probeBefore = "before"
	probeDuring = "during"
	probeAfter  = "after"
)

const (
	defaultProbeInterval   = 30 * time.Second
	defaultRecoveryTimeout = 15 * time.Minute
	recoveryRecheck        = time.Second
	// A drill verifies within a few minutes by default: a steady state that has not come
	// back by then has deviated (Chaos Toolkit reports it at once).
	defaultDrillVerifyWithin = 5 * time.Minute
	// Rechecks back off from recoveryRecheck to this, so that a steady state that does
	// not return costs tens of probe requests, not hundreds.
	maxRecoveryRecheck = 15 * time.Second
)

// Versions of the wait for recovery (change id "verify-window").
const (
	// verifyWindowV1: objectives.verify_within and the drill default bound the wait,
	// rechecks back off, the status says what the run waits for, and a deviation rolls
	// back as the runbook's rollback strategy asks.
	verifyWindowV1 workflow.Version = 1
)

// checkProbes runs every steady-state probe at once and returns the failures, one line
// each. With record, the results go into the run's record; a check during a drill records
// only its failures.
func (r *run) checkProbes(ctx workflow.Context, phase string, record bool) []string {
	probes := r.rb.SteadyState
	errs := make([]error, len(probes))
	done := 0
	for i := range probes {
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer func() { done++ }()
			with, err := r.expand(probes[i].With)
			if err == nil {
				_, _, err = r.activity(gctx, "probe."+probes[i].ID, probes[i].Action, with, activitySummary("steady-state probe", probes[i].ID, "", probes[i].Uses))
			}
			errs[i] = err
		})
	}
	if err := workflow.Await(ctx, func() bool { return done == len(probes) }); err != nil {
		return []string{"probes interrupted: " + err.Error()}
	}
	var failed []string
	now := workflow.Now(ctx)
	for i, err := range errs {
		res := ProbeResult{Probe: probes[i].ID, Phase: phase, At: now, OK: err == nil}
		if err != nil {
			res.Error = redactString(errorText(err), r.secrets)
			failed = append(failed, fmt.Sprintf("%s: %s", probes[i].ID, res.Error))
		}
		if record && (err != nil || phase != probeDuring) {
			r.st.Probes = append(r.st.Probes, res)
		}
	}
	return failed
}

// precheck gates a drill: when the steady state does not hold, the drill does not start.
func (r *run) precheck(ctx workflow.Context) {
	if r.in.Mode != ModeDrill || len(r.rb.SteadyState) == 0 {
		return
	}
	if failed := r.checkProbes(ctx, probeBefore, true); len(failed) > 0 {
		r.fail("steady state does not hold, the drill did not start: "+strings.Join(failed, "; "), false)
	}
}

// monitor checks the probes while a drill runs; a failing probe is a stop condition: the
// drill stops at once and rolls back. It returns a func that stops the monitor.
func (r *run) monitor(ctx workflow.Context) func() {
	if r.in.Mode != ModeDrill || len(r.rb.SteadyState) == 0 {
		return func() {}
	}
	interval := r.in.ProbeInterval
	if interval <= 0 {
		interval = defaultProbeInterval
	}
	mctx, stop := workflow.WithCancel(ctx)
	workflow.Go(mctx, func(gctx workflow.Context) {
		for {
			if err := workflow.Sleep(gctx, interval); err != nil {
				return
			}
			if r.failing || r.cancel != nil {
				return
			}
			if failed := r.checkProbes(gctx, probeDuring, true); len(failed) > 0 && gctx.Err() == nil {
				r.abort("stop condition: steady-state probe failed: " + strings.Join(failed, "; "))
				return
			}
		}
	})
	return stop
}

// abort fails the run with rollback and cancels the steps that are running.
func (r *run) abort(reason string) {
	r.fail(reason, true)
	for _, cancel := range r.cancels {
		if cancel != nil {
			cancel()
		}
	}
}

// awaitRecovery waits until the steady-state probes pass again after the last step and
// returns when they did: the end of the measured RTO. Without probes, recovery is the
// end of the last step.
func (r *run) awaitRecovery(ctx workflow.Context) (time.Time, error) {
	if len(r.rb.SteadyState) == 0 || r.in.Mode == ModeTabletop {
		return r.lastEnd(), nil
	}
	windowed := workflow.GetVersion(ctx, "verify-window", workflow.DefaultVersion, verifyWindowV1) >= verifyWindowV1
	limit := r.verifyWithin(windowed)
	deadline := workflow.Now(ctx).Add(limit)
	recheck := recoveryRecheck
	defer func() { r.st.Verifying = "" }()
	for {
		last := !workflow.Now(ctx).Before(deadline)
		failed := r.checkProbes(ctx, probeAfter, false)
		if len(failed) == 0 || last {
			r.checkProbesRecord(ctx, probeAfter, failed)
		}
		if len(failed) == 0 {
			return workflow.Now(ctx), nil
		}
		if last {
			if windowed {
				r.deviated = true
				return time.Time{}, fmt.Errorf("deviated: the steady state did not return within %s after the last step: %s", limit, strings.Join(failed, "; "))
			}
			return time.Time{}, fmt.Errorf("steady state did not return within %s after the last step: %s", limit, strings.Join(failed, "; "))
		}
		wait := recoveryRecheck
		if windowed {
			wait = min(recheck, deadline.Sub(workflow.Now(ctx)))
			recheck = min(2*recheck, maxRecoveryRecheck)
			r.st.Verifying = fmt.Sprintf("waiting for the steady state to return (until %s, %s after the last step); failing now: %s",
				deadline.UTC().Format(time.RFC3339), limit, strings.Join(failed, "; "))
		}
		if err := workflow.Sleep(ctx, max(wait, time.Millisecond)); err != nil {
			return time.Time{}, err
		}
	}
}

// verifyWithin is how long the run waits after its last step for the steady state to
// return: the runbook's objectives.verify_within, else the starter's RecoveryTimeout,
// else 5 minutes for a drill and 15 for a live run.
func (r *run) verifyWithin(windowed bool) time.Duration {
	if !windowed {
		if r.in.RecoveryTimeout > 0 {
			return r.in.RecoveryTimeout
		}
		return defaultRecoveryTimeout
	}
	switch {
	case r.rb.Objectives.VerifyWithin > 0:
		return r.rb.Objectives.VerifyWithin.Std()
	case r.in.RecoveryTimeout > 0:
		return r.in.RecoveryTimeout
	case r.in.Mode == ModeDrill:
		return defaultDrillVerifyWithin
	}
	return defaultRecoveryTimeout
}

// checkProbesRecord records the outcome of an unrecorded check: every probe passed, or
// the listed ones failed.
func (r *run) checkProbesRecord(ctx workflow.Context, phase string, failed []string) {
	now := workflow.Now(ctx)
	bad := map[string]string{}
	for _, f := range failed {
		id, msg, _ := strings.Cut(f, ": ")
		bad[id] = msg
	}
	for _, p := range r.rb.SteadyState {
		msg, isBad := bad[p.ID]
		r.st.Probes = append(r.st.Probes, ProbeResult{Probe: p.ID, Phase: phase, At: now, OK: !isBad, Error: msg})
	}
}
