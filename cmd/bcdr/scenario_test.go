package main

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/workflows"
)

// TestScenarioDrillRunsChildRuns runs a region-loss scenario of the test catalogue on
// the embedded engine in drill mode: each affected service's runbook runs as a child
// run, dependencies first and independent services in parallel; the child runs count
// as drills of their services in the coverage report, read from the engine.
func TestScenarioDrillRunsChildRuns(t *testing.T) {
	e := newEnv(t)
	e.startDev(freePort(t))

	out := e.mustCLI("scenario", "run", "region-a-lost", "--catalogue", testCatalogue, "--mode", "drill", "--wait", "-o", "json")
	var st workflows.Status
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	assert.Equal(t, workflows.ModeDrill, st.Mode)
	assert.Equal(t, "scenario-region-a-lost", st.Runbook)

	steps := map[string]*workflows.StepState{}
	for i := range st.Steps {
		s := &st.Steps[i]
		steps[s.ID] = s
		assert.Equal(t, "runbook", s.Uses, s.ID)
		assert.Equal(t, workflows.StepSucceeded, s.Status, s.ID)
	}
	require.Len(t, steps, 4, "db, cache, api and web; reports has no runbook and is not hit directly")
	// Dependencies first: api after db and cache, web after api.
	db, cache, api, web := steps["db"], steps["cache"], steps["api"], steps["web"]
	assert.False(t, api.StartedAt.Before(db.EndedAt), "api starts after db is back")
	assert.False(t, api.StartedAt.Before(cache.EndedAt), "api starts after cache is back")
	assert.False(t, web.StartedAt.Before(api.EndedAt), "web starts after api is back")
	// Independent services in parallel: cache starts before db ends.
	assert.True(t, cache.StartedAt.Before(db.EndedAt), "db and cache run at the same time")

	// Each step is a child run of the service's runbook, in drill mode, for the service.
	child := func(s *workflows.StepState) workflows.Status {
		id, _ := s.Outputs["run_id"].(string)
		require.NotEmpty(t, id, "step %s names its child run", s.ID)
		assert.Equal(t, "succeeded", s.Outputs["status"], s.ID)
		return e.status(id)
	}
	dbRun := child(db)
	assert.Equal(t, "db-failover", dbRun.Runbook)
	assert.Equal(t, "db", dbRun.Service)
	assert.Equal(t, workflows.ModeDrill, dbRun.Mode)
	assert.True(t, dbRun.Step("promote").Drill, "the drill variant ran")
	assert.Equal(t, "drill-replica", dbRun.Step("promote").Outputs["promoted"])
	apiRun, cacheRun := child(api), child(cache)
	assert.Equal(t, "restart", apiRun.Runbook)
	assert.Equal(t, "api", apiRun.Service, "a shared runbook's run carries the service it recovers")
	assert.Equal(t, "cache", cacheRun.Service)
	assert.Equal(t, "api", apiRun.Step("restart").Outputs["restarted"], "the catalogue's params reach the child")
	webRun := child(web)
	assert.Equal(t, workflows.StepSucceeded, webRun.Step("announce").Status, "a runbook the child nests runs too")

	// bcdr status shows the scenario run with its child runs nested, and bcdr runs lists
	// the children under it.
	status := e.mustCLI("status", st.RunID)
	assert.Contains(t, status, "child runs:\n", status)
	assert.Regexp(t, `(?m)^  db +`+regexp.QuoteMeta(workflows.ChildRunID(st.RunID, "db"))+` +db-failover \(db\) +SUCCEEDED`, status)
	type listedRun struct {
		RunID    string
		Step     string
		Children []listedRun
	}
	var listed []listedRun
	require.NoError(t, json.Unmarshal([]byte(e.mustCLI("runs", "-o", "json")), &listed))
	var parent *listedRun
	for i := range listed {
		assert.NotContains(t, listed[i].RunID, st.RunID+".", "a child run is not at the top of the list")
		if listed[i].RunID == st.RunID {
			parent = &listed[i]
		}
	}
	require.NotNil(t, parent, "the scenario run is listed")
	var children []string
	for _, c := range parent.Children {
		children = append(children, c.Step)
	}
	assert.ElementsMatch(t, []string{"db", "cache", "api", "web"}, children)

	// The coverage report reads the child runs from the engine as drills of each service.
	var rep catalogue.Report
	eventually(t, "the child runs to be visible", 30*time.Second, func() bool {
		require.NoError(t, json.Unmarshal([]byte(e.mustCLI("coverage", "--catalogue", testCatalogue, "-o", "json")), &rep))
		drilled := 0
		for _, s := range rep.Services {
			if s.LastDrill != nil {
				drilled++
			}
		}
		return drilled == 4
	})
	gaps := map[string][]catalogue.GapKind{}
	for _, g := range rep.Gaps {
		gaps[g.Service] = append(gaps[g.Service], g.Kind)
	}
	assert.Equal(t, map[string][]catalogue.GapKind{"reports": {catalogue.GapNoRunbook}}, gaps)
	for _, s := range rep.Services {
		if s.Service == "db" {
			assert.Equal(t, "drill", s.LastDrill.Mode)
			assert.Equal(t, "succeeded", s.LastDrill.Outcome)
			assert.Equal(t, 5*time.Minute, s.LastDrill.RTO.Target, "the record's RTO target comes with the run")
			assert.Positive(t, s.LastDrill.RTO.Actual)
		}
	}
}
