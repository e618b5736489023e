package workflows

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// probe is the test step kind "test.probe": healthy unless told otherwise, counting its
// checks.
type probe struct {
	mu      sync.Mutex
	checks  int
	failFor int  // the first failFor checks fail
	failAt  int  // from this check on, checks fail (0: never)
	down    bool // every check fails
}

func (p *probe) check(ctx context.Context, req activities.Request) (activities.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checks++
	if p.down || p.checks <= p.failFor || (p.failAt > 0 && p.checks >= p.failAt) {
		return nil, fmt.Errorf("service unhealthy (check %d)", p.checks)
	}
	return activities.Result{"status": 200}, nil
}

var probeKind = runbooks.Kind{
	Name: "test.probe", Description: "a steady-state probe", Executor: runbooks.ByActivity,
	Outputs: []runbooks.Field{{Name: "status", Type: runbooks.TypeInt}},
}

func withProbe(t *testing.T, h *harness, p *probe) {
	t.Helper()
	activities.Register(h.env, activities.Action{Kind: probeKind, Fn: p.check})
}

func parseWith(t *testing.T, src string, kinds ...runbooks.Kind) runbooks.Runbook {
	t.Helper()
	reg, err := runbooks.DefaultRegistry(append([]runbooks.Kind{testKind}, kinds...)...)
	require.NoError(t, err)
	rb, diags := runbooks.Parse("test.yaml", []byte(src), reg)
	require.False(t, diags.HasErrors(), "runbook does not parse:\n%v", diags)
	return *rb
}

const bare = `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: test}
`

const steady = `steady_state:
  - id: web
    uses: test.probe
    retry: {attempts: 1}
`

func TestDrillDoesNotStartWhenSteadyStateFails(t *testing.T) {
	h := newHarness(t)
	withProbe(t, h, &probe{down: true})
	st, err := h.run(t, parseWith(t, header+steady+`steps:
  - id: a
    uses: test.step
    with: {label: a}
`, probeKind), func(in *Input) { in.Mode = ModeDrill })
	require.Error(t, err)
	assert.Equal(t, RunFailed, st.State)
	assert.Contains(t, st.Error, "steady state does not hold, the drill did not start: web: service unhealthy")
	assert.Empty(t, h.rec.called(), "nothing ran")
	assert.Equal(t, StepCancelled, st.Step("a").Status)
	require.NotEmpty(t, st.Probes)
	assert.Equal(t, probeBefore, st.Probes[0].Phase)
	assert.False(t, st.Probes[0].OK)
}

func TestFailingProbeStopsDrillAndRollsBack(t *testing.T) {
	h := newHarness(t)
	p := &probe{failAt: 3} // before: check 1 passes; during: check 2 passes, check 3 fails
	withProbe(t, h, p)
	st, err := h.run(t, parseWith(t, header+steady+`steps:
  - id: degrade
    uses: test.step
    with: {label: degrade}
    rollback: {uses: test.step, with: {label: restore}}
    drill:
      cleanup: {uses: test.step, with: {label: cleanup-degrade}}
  - id: soak
    uses: wait
    needs: degrade
    with: {duration: 1h}
  - id: never
    uses: test.step
    needs: soak
    with: {label: never}
`, probeKind), func(in *Input) { in.Mode = ModeDrill; in.ProbeInterval = time.Minute })
	require.Error(t, err)
	assert.Equal(t, RunFailed, st.State)
	assert.Contains(t, st.Error, "stop condition: steady-state probe failed: web: service unhealthy (check 3)")
	assert.Equal(t, StepCancelled, st.Step("soak").Status, "the running step was stopped")
	assert.Contains(t, st.Step("soak").Reason, "stopped: stop condition")
	assert.Equal(t, StepCancelled, st.Step("never").Status)
	assert.Equal(t, []string{"degrade", "cleanup-degrade"}, h.rec.called(), "the drill variant's cleanup tore it down")
	require.NotNil(t, st.Step("degrade").Cleanup)
	assert.Empty(t, st.Leftovers)
	assert.Equal(t, 2*time.Minute, st.EndedAt.Sub(st.StartedAt), "stopped at the second check, not after the hour")
}

func TestDrillCleanupRunsWhenAStepFailsAndReportsLeftovers(t *testing.T) {
	h := newHarness(t)
	st, err := h.run(t, parse(t, header+`steps:
  - id: copy_a
    uses: test.step
    with: {label: live-a}
    drill:
      with: {label: create-a}
      cleanup: {uses: test.step, with: {label: "delete-${{ steps.copy_a.outputs.label }}"}}
  - id: copy_b
    uses: test.step
    needs: copy_a
    with: {label: live-b}
    drill:
      with: {label: create-b}
      cleanup: {uses: test.step, with: {label: delete-b, fail: true}, retry: {attempts: 2}}
  - id: boom
    uses: test.step
    needs: copy_b
    with: {label: boom, fail: true}
    retry: {attempts: 1}
    drill: {live: true}
`), func(in *Input) { in.Mode = ModeDrill })
	require.Error(t, err)
	assert.Equal(t, []string{"create-a", "create-b", "boom", "delete-b", "delete-b", "delete-create-a"}, h.rec.called(),
		"the ledger is torn down in reverse, also when the drill failed, and a failed cleanup does not stop the rest")
	require.Len(t, st.Leftovers, 1)
	assert.Contains(t, st.Leftovers[0], "copy_b: test.step")
	assert.Contains(t, st.Error, `drill cleanup of "copy_b"`)
}

// drillCopy is a step whose drill variant creates a copy and cleans it up.
const drillCopy = `steps:
  - id: copy
    uses: test.step
    with: {label: live}
    drill:
      with: {label: create}
      cleanup: {uses: test.step, with: {label: delete}}
`

func TestDrillCleanupRunsWhenCancelled(t *testing.T) {
	h := newHarness(t)
	h.update(10*time.Minute, UpdateCancel, ControlRequest{By: Actor{Name: "ic"}, Comment: "real incident, stop the drill"})
	st, err := h.run(t, parse(t, header+drillCopy+`  - id: soak
    uses: wait
    needs: copy
    with: {duration: 1h}
`), func(in *Input) { in.Mode = ModeDrill })
	require.Error(t, err)
	assert.Equal(t, RunCancelled, st.State)
	assert.Equal(t, []string{"create", "delete"}, h.rec.called())
}

func TestLiveModeHasNoAutomaticTeardown(t *testing.T) {
	h := newHarness(t)
	_, err := h.run(t, parse(t, header+drillCopy))
	require.NoError(t, err)
	assert.Equal(t, []string{"live"}, h.rec.called())
}

func TestRTOEndsWhenSteadyStateReturns(t *testing.T) {
	h := newHarness(t)
	withProbe(t, h, &probe{failFor: 3}) // live mode: no pre-check; the first three recovery checks fail
	start := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	h.env.SetStartTime(start)
	st, err := h.run(t, parseWith(t, header+steady+`steps:
  - id: switch
    uses: wait
    with: {duration: 4m}
`, probeKind), func(in *Input) { in.OutageStart = start.Add(-10 * time.Minute) })
	require.NoError(t, err)
	assert.Equal(t, start.Add(-10*time.Minute), st.ClockStart, "the RTO clock starts at the declared outage")
	assert.Equal(t, start.Add(4*time.Minute+7*time.Second), st.RecoveredAt, "three failed checks 1, 2 and 4 s apart (backing off), then healthy")
	assert.Equal(t, 14*time.Minute+7*time.Second, st.RTOActual)
	last := st.Probes[len(st.Probes)-1]
	assert.True(t, last.OK)
	assert.Equal(t, probeAfter, last.Phase)
}

func TestRecoveryNotVerifiedFailsTheRun(t *testing.T) {
	h := newHarness(t)
	withProbe(t, h, &probe{down: true})
	st, err := h.run(t, parseWith(t, header+steady+`steps:
  - id: switch
    uses: wait
    with: {duration: 1m}
`, probeKind), func(in *Input) { in.RecoveryTimeout = time.Minute })
	require.Error(t, err)
	assert.Equal(t, RunFailed, st.State)
	assert.Contains(t, st.Error, "recovery not verified: deviated: the steady state did not return within 1m0s")
	assert.Zero(t, st.RTOActual)
}

func TestRPOFromCanaryMarker(t *testing.T) {
	h := newHarness(t)
	start := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	h.env.SetStartTime(start)
	outage := start.Add(-5 * time.Minute)
	marker := outage.Add(-90 * time.Second).Format(time.RFC3339Nano)
	st, err := h.run(t, parse(t, bare+`objectives:
  rto: 30m
  rpo: 1m
  rpo_marker: "${{ steps.read_marker.outputs.value }}"
steps:
  - id: read_marker
    uses: test.step
    with: {label: read, value: "`+marker+`"}
`), func(in *Input) { in.OutageStart = outage })
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, st.RPOActual, "data written in the 90 s before the outage is lost")
	assert.Equal(t, time.Minute, st.RPOTarget)
	assert.Equal(t, outage.Add(-90*time.Second), st.RPOMarkerAt)
	assert.Empty(t, st.RPOError)
}

func TestTabletopWithInjectsAndTwoParticipants(t *testing.T) {
	h := newHarness(t)
	rb := parse(t, header+`injects:
  - {at: 10m, title: Backups encrypted too, message: "The attackers reached the backup server"}
  - {at: 1h, title: CFO asks for an ETA}
steps:
  - id: isolate
    uses: test.step
    instructions: How do you isolate the infected file servers?
    with: {label: isolate}
  - id: restore
    uses: approval
    needs: isolate
    instructions: Do we restore from the offline copies?
    with: {approvers: [ciso]}
`)
	outsider := h.update(time.Minute, UpdateComplete, DecisionRequest{Step: "isolate", By: Actor{Name: "eve"}, Comment: "turn it off and on"})
	h.update(2*time.Minute, UpdateComplete, DecisionRequest{Step: "isolate", By: Actor{Name: "sre"}, Comment: "block SMB at the firewall"})
	h.update(3*time.Minute, UpdateComplete, DecisionRequest{Step: "isolate", By: Actor{Name: "ciso"}, Comment: "pull the file servers off the network"})
	notFacilitator := h.update(4*time.Minute, UpdateAdvance, ControlRequest{By: Actor{Name: "sre"}})
	h.update(5*time.Minute, UpdateAdvance, ControlRequest{By: Actor{Name: "ic"}})
	h.update(6*time.Minute, UpdateFinding, FindingRequest{By: Actor{Name: "sre"}, Kind: FindingGap, Text: "no list of which shares are on which server", Step: "isolate"})
	noOwner := h.update(6*time.Minute, UpdateFinding, FindingRequest{By: Actor{Name: "sre"}, Kind: FindingAction, Text: "keep an offline share map"})
	h.update(7*time.Minute, UpdateFinding, FindingRequest{By: Actor{Name: "ciso"}, Kind: FindingAction, Text: "keep an offline share map", Owner: "sre"})
	h.update(12*time.Minute, UpdateComplete, DecisionRequest{Step: "restore", By: Actor{Name: "ciso"}, Comment: "yes, after the forensic image"})
	h.update(15*time.Minute, UpdateAdvance, ControlRequest{By: Actor{Name: "ic"}, Step: "restore"})

	st, err := h.run(t, rb, func(in *Input) {
		in.Mode = ModeTabletop
		in.Speed = 6 // an hour of scenario in ten minutes
		in.Participants = []string{"sre", "ciso"}
	})
	require.NoError(t, err)
	assert.Empty(t, h.rec.called(), "no step touches the world in a tabletop")
	assert.ErrorContains(t, outsider(), "eve is not a participant")
	assert.ErrorContains(t, notFacilitator(), "only the facilitator")
	assert.ErrorContains(t, noOwner(), "an action item needs an owner")

	iso := st.Step("isolate")
	require.Len(t, iso.Decisions, 2)
	assert.Equal(t, "sre", iso.Decisions[0].By)
	assert.Equal(t, "ciso", iso.Decisions[1].By)
	assert.Equal(t, 2*time.Minute, iso.Decisions[0].At.Sub(iso.OpenedAt), "time to the first answer")
	assert.Equal(t, []any{"sre: block SMB at the firewall", "ciso: pull the file servers off the network"}, iso.Outputs["answers"])
	assert.Equal(t, 5*time.Minute, st.Step("restore").OpenedAt.Sub(st.StartedAt))

	require.Len(t, st.Injects, 2, "both injects arrive, accelerated six times")
	assert.Equal(t, "Backups encrypted too", st.Injects[0].Title)
	assert.Equal(t, 100*time.Second, st.Injects[0].DeliveredAt.Sub(st.StartedAt))
	assert.Equal(t, 10*time.Minute, st.Injects[1].DeliveredAt.Sub(st.StartedAt))
	require.Len(t, st.Findings, 2)
	assert.Equal(t, FindingGap, st.Findings[0].Kind)
	assert.Equal(t, "sre", st.Findings[1].Owner)
}

// runWithEvidence runs a one-step runbook with evidence on, written by write.
func runWithEvidence(t *testing.T, write func(context.Context, Status) (EvidenceRef, error)) Status {
	t.Helper()
	h := newHarness(t)
	h.env.RegisterActivityWithOptions(write, activity.RegisterOptions{Name: EvidenceActivity})
	st, err := h.run(t, parse(t, header+`steps:
  - id: a
    uses: test.step
    with: {label: a}
`), func(in *Input) { in.Evidence = true })
	require.NoError(t, err)
	return st
}

func TestEvidenceIsWrittenWithTheFinalRecord(t *testing.T) {
	var got Status
	st := runWithEvidence(t, func(ctx context.Context, st Status) (EvidenceRef, error) {
		got = st
		return EvidenceRef{Store: "file", Location: "/tmp/x", Seq: 7, Hash: "sha256:abc"}, nil
	})
	assert.Equal(t, RunSucceeded, got.State)
	assert.False(t, got.EndedAt.IsZero(), "the bundle holds the finished record")
	require.NotNil(t, st.Evidence)
	assert.Equal(t, int64(7), st.Evidence.Seq)
}

func TestEvidenceFailureIsRecorded(t *testing.T) {
	st := runWithEvidence(t, func(ctx context.Context, st Status) (EvidenceRef, error) {
		return EvidenceRef{}, activities.NonRetryable(activities.ErrAccessDenied, errors.New("evidence bucket: access denied"))
	})
	assert.Contains(t, st.EvidenceError, "evidence bucket: access denied")
}

func TestStatusSaysFinishingWhileCleanupRuns(t *testing.T) {
	h := newHarness(t)
	withProbe(t, h, &probe{failFor: 1}) // the recovery check fails once: finishing lasts a second
	var during Status
	h.env.RegisterDelayedCallback(func() { during = h.query(t) }, 1500*time.Millisecond)
	st, err := h.run(t, parseWith(t, header+steady+`steps:
  - id: switch
    uses: wait
    with: {duration: 1s}
`, probeKind))
	require.NoError(t, err)
	assert.Equal(t, RunFinishing, during.State, "the outcome is not known until recovery is verified")
	assert.False(t, during.State.Done())
	assert.Equal(t, RunSucceeded, st.State)
}

func TestTabletopRecordsTheInjectsItEndedBefore(t *testing.T) {
	h := newHarness(t)
	rb := parse(t, header+`injects:
  - {at: 2h, title: "Press calls about ${{ params.site }}"}
  - {at: 10m, title: Backups encrypted too}
  - {at: 1h, title: CFO asks for an ETA, message: "The board meets at noon"}
parameters:
  - {name: site, type: string, default: the shop}
steps:
  - id: isolate
    uses: test.step
    instructions: How do you isolate the infected file servers?
    with: {label: isolate}
`)
	h.update(15*time.Minute, UpdateAdvance, ControlRequest{By: Actor{Name: "ic"}})
	st, err := h.run(t, rb, func(in *Input) { in.Mode = ModeTabletop })
	require.NoError(t, err)
	require.Len(t, st.Injects, 1)
	assert.Equal(t, "Backups encrypted too", st.Injects[0].Title)
	require.Len(t, st.UndeliveredInjects, 2, "the exercise ended at 15m, before the 1h and 2h injects")
	assert.Equal(t, InjectDelivery{Due: time.Hour, Title: "CFO asks for an ETA", Message: "The board meets at noon"}, st.UndeliveredInjects[0])
	assert.Equal(t, "Press calls about the shop", st.UndeliveredInjects[1].Title)
	assert.Equal(t, 2*time.Hour, st.UndeliveredInjects[1].Due)
}
