package readiness_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

func TestProvenByADrillOfThisVersion(t *testing.T) {
	rb := &runbooks.Runbook{Metadata: runbooks.Metadata{Name: "failover", Version: "1.1.0"},
		Source: runbooks.Source{Digest: "sha256:1111111111111111111111"}}
	jan := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	older := readiness.Drill{RunID: "d1", Runbook: "failover", Version: "1.0.0", Digest: "sha256:0000000000000000000000", EndedAt: jan, Succeeded: true}
	failedNew := readiness.Drill{RunID: "d2", Runbook: "failover", Version: "1.1.0", Digest: rb.Source.Digest, EndedAt: jan.Add(24 * time.Hour)}
	other := readiness.Drill{RunID: "d3", Runbook: "other", Digest: rb.Source.Digest, EndedAt: jan, Succeeded: true}

	f := readiness.Proven(rb, nil)
	assert.Equal(t, readiness.Warning, f.Result)
	assert.Equal(t, "no drill of this runbook has passed: this version was never proven", f.Reason)

	f = readiness.Proven(rb, []readiness.Drill{older, failedNew, other})
	assert.Equal(t, readiness.Warning, f.Result, "a failed drill of this version, or a drill of another runbook, proves nothing")
	assert.Equal(t, "this version (sha256:111111111111) was never proven by a drill; last proven version 1.0.0 (sha256:000000000000) on 2026-01-10 (drill d1)", f.Reason)

	passed := failedNew
	passed.RunID, passed.Succeeded = "d4", true
	f = readiness.Proven(rb, []readiness.Drill{older, failedNew, passed})
	assert.Equal(t, readiness.Finding{Step: "(runbook)", Check: "proven", Result: readiness.Ready, Reason: "this version passed drill d4 on 2026-01-11"}, f)
}
