package api

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// gatedFailover is payments' runbook for this test: one approval by dana, so a drill
// fails when she declines and succeeds when she approves.
const gatedFailover = `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: payments-failover, service: payments}
steps:
  - id: go
    uses: approval
    with: {approvers: [dana]}
`

// planRun runs the runbook in mode on the SDK's test engine from start, its evidence
// written by the real evidence activity into the env's store; each update is sent
// (signed, as bcdr server does) at its delay.
func (e *planEnv) planRun(t *testing.T, runID string, mode workflows.Mode, start time.Time, updates ...planUpdate) workflows.Status {
	t.Helper()
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	rb, diags := runbooks.Parse("payments-failover.yaml", []byte(gatedFailover), reg)
	require.False(t, diags.HasErrors(), "%v", diags)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: runID})
	env.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: workflows.WorkflowName})
	key := []byte("test identity key, 32 bytes long")
	v := &workflows.Verifier{Key: key, GroupsOf: func(string) []string { return nil }}
	env.RegisterActivityWithOptions(v.Verify, activity.RegisterOptions{Name: workflows.VerifyActivity})
	env.RegisterActivityWithOptions((&evidence.Activity{Store: e.store}).Write, activity.RegisterOptions{Name: workflows.EvidenceActivity})
	results := make([]error, len(updates))
	for i, u := range updates {
		env.RegisterDelayedCallback(func() {
			results[i] = errors.New("not answered")
			req := workflows.Sign(key, runID, u.name, u.req, env.Now())
			env.UpdateWorkflow(u.name, "", &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(err error) { results[i] = err }, OnComplete: func(_ any, err error) { results[i] = err },
			}, req)
		}, u.at)
	}
	params, err := runbooks.ResolveParams(rb, nil)
	require.NoError(t, err)
	env.ExecuteWorkflow(workflows.WorkflowName, workflows.Input{Runbook: *rb, Params: params, Mode: mode,
		Initiator: workflows.Actor{Name: "ivan"}, Authorized: []string{"payments"}, Evidence: true})
	require.True(t, env.IsWorkflowCompleted())
	for i, err := range results {
		require.NoError(t, err, "update %d (%s)", i, updates[i].name)
	}
	var st workflows.Status
	if err := env.GetWorkflowError(); err != nil {
		var app interface{ Details(...any) error }
		require.True(t, errors.As(err, &app), "%v", err)
		require.NoError(t, app.Details(&st))
	} else {
		require.NoError(t, env.GetWorkflowResult(&st))
	}
	require.NotNil(t, st.Evidence, "the run's evidence was written: %s", st.EvidenceError)
	return st
}

type planUpdate struct {
	at   time.Duration
	name string
	req  any
}

// The Done-when case, from runs on the workflow engine to the API: a
// tabletop's action item, marked done, stays done after a failed drill of its runbook and
// becomes verified after a later successful one.
func TestTabletopActionItemVerifiedByALaterSuccessfulDrill(t *testing.T) {
	e := planServer(t)
	day := 24 * time.Hour
	tabletop := e.planRun(t, "tabletop-1", workflows.ModeTabletop, now,
		planUpdate{time.Minute, workflows.UpdateFinding, workflows.FindingRequest{By: workflows.Actor{Name: "ciso"}, Kind: workflows.FindingAction,
			Text: "script the DNS switch", Owner: "group:sre"}},
		planUpdate{2 * time.Minute, workflows.UpdateComplete, workflows.DecisionRequest{Step: "go", By: workflows.Actor{Name: "dana"}, Comment: "fail over"}},
		planUpdate{3 * time.Minute, workflows.UpdateAdvance, workflows.ControlRequest{By: workflows.Actor{Name: "ivan"}, Step: "go"}},
	)
	require.Equal(t, workflows.RunSucceeded, tabletop.State)
	it := e.only(t)
	e.item = it.ID
	assert.Equal(t, improvements.Open, it.Status)
	assert.Equal(t, tabletop.RunID, it.Source.Run)
	assert.Equal(t, "tabletop", it.Source.Mode)
	assert.Equal(t, "group:sre", it.Owner)
	assert.Equal(t, tabletop.EndedAt.Add(60*day), it.Due, "payments is tier 2: 60 days by default")

	e.clock = now.Add(day)
	e.call(t, "sam", "PATCH", "/v1/improvements/"+e.item, `{"status":"done","note":"scripted in ops repo"}`, http.StatusOK)

	failed := e.planRun(t, "drill-1", workflows.ModeDrill, now.Add(2*day),
		planUpdate{time.Minute, workflows.UpdateDecline, workflows.DecisionRequest{Step: "go", By: workflows.Actor{Name: "dana"}, Comment: "not today"}})
	require.Equal(t, workflows.RunFailed, failed.State)
	assert.Equal(t, improvements.Done, e.get(t).Status, "a failed drill leaves it done")

	passed := e.planRun(t, "drill-2", workflows.ModeDrill, now.Add(3*day),
		planUpdate{time.Minute, workflows.UpdateApprove, workflows.DecisionRequest{Step: "go", By: workflows.Actor{Name: "dana"}, Comment: "go"}})
	require.Equal(t, workflows.RunSucceeded, passed.State)
	it = e.get(t)
	assert.Equal(t, improvements.Verified, it.Status)
	assert.Equal(t, passed.RunID, it.VerifiedBy)
	assert.Equal(t, passed.EndedAt, it.VerifiedAt)
	last := it.History[len(it.History)-1]
	assert.Equal(t, "bcdr", last.By)
	assert.Equal(t, "verified", last.To)
}
