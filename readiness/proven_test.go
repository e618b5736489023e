package readiness_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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
