package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/workflows"
)

// watchSequence feeds the watchers a run that waits for an approval, runs, and ends.
func watchSequence() func(context.Context) (workflows.Status, error) {
	t0 := time.Now().Add(-time.Minute)
	base := func(state workflows.RunState, gate, act workflows.StepStatus) workflows.Status {
		st := workflows.Status{RunID: "r-1", Runbook: "rb", Mode: workflows.ModeLive, Initiator: "alice", State: state, StartedAt: t0,
			Steps: []workflows.StepState{{ID: "gate", Uses: "approval", Status: gate}, {ID: "act", Uses: "noop", Status: act}}}
		if gate == workflows.StepWaiting {
			st.Pending = []workflows.PendingTask{{Step: "gate", Kind: "approval", Approvers: []string{"group:ic"}, Since: t0}}
		}
		return st
	}
	seq := []workflows.Status{
		base(workflows.RunRunning, workflows.StepWaiting, workflows.StepPending),
		base(workflows.RunRunning, workflows.StepWaiting, workflows.StepPending), // no change: no line
		base(workflows.RunRunning, workflows.StepSucceeded, workflows.StepRunning),
		base(workflows.RunSucceeded, workflows.StepSucceeded, workflows.StepSucceeded),
	}
	i := 0
	return func(context.Context) (workflows.Status, error) {
		st := seq[min(i, len(seq)-1)]
		i++
		return st, nil
	}
}

func TestWatchPlainPrintsOneLinePerChange(t *testing.T) {
	var out bytes.Buffer
	st, err := watchPlain(context.Background(), &out, watchSequence(), time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, workflows.RunSucceeded, st.State)
	text := out.String()
	assert.NotContains(t, text, "\x1b[", "no ANSI when not on a terminal")
	assert.Equal(t, 1, strings.Count(text, "waiting for approval on step gate from group:ic"), text)
	for _, want := range []string{"run r-1: live rb, started by alice", "step gate waiting", "step gate succeeded", "step act running", "step act succeeded", "run succeeded"} {
		assert.Equal(t, 1, strings.Count(text, want), "%q in:\n%s", want, text)
	}
}

func TestWatchTerminalRedrawsInPlace(t *testing.T) {
	var out bytes.Buffer
	_, err := watchTerminal(context.Background(), &out, watchSequence(), time.Millisecond)
	require.NoError(t, err)
	frames := strings.Split(out.String(), "\x1b[H\x1b[2J")
	require.Len(t, frames, 5, "a cleared screen before each of the four frames")
	assert.Contains(t, frames[1], "waiting: gate, approval")
	assert.Contains(t, frames[4], "state    SUCCEEDED")
	assert.False(t, isTerminal(&out))
}

// TestWatchShowsChildRuns: watch prints a line when a child run appears or changes
// state, and a child's approval as the run's waiting, naming the child run.
func TestWatchShowsChildRuns(t *testing.T) {
	now := time.Now()
	running := scenarioStatus(now)
	done := scenarioStatus(now)
	done.State, done.EndedAt, done.Waiting = workflows.RunSucceeded, now, nil
	done.Children[0].State, done.Children[0].Children[0].State = workflows.RunSucceeded, workflows.RunSucceeded
	seq := []workflows.Status{running, running, done}
	i := 0
	fetch := func(context.Context) (workflows.Status, error) { st := seq[min(i, len(seq)-1)]; i++; return st, nil }
	var out bytes.Buffer
	_, err := watchPlain(context.Background(), &out, fetch, time.Millisecond)
	require.NoError(t, err)
	text := out.String()
	for _, want := range []string{"child run sc-1.db (step db, db-failover) running", "child run sc-1.db.announce (step announce, announce) running",
		"child run sc-1.web (step web, web-failover) succeeded", "child run sc-1.db (step db, db-failover) succeeded",
		"waiting for approval on step Announce the switch (ok) from group:ic in child run sc-1.db.announce (db > announce)"} {
		assert.Equal(t, 1, strings.Count(text, want), "%q in:\n%s", want, text)
	}

	out.Reset()
	i = 0
	_, err = watchTerminal(context.Background(), &out, fetch, time.Millisecond)
	require.NoError(t, err)
	assert.Contains(t, strings.Split(out.String(), "\x1b[H\x1b[2J")[1], "child runs:\n", "the redrawn view nests the child runs too")
}
