package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A drill whose steady state does not return after its last step has deviated: it used
// to sit in FINISHING for 15 minutes, probing every second (673 requests), then fail
// without its rollback. Now it waits its verify window (5 minutes in a drill), backs off
// between probes, says in its status what it waits for, fails as deviated and rolls back
// as its runbook asks (rollback: on_deviation).
func TestDrillThatDeviatesRollsBackAndSaysWhy(t *testing.T) {
	h := newHarness(t)
	p := &probe{failAt: 2} // the gate passes (check 1); every check after the last step fails
	withProbe(t, h, p)
	var verifying string
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryStatus)
		require.NoError(t, err)
		var st Status
		require.NoError(t, v.Get(&st))
		assert.Equal(t, RunFinishing, st.State)
		verifying = st.Verifying
	}, 3*time.Minute)
	st, err := h.run(t, parseWith(t, bare+"rollback: on_deviation\n"+steady+degradeStep, probeKind), func(in *Input) { in.Mode = ModeDrill; in.ProbeInterval = time.Hour })
	require.Error(t, err)
	assert.Equal(t, RunFailed, st.State)
	assert.Contains(t, st.Error, "recovery not verified: deviated: the steady state did not return within 5m0s after the last step: web: service unhealthy")
	assert.Equal(t, []string{"degrade", "restore"}, h.rec.called(), "rolled back on deviation")
	assert.Equal(t, []string{"degrade"}, st.Rollbacks)
	assert.Contains(t, verifying, "waiting for the steady state to return (until ")
	assert.Contains(t, verifying, "failing now: web: service unhealthy")
	assert.Empty(t, st.Verifying, "said only while it waits")
	assert.Less(t, p.checks, 30, "backed off: %d checks in 5 minutes, not 300", p.checks)
	assert.Greater(t, p.checks, 10)
}

// degradeStep changes the world in drills too, and has a rollback that restores it.
const degradeStep = `steps:
  - id: degrade
    uses: test.step
    with: {label: degrade}
    rollback: {uses: test.step, with: {label: restore}}
    drill: {live: true} # test.step counts as acting: a drill runs it only when told
`

// The window is the runbook's objectives.verify_within; rollback: on_failure (the
// default) leaves a deviated run as it is.
func TestVerifyWithinAndNoRollbackOnFailureStrategy(t *testing.T) {
	h := newHarness(t)
	withProbe(t, h, &probe{failAt: 2})
	st, err := h.run(t, parseWith(t, bare+"objectives: {verify_within: 40s}\n"+steady+degradeStep, probeKind), func(in *Input) { in.Mode = ModeDrill; in.ProbeInterval = time.Hour })
	require.Error(t, err)
	assert.Contains(t, st.Error, "did not return within 40s")
	assert.Equal(t, []string{"degrade"}, h.rec.called())
	assert.Equal(t, 40*time.Second, st.EndedAt.Sub(st.Steps[0].EndedAt).Truncate(time.Second), "the last check at the window's end")
}

// rollback: always undoes a drill that verified too, so that it leaves nothing changed.
func TestRollbackAlwaysUndoesASuccessfulDrill(t *testing.T) {
	h := newHarness(t)
	withProbe(t, h, &probe{})
	st, err := h.run(t, parseWith(t, bare+"rollback: always\n"+steady+degradeStep, probeKind), func(in *Input) { in.Mode = ModeDrill })
	require.NoError(t, err)
	assert.Equal(t, RunSucceeded, st.State)
	assert.Equal(t, []string{"degrade", "restore"}, h.rec.called())

	h = newHarness(t) // a live recovery is never undone for succeeding
	withProbe(t, h, &probe{})
	_, err = h.run(t, parseWith(t, bare+"rollback: always\n"+steady+`steps:
  - id: degrade
    uses: test.step
    with: {label: degrade}
    rollback: {uses: test.step, with: {label: restore}}
    drill: {live: true}
`, probeKind))
	require.NoError(t, err)
	assert.Equal(t, []string{"degrade"}, h.rec.called())
}
