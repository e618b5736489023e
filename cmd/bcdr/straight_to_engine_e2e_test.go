package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/internal/identity"
	"github.com/bcdr/bcdr/workflows"
)

// Issue 18's finding 10 on the embedded engine: what reaches a run straight through
// Temporal, not through bcdr (an update naming its own sender, a terminate), is verified
// or reconciled, so that every surface shows one record.

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

	runID := e.startDemoRun(svc)

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

// TestRunTerminatedInTheEngineIsReconciled is issue 18's finding 10, second half, on the
// embedded engine: `temporal workflow terminate` (here the SDK's TerminateWorkflow,
// straight to the engine) left bcdr runs saying terminated while bcdr status and bcdr
// report said RUNNING with an approval waiting, the API's report answered 502, and no
// evidence bundle was written. Now every surface shows one record: terminated, by whom
// and why the engine says, nothing waiting; and its bundle is in the chain, which
// verifies, also for a run nobody reads (the worker's sweep writes it).
func TestRunTerminatedInTheEngineIsReconciled(t *testing.T) {
	e := newEnv(t)
	svc := startDemoService(t)
	svc.Fail("primary")
	httpPort := freePort(t)
	e.startDevAt(freePort(t), 0, httpPort)

	// Two runs wait for an approval; both are terminated. The first is read at once;
	// nobody reads the second: the worker's sweep writes its evidence.
	var runIDs []string
	for range 2 {
		runIDs = append(runIDs, e.startDemoRun(svc))
	}
	runID, unread := runIDs[0], runIDs[1]

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := client.Dial(client.Options{HostPort: e.vars["BCDR_TEMPORAL_ADDRESS"], Namespace: "default", Identity: "mallory@ops-laptop", Logger: sdkDiscard{}})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.TerminateWorkflow(ctx, runID, "", "stuck, taking over by hand"))
	require.NoError(t, c.TerminateWorkflow(ctx, unread, "", ""))

	// bcdr status
	st := e.status(runID)
	attacks := figures.NewAttacks(t, "18.10", "a run terminated in the engine leaves surfaces disagreeing and no evidence")
	attacks.Try(st.State == workflows.RunTerminated && len(st.Pending) == 0)
	assert.Equal(t, workflows.RunTerminated, st.State)
	assert.Equal(t, "terminated in the engine by mallory@ops-laptop: stuck, taking over by hand", st.Error)
	assert.Empty(t, st.Pending, "nothing waits in a terminated run")
	assert.Equal(t, workflows.StepCancelled, st.Step("approve_failover").Status)
	assert.Equal(t, workflows.StepSucceeded, st.Step("confirm_primary_down").Status, "steps as last known")
	require.NotEmpty(t, st.Actions)
	last := st.Actions[len(st.Actions)-1]
	assert.Equal(t, workflows.ActionTerminate, last.Action)
	assert.Equal(t, "mallory@ops-laptop", last.By)
	assert.False(t, st.EndedAt.IsZero())

	// bcdr runs
	assert.Regexp(t, runID+`.*terminated`, e.mustCLI("runs"))

	// The API: the run and its report (was 502)
	token, err := os.ReadFile(filepath.Join(e.vars["BCDR_DATA_DIR"], devTokenFile))
	require.NoError(t, err)
	get := func(path string) (int, string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", httpPort, path), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, body := get("/v1/runs/" + runID)
	require.Equal(t, http.StatusOK, code, body)
	var viaAPI workflows.Status
	require.NoError(t, json.Unmarshal([]byte(body), &viaAPI))
	assert.Equal(t, workflows.RunTerminated, viaAPI.State)
	assert.Equal(t, st.Error, viaAPI.Error)
	assert.Equal(t, st.EndedAt.UTC(), viaAPI.EndedAt.UTC())

	code, body = get("/v1/runs/" + runID + "/report?format=md")
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "terminated in the engine by mallory@ops-laptop")
	assert.NotContains(t, body, "waiting")

	// The evidence: one bundle for the run, the chain intact, the bundle the record
	var ms []struct{ RunID, State string }
	eventually(t, "both runs' evidence bundles (the second by the worker's sweep)", time.Minute, func() bool {
		require.NoError(t, json.Unmarshal([]byte(e.mustCLI("evidence", "list", "--output", "json")), &ms))
		return len(ms) == 2
	})
	got := map[string]string{}
	for _, m := range ms {
		got[m.RunID] = m.State
	}
	attacks.Try(got[runID] == "terminated" && got[unread] == "terminated")
	assert.Equal(t, map[string]string{runID: "terminated", unread: "terminated"}, got)
	assert.Contains(t, e.mustCLI("evidence", "verify"), ": 2 bundles, chain intact")
	var record workflows.Status
	require.NoError(t, json.Unmarshal([]byte(e.mustCLI("report", runID, "--format", "json")), &record))
	assert.Equal(t, st.Error, record.Error)
	assert.Equal(t, st.Steps, record.Steps, "status, report and evidence show the same steps")
	assert.Contains(t, e.mustCLI("report", runID), "terminated in the engine by mallory@ops-laptop")
}

// TestWorkerSweepReadsEncryptedHistories: with a payload codec configured, the worker's
// sweep of ended runs read a run's input from its history with the SDK's default
// converter, which cannot read an encrypted payload, so a terminated run whose history
// did not replay got no record. It now reads with the codec the clients write with.
func TestWorkerSweepReadsEncryptedHistories(t *testing.T) {
	cfg := &config.Config{DataDir: t.TempDir()}
	cfg.Codec.Key = base64.StdEncoding.EncodeToString(make([]byte, 32))
	opts, err := clientOptions(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	require.NotNil(t, opts.DataConverter, "the clients encrypt")
	in := workflows.Input{Mode: workflows.ModeDrill, Params: map[string]any{"region": "us-west-2"}}
	stored, err := opts.DataConverter.ToPayloads(in)
	require.NoError(t, err)

	sweep, ok := withSweep(nil, nil, cfg, slog.New(slog.DiscardHandler)).(*sweepingWorker)
	require.True(t, ok, "the evidence store opened: the worker sweeps")
	require.NotNil(t, sweep.r.DataConverter, "the sweep reads histories with the codec")
	var got workflows.Input
	require.NoError(t, sweep.r.DataConverter.FromPayloads(stored, &got))
	assert.Equal(t, in.Params, got.Params)
}
