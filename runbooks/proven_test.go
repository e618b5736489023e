package runbooks_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
)

// TestProvenFollowsTheProofRule: only a successful drill of this digest, of the
// runbook's service and authorized for it, proves a version; the last proven version is
// the newest drill the proof rule accepts for its own digest.
func TestProvenFollowsTheProofRule(t *testing.T) {
	rb := &runbooks.Runbook{Metadata: runbooks.Metadata{Name: "failover", Version: "1.1.0", Service: "web"},
		Source: runbooks.Source{Digest: "sha256:1111111111111111111111"}}
	old := "sha256:0000000000000000000000"
	jan := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	proof := func(digest string) runbooks.Proof {
		return runbooks.Proof{Service: "web", Digest: digest, Authorized: []string{"web"}}
	}
	older := runbooks.Drill{RunID: "d1", Runbook: "failover", Version: "1.0.0", EndedAt: jan, Succeeded: true, Proof: proof(old)}
	failedNew := runbooks.Drill{RunID: "d2", Runbook: "failover", Version: "1.1.0", EndedAt: jan.Add(24 * time.Hour), Proof: proof(rb.Source.Digest)}
	unauthorized := runbooks.Drill{RunID: "d3", Runbook: "failover", EndedAt: jan.Add(48 * time.Hour), Succeeded: true,
		Proof: runbooks.Proof{Service: "web", Digest: rb.Source.Digest, Authorized: []string{"payments"}}}
	otherService := runbooks.Drill{RunID: "d4", Runbook: "failover", EndedAt: jan.Add(48 * time.Hour), Succeeded: true,
		Proof: runbooks.Proof{Service: "payments", Digest: rb.Source.Digest, Authorized: []string{"payments", "web"}}}
	newerUnauthorizedOld := runbooks.Drill{RunID: "d5", Runbook: "failover", Version: "0.9.0", EndedAt: jan.Add(72 * time.Hour), Succeeded: true,
		Proof: runbooks.Proof{Service: "web", Digest: old, Authorized: nil}}

	p := runbooks.Proven(rb, nil)
	assert.False(t, p.Proven)
	assert.Equal(t, "this version (sha256:111111111111) was never proven by a drill; no drill proved any version of runbook failover", p.String())

	p = runbooks.Proven(rb, []runbooks.Drill{older, failedNew, unauthorized, otherService, newerUnauthorizedOld})
	assert.False(t, p.Proven, "a failed drill, an unauthorized one or another service's proves nothing")
	assert.Equal(t, "this version (sha256:111111111111) was never proven by a drill; last proven version 1.0.0 (sha256:000000000000) on 2026-01-10 (drill d1)", p.String())
	assert.Equal(t, runbooks.Provenance{Runbook: "failover", Service: "web", Digest: rb.Source.Digest, Drill: "d1", At: jan, LastDigest: old, LastVersion: "1.0.0"}, p)

	passed := failedNew
	passed.RunID, passed.Succeeded = "d6", true
	p = runbooks.Proven(rb, []runbooks.Drill{older, failedNew, passed})
	assert.True(t, p.Proven)
	assert.Equal(t, "this version (sha256:111111111111) was proven by drill d6 on 2026-01-11", p.String())

	noService := *rb
	noService.Metadata.Service = ""
	p = runbooks.Proven(&noService, []runbooks.Drill{passed})
	assert.False(t, p.Proven, "the proof rule proves a service's runbook only")
	assert.Contains(t, p.String(), "the runbook names no service (metadata.service)")

	assert.Contains(t, runbooks.Unproven(rb, "evidence store: timeout").String(), "may never have been proven by a drill: the drills could not be read (evidence store: timeout)")
}

func TestRequireProvenStricterWins(t *testing.T) {
	for _, c := range []struct{ a, b, want runbooks.RequireProven }{
		{"", "", runbooks.ProvenWarn},
		{runbooks.ProvenWarn, runbooks.ProvenApprove, runbooks.ProvenApprove},
		{runbooks.ProvenRefuse, runbooks.ProvenApprove, runbooks.ProvenRefuse},
		{runbooks.ProvenApprove, "", runbooks.ProvenApprove},
		{"", runbooks.ProvenRefuse, runbooks.ProvenRefuse},
	} {
		assert.Equal(t, c.want, c.a.Stricter(c.b), "%q and %q", c.a, c.b)
	}
}

// TestProvenanceJSONCarriesItsWords: the dashboard shows the text Go wrote, not its own.
func TestProvenanceJSONCarriesItsWords(t *testing.T) {
	p := runbooks.Provenance{Runbook: "failover", Service: "web", Digest: "sha256:1111111111111111111111"}
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"runbook":"failover","service":"web","digest":"sha256:1111111111111111111111","proven":false,
		"text":"this version (sha256:111111111111) was never proven by a drill; no drill proved any version of runbook failover"}`, string(b))
	var back runbooks.Provenance
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, p, back)
}
