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

	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// TestRunRefusesAnUnprovenVersion: under the configuration's policy.require_proven:
// refuse, bcdr run of a version no drill proved exits non-zero naming the runbook and
// the last proven version, before it reaches for the engine (none listens here: a start
// that got past the gate would fail to dial instead). A drill is not judged.
func TestRunRefusesAnUnprovenVersion(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, os.WriteFile(e.vars["BCDR_CONFIG"], []byte("groups:\n  incident-commanders: [alice, bob]\npolicy:\n  require_proven: refuse\n"), 0o600))
	e.vars["BCDR_TEMPORAL_ADDRESS"] = "127.0.0.1:1"
	file, rb, store := writeFailover(t, e)
	ended := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	_, err := store.Append(context.Background(), workflows.Status{RunID: "drill-1", Runbook: "failover", Version: "1.0.0", Digest: rb.Source.Digest,
		Service: "web", Authorized: []string{"web"}, Mode: workflows.ModeDrill, State: workflows.RunSucceeded, StartedAt: ended.Add(-time.Minute), EndedAt: ended})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(failoverV1, "1.0.0", "1.1.0", 1)), 0o600))

	_, errOut, code := e.cli("run", file)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, "a live run of runbook failover is refused by policy.require_proven: refuse (the configuration's): this version (sha256:")
	assert.Contains(t, errOut, "last proven version 1.0.0 (sha256:")
	assert.Contains(t, errOut, "on 2026-11-02 (drill drill-1)")
	assert.NotContains(t, errOut, "cannot reach", "refused before the engine is dialed")

	_, errOut, code = e.cli("run", file, "--mode", "drill")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, "cannot reach the Temporal engine", "a drill passes the gate")
	assert.NotContains(t, errOut, "refused by policy")
}

// failoverV1 is runbook failover, version 1.0.0, of service web: one noop step.
const failoverV1 = "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: failover, service: web, version: \"1.0.0\"}\nsteps:\n  - id: a\n    uses: noop\n"

// writeFailover writes failoverV1 to failover.yaml in the test's folder and returns the
// file, the runbook as bcdr reads it (its digest is what a drill proves) and the evidence
// store of the test's data folder, where the test records the drills.
func writeFailover(t *testing.T, e *env) (string, *runbooks.Runbook, *evidence.Store) {
	t.Helper()
	file := filepath.Join(e.dir, "failover.yaml")
	require.NoError(t, os.WriteFile(file, []byte(failoverV1), 0o600))
	rb, err := parseFile(file, mustRegistry(t))
	require.NoError(t, err)
	store, err := evidence.NewFileStore(filepath.Join(e.dir, "data", "evidence"))
	require.NoError(t, err)
	return file, rb, store
}
