package api

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/mocks"

	"github.com/bcdr/bcdr/workflows"
)

// TestRunListGroupsChildRunsUnderTheirParent: GET /v1/runs lists a scenario run with its
// child runs (and their own) nested under it, each naming the step that started it; a
// run whose id merely holds a dot stays at the top.
func TestRunListGroupsChildRunsUnderTheirParent(t *testing.T) {
	in := workflows.Input{}
	in.Runbook.Metadata.Service = "demo-web"
	at := now.Add(-time.Hour)
	engine := &mocks.Client{}
	// Newest first, as the engine lists them.
	engine.On("ListWorkflow", mock.Anything, mock.Anything).Return(listOf(t,
		engineRun(t, "other.v2-20261122T110000Z-abc123", in, at.Add(5*time.Minute)),
		engineRun(t, "sc-1.web", in, at.Add(4*time.Minute)),
		engineRun(t, "sc-1.db.announce", in, at.Add(3*time.Minute)),
		engineRun(t, "sc-1.db", in, at.Add(2*time.Minute)),
		engineRun(t, "sc-1", in, at.Add(time.Minute)),
	), nil)
	// The list reads each ended run's record for its RTO; these have none to give.
	none := &mocks.WorkflowRun{}
	none.On("Get", mock.Anything, mock.Anything).Return(errors.New("no record here"))
	engine.On("GetWorkflow", mock.Anything, mock.Anything, "").Return(none)
	s := evidenceServer(t)
	s.opts.Client = engine
	out := getJSON[struct{ Runs []RunSummary }](t, s, "viewer", "/v1/runs")
	ids := func(rs []RunSummary) []string {
		var xs []string
		for _, r := range rs {
			xs = append(xs, r.RunID)
		}
		return xs
	}
	require.Equal(t, []string{"other.v2-20261122T110000Z-abc123", "sc-1"}, ids(out.Runs))
	sc := out.Runs[1]
	require.Equal(t, []string{"sc-1.db", "sc-1.web"}, ids(sc.Children), "in the order they started")
	assert.Equal(t, "db", sc.Children[0].Step)
	assert.Equal(t, []string{"sc-1.db.announce"}, ids(sc.Children[0].Children))
	assert.Equal(t, "announce", sc.Children[0].Children[0].Step)
	assert.Empty(t, out.Runs[0].Step)
}
