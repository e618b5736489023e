package readiness_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

const book = `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: readiness-fixture}
parameters:
  - {name: target, type: string, required: true}
  - {name: fast, type: bool, default: false}
  - {name: token, type: string, secret: true, default: "hunter2-token"}
steps:
  - id: act
    uses: noop
    with: {output: {name: "${{ params.target }}"}}
  - id: follow
    needs: act
    uses: noop
    with:
      output: {name: "${{ steps.act.outputs.name }}"}
  - id: drill_only
    uses: noop
    drill: {skip: true}
  - id: slow_path
    uses: noop
    when: "${{ !params.fast }}"
  - id: fast_path
    uses: noop
    when: "${{ params.fast }}"
  - id: approve
    uses: approval
    with: {approvers: ["group:ic", "group:nobody"], quorum: 2}
  - id: wait
    uses: wait
    with: {duration: 1m}
`

func parse(t *testing.T) (*runbooks.Runbook, *runbooks.Registry) {
	t.Helper()
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	rb, diags := runbooks.Parse("fixture.yaml", []byte(book), reg)
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	return rb, reg
}

func byStep(rep *readiness.Report) map[string][]readiness.Finding {
	out := map[string][]readiness.Finding{}
	for _, f := range rep.Findings {
		out[f.Step] = append(out[f.Step], f)
	}
	return out
}

func TestCheckResolvesInputsAndModes(t *testing.T) {
	rb, reg := parse(t)
	var seen = map[string]readiness.Target{}
	var calls atomic.Int32
	members := map[string][]string{"ic": {"alice"}}
	kinds := readiness.Builtins(func(g string) []string { return members[g] })
	kinds[runbooks.KindNoop] = func(_ context.Context, tg readiness.Target) []readiness.Finding {
		calls.Add(1)
		seen[tg.Step] = tg // Parallel 1: one checker at a time writes the map
		return []readiness.Finding{{Check: "target", Result: readiness.Ready, Reason: "fine with " + tg.Params["token"].(string)}}
	}
	rep, err := readiness.Check(context.Background(), rb, reg, readiness.Options{
		Params: map[string]string{"target": "orders"}, Kinds: kinds, Parallel: 1})
	require.NoError(t, err)

	assert.Equal(t, map[string]any{"name": "orders"}, seen["act"].With["output"], "parameters are resolved")
	assert.Equal(t, []string{"output"}, seen["follow"].Unknown, "a step output is only known during the run")
	assert.False(t, seen["follow"].Known("output"))

	s := byStep(rep)
	assert.Equal(t, "fine with ***", s["act"][0].Reason, "a secret parameter never shows")
	assert.Equal(t, readiness.Ready, s["drill_only"][0].Result, "live mode checks the live action")
	assert.Equal(t, readiness.Ready, s["slow_path"][0].Result)
	assert.Contains(t, s["fast_path"][0].Reason, "is false for these parameters")
	assert.Equal(t, int32(4), calls.Load(), "act, follow, drill_only, slow_path; fast_path is skipped")

	require.Len(t, s["approve"], 2)
	assert.Equal(t, readiness.NotReady, s["approve"][0].Result)
	assert.Contains(t, s["approve"][0].Reason, `approver group "nobody" has no members: add them under groups.nobody`)
	assert.Contains(t, s["approve"][1].Reason, "the quorum is 2 but only 1 people can approve (alice)")
	assert.Equal(t, readiness.NotReady, rep.Result)

	rep, err = readiness.Check(context.Background(), rb, reg, readiness.Options{
		Params: map[string]string{"target": "orders"}, Mode: "drill", Kinds: kinds, Parallel: 1})
	require.NoError(t, err)
	assert.Equal(t, "skipped in a drill: nothing to check", byStep(rep)["drill_only"][0].Reason)
}

func TestCheckResultsAndBadInput(t *testing.T) {
	rb, reg := parse(t)
	_, err := readiness.Check(context.Background(), rb, reg, readiness.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `parameter "target" is required`)
	_, err = readiness.Check(context.Background(), rb, reg, readiness.Options{Params: map[string]string{"target": "x"}, Mode: "tabletop"})
	assert.ErrorContains(t, err, `mode "tabletop": checks run for live or drill`)

	// no checker for noop: a warning per step, never ready by silence
	rep, err := readiness.Check(context.Background(), rb, reg, readiness.Options{Params: map[string]string{"target": "x"},
		Kinds: map[string]readiness.Checker{}})
	require.NoError(t, err)
	assert.Equal(t, readiness.Warning, byStep(rep)["act"][0].Result)
	assert.Equal(t, `bcdr has no readiness check for step kind "noop"`, byStep(rep)["act"][0].Reason)
	assert.Equal(t, readiness.Warning, rep.Result)
	assert.True(t, rep.Result.Passes())

	// a checker that panics is a finding, and cannot check is worse than a warning
	kinds := map[string]readiness.Checker{runbooks.KindNoop: func(context.Context, readiness.Target) []readiness.Finding { panic("boom") }}
	rep, err = readiness.Check(context.Background(), rb, reg, readiness.Options{Params: map[string]string{"target": "x"}, Kinds: kinds})
	require.NoError(t, err)
	assert.Equal(t, readiness.CannotCheck, byStep(rep)["act"][0].Result)
	assert.Equal(t, readiness.CannotCheck, rep.Result)
	assert.False(t, rep.Result.Passes())
}

func TestCheckRunsInParallelWithinTheBound(t *testing.T) {
	rb, reg := parse(t)
	var running, peak atomic.Int32
	release := make(chan struct{})
	kinds := map[string]readiness.Checker{runbooks.KindNoop: func(ctx context.Context, _ readiness.Target) []readiness.Finding {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		running.Add(-1)
		return nil
	}}
	done := make(chan error)
	go func() {
		_, err := readiness.Check(context.Background(), rb, reg, readiness.Options{Params: map[string]string{"target": "x"}, Kinds: kinds, Parallel: 2})
		done <- err
	}()
	require.Eventually(t, func() bool { return running.Load() == 2 }, 5*time.Second, time.Millisecond)
	close(release)
	require.NoError(t, <-done)
	assert.Equal(t, int32(2), peak.Load(), "four noop steps, at most two at once")
}
