package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// Issue 17, item 6: the proven-version gate on live starts.

// provenServer is authServer (ivan may start live runs of payments) with an evidence
// store holding a drill that proved an older version of the runbook "failover".
func provenServer(t *testing.T) (*Server, *[]workflows.Input, *evidence.Store) {
	s, _, started := authServer(t)
	store, err := evidence.NewFileStore(t.TempDir())
	require.NoError(t, err)
	s.opts.Evidence = store
	appendDrill(t, store, "drill-old", "0.9.0", "sha256:0000000000000000000000000000", []string{"payments"}, time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
	return s, started, store
}

func appendDrill(t *testing.T, store *evidence.Store, runID, version, digest string, authorized []string, ended time.Time) {
	t.Helper()
	_, err := store.Append(context.Background(), workflows.Status{RunID: runID, Runbook: "failover", Version: version, Digest: digest,
		Service: "payments", Authorized: authorized, Mode: workflows.ModeDrill, State: workflows.RunSucceeded,
		StartedAt: ended.Add(-time.Minute), EndedAt: ended})
	require.NoError(t, err)
}

func startLive(s *Server, src string) (RunRef, int, Error) {
	w, e := post(s, "ivan", "/v1/runs", StartRequest{Source: src, Filename: "failover.yaml", Mode: "live"})
	var ref RunRef
	_ = json.Unmarshal(w.Body.Bytes(), &ref)
	return ref, w.Code, e
}

const lastProven = "last proven version 0.9.0 (sha256:000000000000) on 2026-10-01 (drill drill-old)"

// TestUnprovenLiveRunIsFlagged: under warn (the default) a live start of a version no
// drill proved starts, says so in its answer, and the run carries the provenance that
// its status and record show; a drill is not judged.
func TestUnprovenLiveRunIsFlagged(t *testing.T) {
	s, started, _ := provenServer(t)
	src := source("failover", "payments")
	ref, code, e := startLive(s, src)
	require.Equal(t, http.StatusCreated, code, e.Message)
	assert.Contains(t, ref.Unproven, "a live run of runbook failover will be flagged: this version (sha256:")
	assert.Contains(t, ref.Unproven, "was never proven by a drill; "+lastProven)
	require.Len(t, *started, 1)
	in := (*started)[0]
	require.NotNil(t, in.Provenance)
	assert.False(t, in.Provenance.Proven)
	assert.Equal(t, runbooks.Digest([]byte(src)), in.Provenance.Digest)
	assert.Nil(t, in.Runbook.Step(ProvenApprovalStep), "warn asks for no approval")

	w, _ := post(s, "olga", "/v1/runs", StartRequest{Source: src, Filename: "failover.yaml", Mode: "drill"})
	require.Equal(t, http.StatusCreated, w.Code)
	assert.Nil(t, (*started)[1].Provenance, "a drill is not judged")
	assert.NotContains(t, w.Body.String(), "unproven")
}

// TestUnprovenLiveRunIsRefused: the runbook's policy.require_proven: refuse (stricter
// than the configuration's warn) refuses the start with a 409 that names the runbook and
// the last proven version, and starts no workflow; the preflight says so first.
func TestUnprovenLiveRunIsRefused(t *testing.T) {
	s, started, store := provenServer(t)
	src := strings.Replace(source("failover", "payments"), "steps:", "policy: {require_proven: refuse}\nsteps:", 1)

	w, e := post(s, "ivan", "/v1/preflight", StartRequest{Source: src, Filename: "failover.yaml", Mode: "live"})
	require.Equal(t, http.StatusOK, w.Code, e.Message)
	var pf Preflight
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &pf))
	assert.Equal(t, runbooks.ProvenRefuse, pf.RequireProven)
	assert.Equal(t, "runbook", pf.PolicyFrom)
	assert.Contains(t, pf.Message, "a live run of runbook failover is refused by policy.require_proven: refuse (the runbook's)")
	assert.Empty(t, *started, "a preflight starts nothing")

	_, code, e := startLive(s, src)
	assert.Equal(t, http.StatusConflict, code)
	assert.Equal(t, "runbook", e.Field)
	assert.Contains(t, e.Message, "a live run of runbook failover is refused by policy.require_proven: refuse (the runbook's): this version (sha256:")
	assert.Contains(t, e.Message, lastProven)
	assert.Empty(t, *started, "no workflow was started")

	// A drill nobody was authorized to start for payments proves nothing; an authorized
	// one of this very digest proves the version: the start goes through, unflagged.
	ended := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	appendDrill(t, store, "drill-forged", "", runbooks.Digest([]byte(src)), nil, ended)
	_, code, _ = startLive(s, src)
	assert.Equal(t, http.StatusConflict, code)
	appendDrill(t, store, "drill-new", "", runbooks.Digest([]byte(src)), []string{"payments"}, ended)
	ref, code, e := startLive(s, src)
	require.Equal(t, http.StatusCreated, code, e.Message)
	assert.Empty(t, ref.Unproven)
	require.Len(t, *started, 1)
	require.NotNil(t, (*started)[0].Provenance)
	assert.True(t, (*started)[0].Provenance.Proven)
	assert.Equal(t, "drill-new", (*started)[0].Provenance.Drill)

	w, _ = post(s, "ivan", "/v1/preflight", StartRequest{Source: src, Filename: "failover.yaml", Mode: "live"})
	pf = Preflight{}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &pf))
	assert.True(t, pf.Provenance.Proven)
	assert.Empty(t, pf.Message)
}

// TestUnprovenLiveRunWaitsForTheExtraApproval: the configuration's require_proven:
// approve puts an approval by policy.approvers before every root step; run on the SDK's
// test engine, no step starts before a DR lead approves, the initiator may not approve
// (four-eyes), and the approver reads why they are asked.
func TestUnprovenLiveRunWaitsForTheExtraApproval(t *testing.T) {
	s, started, _ := provenServer(t)
	s.opts.ProvenPolicy = runbooks.Policy{RequireProven: runbooks.ProvenApprove, Approvers: []string{"group:dr-leads"}}
	ref, code, e := startLive(s, source("failover", "payments"))
	require.Equal(t, http.StatusCreated, code, e.Message)
	assert.Contains(t, ref.Unproven, "will wait, before its first step, for an approval by group:dr-leads (policy.require_proven: approve (the configuration's))")
	require.Len(t, *started, 1)
	in := (*started)[0]
	require.Equal(t, ProvenApprovalStep, in.Runbook.Steps[0].ID)
	assert.Equal(t, []string{ProvenApprovalStep}, in.Runbook.Step("a").Needs)

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: workflows.WorkflowName})
	key := []byte("test identity key, 32 bytes long")
	v := &workflows.Verifier{Key: key, GroupsOf: func(user string) []string {
		if user == "dana" {
			return []string{"dr-leads"}
		}
		return nil
	}}
	env.RegisterActivityWithOptions(v.Verify, activity.RegisterOptions{Name: workflows.VerifyActivity})
	approve := func(at time.Duration, by string) func() error {
		result := errors.New("not sent")
		env.RegisterDelayedCallback(func() {
			req := workflows.Sign(key, "default-test-workflow-id", workflows.UpdateApprove,
				workflows.DecisionRequest{Step: ProvenApprovalStep, By: workflows.Actor{Name: by}, Comment: "no time for a drill"}, env.Now())
			env.UpdateWorkflow(workflows.UpdateApprove, "", &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(err error) { result = err }, OnComplete: func(_ any, err error) { result = err },
			}, req)
		}, at)
		return func() error { return result }
	}
	byInitiator := approve(time.Minute, "ivan")
	var mid workflows.Status
	env.RegisterDelayedCallback(func() {
		q, err := env.QueryWorkflow(workflows.QueryStatus)
		require.NoError(t, err)
		require.NoError(t, q.Get(&mid))
	}, 2*time.Minute)
	byLead := approve(10*time.Minute, "dana")
	in.Evidence = false // the record is read from the result here
	env.ExecuteWorkflow(workflows.WorkflowName, in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var st workflows.Status
	require.NoError(t, env.GetWorkflowResult(&st))

	assert.ErrorContains(t, byInitiator(), "four-eyes")
	assert.NoError(t, byLead())
	require.Len(t, mid.Pending, 1, "the run waits for the gate")
	assert.Equal(t, ProvenApprovalStep, mid.Pending[0].Step)
	assert.Equal(t, []string{"group:dr-leads"}, mid.Pending[0].Approvers)
	assert.Contains(t, mid.Pending[0].Prompt, "was never proven by a drill; "+lastProven)
	assert.Equal(t, workflows.StepPending, mid.Step("a").Status)
	assert.Contains(t, mid.Unproven(), lastProven, "the live status is flagged")

	assert.Equal(t, "dana", st.Step(ProvenApprovalStep).Decisions[0].By)
	assert.Equal(t, 10*time.Minute, st.Step("a").StartedAt.Sub(st.StartedAt), "no step before the approval")
	assert.Contains(t, st.Unproven(), lastProven, "the record is flagged")
	var app *temporal.ApplicationError
	assert.False(t, errors.As(env.GetWorkflowError(), &app))
}

// TestTriggeredLiveRunPassesTheGate: a live recovery an alert starts meets the same gate:
// refused under refuse (nothing started), flagged under warn.
func TestTriggeredLiveRunPassesTheGate(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 2, 59, 59, 0, time.UTC)
	firing := alert{Status: "firing", Fingerprint: "f00d", Labels: map[string]string{"alertname": "RegionDown"}, StartsAt: t0.Add(-time.Minute)}
	tr := Trigger{Source: "alertmanager", Runbook: "demo-failover", Mode: "live"}
	store, err := evidence.NewFileStore(t.TempDir())
	require.NoError(t, err)
	fire := func(policy runbooks.RequireProven) (RunRef, []string, error) {
		engine, started := engineWith(t)
		s := testServer(t)
		s.opts.Client, s.opts.Evidence, s.now = engine, store, func() time.Time { return t0 }
		s.opts.ProvenPolicy = runbooks.Policy{RequireProven: policy}
		ref, err := s.fire(context.Background(), "region-down", tr, firing)
		return ref, *started, err
	}
	_, started, err := fire(runbooks.ProvenRefuse)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusConflict, e.Status)
	assert.Contains(t, e.Message, "a live run of runbook demo-failover is refused by policy.require_proven: refuse (the configuration's)")
	assert.Empty(t, started)

	ref, started, err := fire(runbooks.ProvenWarn)
	require.NoError(t, err)
	assert.Equal(t, []string{ref.RunID}, started)
	assert.Contains(t, ref.Unproven, "a live run of runbook demo-failover will be flagged")
}
