package main

import (
	"fmt"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/library"
	"github.com/bcdr/bcdr/workflows"
)

// TestTheDemoSaysWhatADrillDid: a drill moves no traffic, so its announcement does not
// say the service failed over, and the approval the demo gives does not cite a step the
// drill skipped.
func TestTheDemoSaysWhatADrillDid(t *testing.T) {
	rb, params := libraryDemoRunbook(t)
	var msg any
	for _, s := range rb.Steps {
		if s.ID == "announce" {
			msg = s.With["message"]
		}
	}
	require.NotNil(t, msg)
	scope := func(mode string) runbooks.Scope {
		return runbooks.Scope{Params: params, Mode: mode, Run: runbooks.RunScope{ID: "r-1", Initiator: "alice"},
			Steps: map[string]runbooks.StepScope{"verify": {Status: "succeeded", Outputs: map[string]any{"status": 200, "latency_ms": 3}}}}
	}
	drill, err := runbooks.Expand(msg, scope("drill"))
	require.NoError(t, err)
	assert.NotContains(t, fmt.Sprint(drill), "failed over")
	assert.Contains(t, fmt.Sprint(drill), "drill")
	live, err := runbooks.Expand(msg, scope("live"))
	require.NoError(t, err)
	assert.Contains(t, fmt.Sprint(live), "failed over to the standby (http://127.0.0.1:18082)")

	assert.NotContains(t, demoApproval(workflows.ModeDrill), "primary confirmed down", "the drill skips confirm_primary_down")
	assert.Contains(t, demoApproval(workflows.ModeLive), "primary confirmed down")
}

// libraryDemoRunbook is the library's demo-failover.yaml as bcdr reads it, with its
// parameters' defaults.
func libraryDemoRunbook(t *testing.T) (*runbooks.Runbook, map[string]any) {
	t.Helper()
	src, err := fs.ReadFile(library.FS, "demo-failover.yaml")
	require.NoError(t, err)
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	rb, diags := runbooks.Parse("demo-failover.yaml", src, reg)
	require.False(t, diags.HasErrors(), "%v", diags)
	params, err := runbooks.ResolveParams(rb, nil)
	require.NoError(t, err)
	return rb, params
}
