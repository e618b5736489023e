package runbooks_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bcdr/bcdr/runbooks"
)

func TestProofFor(t *testing.T) {
	want := []string{"sha256:web"}
	cases := []struct {
		name  string
		proof runbooks.Proof
		ok    bool
	}{
		{"authorized run of the catalogue's runbook", runbooks.Proof{Service: "web", Digest: "sha256:web", Authorized: []string{"payments", "web"}}, true},
		{"not authorized for the service", runbooks.Proof{Service: "web", Digest: "sha256:web", Authorized: []string{"payments"}}, false},
		{"record without authorization", runbooks.Proof{Service: "web", Digest: "sha256:web"}, false},
		{"another runbook declaring the service", runbooks.Proof{Service: "web", Digest: "sha256:forged", Authorized: []string{"web"}}, false},
		{"another service's run", runbooks.Proof{Service: "payments", Digest: "sha256:web", Authorized: []string{"web", "payments"}}, false},
		{"no digest", runbooks.Proof{Service: "web", Authorized: []string{"web"}}, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.ok, c.proof.For("web", want), c.name)
	}
	assert.False(t, runbooks.Proof{Service: "", Digest: "d", Authorized: []string{""}}.For("", []string{"d"}), "a run of no service proves no service")
}
