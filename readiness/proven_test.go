package readiness_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

// TestProvenByADrillOfThisVersion: the finding states runbooks.Proven: ready when a drill
// the proof rule accepts ran this digest, a warning naming the last proven version if not.
func TestProvenByADrillOfThisVersion(t *testing.T) {
	rb := &runbooks.Runbook{Metadata: runbooks.Metadata{Name: "failover", Version: "1.1.0", Service: "web"},
		Source: runbooks.Source{Digest: "sha256:1111111111111111111111"}}
	jan := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	older := readiness.Drill{RunID: "d1", Runbook: "failover", Version: "1.0.0", EndedAt: jan, Succeeded: true,
		Proof: runbooks.Proof{Service: "web", Digest: "sha256:0000000000000000000000", Authorized: []string{"web"}}}

	f := readiness.Proven(rb, []readiness.Drill{older})
	assert.Equal(t, readiness.Warning, f.Result)
	assert.Equal(t, "this version (sha256:111111111111) was never proven by a drill; last proven version 1.0.0 (sha256:000000000000) on 2026-01-10 (drill d1)", f.Reason)

	passed := readiness.Drill{RunID: "d4", Runbook: "failover", EndedAt: jan.Add(24 * time.Hour), Succeeded: true,
		Proof: runbooks.Proof{Service: "web", Digest: rb.Source.Digest, Authorized: []string{"web"}}}
	f = readiness.Proven(rb, []readiness.Drill{older, passed})
	assert.Equal(t, readiness.Finding{Step: "(runbook)", Check: "proven", Result: readiness.Ready, Reason: "this version (sha256:111111111111) was proven by drill d4 on 2026-01-11"}, f)
}

// TestLiveChecksStateTheProvenVersion: with the recorded drills given, a live check (bcdr
// check's and the scheduled one's alike) ends with the proven finding; a drill check does
// not (a drill proves the version itself); an evidence store that cannot be read makes it
// a warning that says why.
func TestLiveChecksStateTheProvenVersion(t *testing.T) {
	rb, reg := parse(t)
	rb.Metadata.Service = "orders" // a drill proves a service's runbook
	jan := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	drills := func(context.Context) ([]readiness.Drill, error) {
		return []readiness.Drill{{RunID: "d1", Runbook: rb.Metadata.Name, EndedAt: jan, Succeeded: true,
			Proof: runbooks.Proof{Service: rb.Metadata.Service, Digest: rb.Source.Digest, Authorized: []string{rb.Metadata.Service}}}}, nil
	}
	o := readiness.Options{Params: map[string]string{"target": "orders"}, Drills: drills}
	rep, err := readiness.Check(context.Background(), rb, reg, o)
	require.NoError(t, err)
	proven := byStep(rep)["(runbook)"]
	require.Len(t, proven, 1)
	assert.Equal(t, "proven", proven[0].Check)
	assert.Equal(t, readiness.Ready, proven[0].Result, "%s", proven[0].Reason)
	assert.Contains(t, proven[0].Reason, "was proven by drill d1 on 2026-01-10")

	o.Mode = "drill"
	rep, err = readiness.Check(context.Background(), rb, reg, o)
	require.NoError(t, err)
	assert.Empty(t, byStep(rep)["(runbook)"], "a drill check states no proof")

	o.Mode, o.Drills = "live", func(context.Context) ([]readiness.Drill, error) { return nil, errors.New("bucket gone") }
	rep, err = readiness.Check(context.Background(), rb, reg, o)
	require.NoError(t, err)
	proven = byStep(rep)["(runbook)"]
	require.Len(t, proven, 1)
	assert.Equal(t, readiness.Warning, proven[0].Result)
	assert.Contains(t, proven[0].Reason, "evidence store: bucket gone")
}
