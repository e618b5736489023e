package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/internal/identity"
	"github.com/bcdr/bcdr/workflows"
)

// TestIdentitySentStraightToTheEngineIsVerified is issue 18's finding 10 on the embedded
// engine: an approve sent straight to Temporal, naming a user in no group and claiming
// "incident-commanders", approved a live run. Now the run refuses it (unsigned, or signed
// but the claimed group is not the configuration's) and records the refusals; an approver
// through the CLI, signed with the dev data folder's key, still approves.
func TestIdentitySentStraightToTheEngineIsVerified(t *testing.T) {
	e := newEnv(t)
	svc := startDemoService(t)
	svc.Fail("primary")
	e.startDev(freePort(t))

	runID := strings.TrimSpace(e.mustCLI(append([]string{"run", demoRunbook}, demoParams(svc)...)...))
	eventually(t, "the approval to be pending", 30*time.Second, func() bool {
		st := e.status(runID)
		return len(st.Pending) == 1 && st.Pending[0].Step == "approve_failover"
	})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.Dial(client.Options{HostPort: e.vars["BCDR_TEMPORAL_ADDRESS"], Namespace: "default"})
	require.NoError(t, err)
	defer c.Close()
	send := func(arg any) error {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: runID, UpdateName: workflows.UpdateApprove, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		return err
	}
	forged := workflows.DecisionRequest{Step: "approve_failover", By: workflows.Actor{Name: "mallory", Groups: []string{"incident-commanders"}}, Comment: "trust me"}
	attacks := figures.NewAttacks(t, "18.10", "an approve sent straight to the engine, claiming a name and groups")
	err = send(forged)
	attacks.Try(err != nil)
	require.Error(t, err, "an unsigned approve is refused")
	assert.Contains(t, err.Error(), "no identity assertion")

	key, err := identity.LoadKey(filepath.Join(e.vars["BCDR_DATA_DIR"], "identity.key"))
	require.NoError(t, err, "bcdr dev keeps its identity key in the data folder")
	err = send(workflows.Sign(key, runID, workflows.UpdateApprove, forged, time.Now()))
	attacks.Try(err != nil)
	require.Error(t, err, "a signed approve with claimed groups is refused: groups come from the worker's configuration")
	assert.Contains(t, err.Error(), "mallory is not an approver")

	st := e.status(runID)
	require.Len(t, st.Pending, 1, "the approval still waits")
	require.Len(t, st.Refusals, 2)
	assert.Equal(t, "mallory", st.Refusals[0].By)

	e.vars["BCDR_IDENTITY_USER"] = "bob"
	assert.Contains(t, e.mustCLI("approve", runID, "approve_failover", "-m", "primary confirmed down"), "step approve_failover approved by bob")
	eventually(t, "the run to end", 30*time.Second, func() bool { st = e.status(runID); return st.State.Done() })
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	ds := st.Step("approve_failover").Decisions
	require.Len(t, ds, 1)
	assert.Equal(t, "bob", ds[0].By)
}
