package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadChildrenNestsChildRunsAndBubblesUpWaiting: a scenario run whose `runbook`
// steps started child runs shows them nested with their state; a grandchild's open
// approval and a child's prompt are among the top run's tasks waiting for people.
func TestLoadChildrenNestsChildRunsAndBubblesUpWaiting(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	runbook := func(id string, started bool) StepState {
		s := StepState{ID: id, Uses: "runbook", Status: StepPending}
		if started {
			s.Status, s.StartedAt = StepRunning, t0
		}
		return s
	}
	top := Status{RunID: "scenario-1", State: RunRunning,
		Steps:   []StepState{runbook("db", true), runbook("web", true), runbook("later", false), {ID: "gate", Uses: "approval", Status: StepRunning, StartedAt: t0}},
		Pending: []PendingTask{{Step: "gate", Kind: "approval", Approvers: []string{"group:ic"}, Quorum: 1}},
	}
	runs := map[string]Status{
		"scenario-1.db": {RunID: "scenario-1.db", Runbook: "db-failover", Service: "db", State: RunRunning,
			Steps: []StepState{{ID: "promote", Uses: "noop", Status: StepSucceeded}, runbook("announce", true)}},
		"scenario-1.db.announce": {RunID: "scenario-1.db.announce", Runbook: "announce", Service: "db", State: RunRunning,
			Steps:   []StepState{{ID: "ok", Uses: "approval", Status: StepRunning}},
			Pending: []PendingTask{{Step: "ok", Kind: "approval", Quorum: 2, Approved: 1}}},
	}
	get := func(id string) (Status, error) {
		st, ok := runs[id]
		if !ok {
			return Status{}, errors.New("not found")
		}
		return st, nil
	}
	top.LoadChildren(get)

	require.Len(t, top.Children, 2, "the started runbook steps; the pending one started no run yet")
	db := top.Children[0]
	assert.Equal(t, ChildRun{Step: "db", RunID: "scenario-1.db", Runbook: "db-failover", Service: "db", State: RunRunning, Steps: 2, Done: 1,
		Children: []ChildRun{{Step: "announce", RunID: "scenario-1.db.announce", Runbook: "announce", Service: "db", State: RunRunning, Steps: 1}}}, db)
	web := top.Children[1]
	assert.Equal(t, "scenario-1.web", web.RunID)
	assert.Empty(t, web.State)
	assert.Contains(t, web.Error, "cannot read child run scenario-1.web: not found")

	require.Len(t, top.Waiting, 2)
	assert.Equal(t, Waiting{RunID: "scenario-1", PendingTask: top.Pending[0]}, top.Waiting[0], "the run's own task first")
	assert.Equal(t, "scenario-1.db.announce", top.Waiting[1].RunID)
	assert.Equal(t, "db", top.Waiting[1].Service, "who may decide is the waiting run's service's")
	assert.Equal(t, []string{"db", "announce"}, top.Waiting[1].Path)
	assert.Equal(t, "ok", top.Waiting[1].Step)

	parent, step, ok := ParentRunID("scenario-1.db.announce")
	assert.True(t, ok)
	assert.Equal(t, "scenario-1.db", parent)
	assert.Equal(t, "announce", step)
	_, _, ok = ParentRunID("plain-run")
	assert.False(t, ok)
	assert.Equal(t, "scenario-1.db", ChildRunID("scenario-1", "db"))
}
