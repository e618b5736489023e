package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/bcdr/bcdr/workflows"
)

// TestWebUINamesRunsAndSteps runs a drill with a nested runbook on the embedded engine and
// reads its history as the Temporal Web UI does: the run and its child carry a summary
// naming runbook, mode and service, and details saying who started it; every activity a
// summary naming its step (the Web UI showed four "http.check" and nothing else).
func TestWebUINamesRunsAndSteps(t *testing.T) {
	e := newEnv(t)
	e.startDev(freePort(t))
	dir := filepath.Join(e.dir, "rb")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "child.yaml"), []byte(`apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: warm-cache, service: cache}
steps:
  - {id: warm, name: Warm the standby cache, uses: noop}
`), 0o600))
	main := filepath.Join(dir, "main.yaml")
	require.NoError(t, os.WriteFile(main, []byte(`apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: checkout-failover, service: checkout, tier: 1, description: Move checkout to the standby region.}
steps:
  - {id: check_standby, name: Check the standby answers, uses: noop}
  - {id: cache, name: Warm the cache, uses: runbook, needs: [check_standby], with: {path: child.yaml}}
  - {id: switch, uses: noop, needs: [cache]}
`), 0o600))
	runID := strings.TrimSpace(e.mustCLI("run", main, "--mode", "drill"))
	eventually(t, "the drill to end", time.Minute, func() bool { return e.status(runID).State.Done() })
	require.Equal(t, workflows.RunSucceeded, e.status(runID).State)

	ctx := context.Background()
	c, err := dial(ctx, mustConfig(t, e), discard())
	require.NoError(t, err)
	defer c.Close()
	text := func(p *commonpb.Payload) string {
		var s string
		if p != nil {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayload(p, &s))
		}
		return s
	}
	history := func(id string) (summary, details string, activities []string) {
		it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			require.NoError(t, err)
			switch ev.EventType {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
				summary, details = text(ev.GetUserMetadata().GetSummary()), text(ev.GetUserMetadata().GetDetails())
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				activities = append(activities, text(ev.GetUserMetadata().GetSummary()))
			}
		}
		return summary, details, activities
	}
	summary, details, acts := history(runID)
	assert.Equal(t, "checkout-failover · drill · checkout", summary)
	assert.Contains(t, details, "**runbook** checkout-failover: Move checkout to the standby region.")
	assert.Contains(t, details, "**service** checkout (tier 1)")
	assert.Contains(t, details, "**started by** alice (cli)")
	assert.Contains(t, acts, "check_standby: Check the standby answers (noop)")
	assert.Contains(t, acts, "switch (noop)")

	summary, _, acts = history(runID + ".cache")
	assert.Equal(t, "warm-cache · drill · cache", summary, "the nested run")
	assert.Contains(t, acts, "warm: Warm the standby cache (noop)")
}
