package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// waitingTabletop is a run waiting for a person: its query answers with the Elapsed of
// its last workflow task, long ago.
func waitingTabletop(now time.Time) workflows.Status {
	start := now.Add(-(2*time.Minute + 52*time.Second))
	return workflows.Status{RunID: "t-1", Runbook: "rb", Mode: workflows.ModeTabletop, Initiator: "alice", State: workflows.RunRunning,
		StartedAt: start, ClockStart: start, Elapsed: 2*time.Minute + 30*time.Second,
		Steps:   []workflows.StepState{{ID: "gate", Uses: "approval", Status: workflows.StepWaiting, StartedAt: start.Add(10 * time.Second)}},
		Pending: []workflows.PendingTask{{Step: "gate", Kind: "prompt", Since: start.Add(10 * time.Second)}}}
}

func TestStatusClockTicksFromTheRecordsStart(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	require.NoError(t, writeStatus(&out, waitingTabletop(now), "text", now))
	assert.Contains(t, out.String(), "elapsed 2m52s", out.String())

	out.Reset()
	require.NoError(t, writeStatus(&out, waitingTabletop(now), "json", now))
	assert.Contains(t, out.String(), `"elapsed": 172000000000`, "the JSON clock is the same one")
}

func TestWatchClockTicksWhileTheRunWaits(t *testing.T) {
	t0 := time.Now()
	st := waitingTabletop(t0)
	st.Elapsed = 21 * time.Millisecond
	done := st
	done.State, done.EndedAt = workflows.RunSucceeded, t0
	seq := []workflows.Status{st, done}
	i := 0
	fetch := func(context.Context) (workflows.Status, error) { s := seq[min(i, 1)]; i++; return s, nil }
	var out bytes.Buffer
	_, err := watchTerminal(context.Background(), &out, fetch, time.Millisecond)
	require.NoError(t, err)
	frames := strings.Split(out.String(), "\x1b[H\x1b[2J")
	require.Len(t, frames, 3)
	assert.Regexp(t, `elapsed 2m5[23]s`, frames[1], "not the 21ms of the run's last workflow task")
	assert.Contains(t, frames[2], "elapsed 2m52s", "an ended run's clock stops at its end")
}

func TestStatusShowsWhatTheApproverIsAsked(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	st := waitingTabletop(now)
	st.Mode, st.Initiator, st.Trigger = workflows.ModeLive, "schedule:quarterly", "schedule:quarterly"
	st.Steps = append(st.Steps, workflows.StepState{ID: "prep", Uses: "manual", Status: workflows.StepSucceeded,
		Decisions: []workflows.Decision{{By: "carol", At: now, Approve: true, Comment: "done"}}})
	st.Pending = []workflows.PendingTask{{Step: "gate", Name: "Approve the failover", Kind: "approval", Approvers: []string{"group:ic"}, Quorum: 1,
		Prompt: "Traffic leaves us-east-1 for good.\nCheck the replica lag first."}}
	var out bytes.Buffer
	require.NoError(t, writeStatus(&out, st, "text", now))
	text := out.String()
	assert.Contains(t, text, "waiting: Approve the failover (gate), approval: 0 of 1 approvals from group:ic\n", text)
	assert.Contains(t, text, "  Traffic leaves us-east-1 for good.\n  Check the replica lag first.\n")
	assert.Contains(t, text, "started by schedule:quarterly\n", "the trigger is not repeated when it is the initiator")
	assert.Contains(t, text, "completed by carol: done", "a manual task is completed, worded as on every surface")
}

func TestStatusShowsRefusals(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	st := waitingTabletop(now)
	st.Refusals = []workflows.Refusal{{Action: "approve", By: "alice", At: st.StartedAt.Add(30 * time.Second), Step: "gate", Reason: "alice started this run and cannot approve it"}}
	var out bytes.Buffer
	require.NoError(t, writeStatus(&out, st, "text", now))
	assert.Contains(t, out.String(), "refused (nothing changed):\n  +30s approve by alice gate: alice started this run and cannot approve it\n")
}

func TestStatusSaysTheVersionWasNeverProven(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	st := waitingTabletop(now)
	st.Mode = workflows.ModeLive
	st.Provenance = &runbooks.Provenance{Runbook: "failover", Service: "web", Digest: "sha256:1111111111111111111111", Drill: "d1",
		At: time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), LastDigest: "sha256:0000000000000000000000", LastVersion: "1.0.0"}
	var out bytes.Buffer
	require.NoError(t, writeStatus(&out, st, "text", now))
	assert.Contains(t, out.String(), "UNPROVEN this version (sha256:111111111111) was never proven by a drill; last proven version 1.0.0 (sha256:000000000000) on 2026-01-10 (drill d1)\n")

	st.Provenance.Proven = true
	out.Reset()
	require.NoError(t, writeStatus(&out, st, "text", now))
	assert.NotContains(t, out.String(), "UNPROVEN")
}

// scenarioStatus is a scenario run whose `runbook` steps started child runs, as the run
// service returns it (Status.LoadChildren): db waits in a nested run for an approval.
func scenarioStatus(now time.Time) workflows.Status {
	start := now.Add(-time.Minute)
	st := workflows.Status{RunID: "sc-1", Runbook: "scenario-region-a-lost", Mode: workflows.ModeDrill, Initiator: "alice", State: workflows.RunRunning,
		StartedAt: start, ClockStart: start,
		Steps: []workflows.StepState{{ID: "db", Uses: "runbook", Status: workflows.StepRunning, StartedAt: start},
			{ID: "web", Uses: "runbook", Status: workflows.StepSucceeded, StartedAt: start, EndedAt: now}}}
	st.Children = []workflows.ChildRun{
		{Step: "db", RunID: "sc-1.db", Runbook: "db-failover", Service: "db", State: workflows.RunRunning, Steps: 2, Done: 1,
			Children: []workflows.ChildRun{{Step: "announce", RunID: "sc-1.db.announce", Runbook: "announce", Service: "db", State: workflows.RunRunning, Steps: 1}}},
		{Step: "web", RunID: "sc-1.web", Runbook: "web-failover", Service: "web", State: workflows.RunSucceeded, Steps: 1, Done: 1},
	}
	st.Waiting = []workflows.Waiting{{RunID: "sc-1.db.announce", Path: []string{"db", "announce"},
		PendingTask: workflows.PendingTask{Step: "ok", Name: "Announce the switch", Kind: "approval", Approvers: []string{"group:ic"}, Quorum: 1, Since: start}}}
	return st
}

// TestStatusShowsChildRunsAndWhatTheyWaitFor: a scenario run's status nests its child
// runs with their state and shows a grandchild's approval as the run's own waiting,
// with the command that settles it.
func TestStatusShowsChildRunsAndWhatTheyWaitFor(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	require.NoError(t, writeStatus(&out, scenarioStatus(now), "text", now))
	text := out.String()
	assert.Regexp(t, `(?m)^child runs:\n  db +sc-1\.db +db-failover \(db\) +RUNNING +1/2 steps\n    announce +sc-1\.db\.announce +announce \(db\) +RUNNING +0/1 steps\n  web +sc-1\.web +web-failover \(web\) +SUCCEEDED +1/1 steps\n`, text)
	assert.Contains(t, text, "waiting: Announce the switch (ok), approval: 0 of 1 approvals from group:ic; in child run sc-1.db.announce (db > announce): bcdr approve sc-1.db.announce ok\n", text)

	out.Reset()
	require.NoError(t, writeStatus(&out, scenarioStatus(now), "json", now))
	var back workflows.Status
	require.NoError(t, json.Unmarshal(out.Bytes(), &back))
	assert.Equal(t, scenarioStatus(now).Children, back.Children, "--output json carries the tree")
	assert.Equal(t, "sc-1.db.announce", back.Waiting[0].RunID)
}

// TestRunsListsChildRunsUnderTheirParent: bcdr runs prints a scenario run's child runs
// indented under it, with the step that started each.
func TestRunsListsChildRunsUnderTheirParent(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	runs := api.GroupRuns([]api.RunSummary{
		{RunID: "sc-1.web", Runbook: "web-failover", Service: "web", Mode: "drill", Outcome: "succeeded", StartedAt: at.Add(2 * time.Minute), ClosedAt: at.Add(3 * time.Minute)},
		{RunID: "sc-1.db", Runbook: "db-failover", Service: "db", Mode: "drill", Status: "running", StartedAt: at.Add(time.Minute)},
		{RunID: "sc-1", Runbook: "scenario-region-a-lost", Mode: "drill", Status: "running", StartedAt: at},
		{RunID: "other", Runbook: "restart", Service: "api", Mode: "drill", Outcome: "failed", StartedAt: at.Add(-time.Hour), ClosedAt: at},
	})
	var out bytes.Buffer
	require.NoError(t, writeRuns(&out, runs))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 5, out.String())
	assert.Regexp(t, `^sc-1 +scenario-region-a-lost +- +drill +running`, lines[1])
	assert.Regexp(t, `^  └ sc-1\.db \(step db\) +db-failover +db +drill +running`, lines[2])
	assert.Regexp(t, `^  └ sc-1\.web \(step web\) +web-failover +web +drill +succeeded`, lines[3])
	assert.Regexp(t, `^other +restart`, lines[4])
}
