package egress

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPolicyOrder(t *testing.T) {
	p, err := New(Config{
		Allow: []string{"10.0.0.0/8", "api.example.com", "*.svc.example.com:443", "169.254.170.2"},
		Deny:  []string{"10.9.0.0/16", "secrets.svc.example.com"},
		Listeners: []Listener{
			{What: "the bcdr HTTP server (http.address)", Address: "127.0.0.1:8080"},
			{What: "bcdr's metrics listener (metrics.address)", Address: "0.0.0.0:9464"},
		},
	})
	require.NoError(t, err)
	for _, tc := range []struct {
		host, addr string
		port       int
		refused    string // "" allowed; else a part of the reason
	}{
		{"10.1.2.3", "10.1.2.3", 80, ""},
		{"10.9.1.1", "10.9.1.1", 80, `egress.deny lists "10.9.0.0/16"`},
		{"api.example.com", "192.0.2.7", 443, ""},
		{"a.svc.example.com", "192.0.2.8", 443, ""},
		{"a.svc.example.com", "192.0.2.8", 80, "egress.allow does not list it"},
		{"secrets.svc.example.com", "192.0.2.9", 443, "egress.deny lists"},
		{"other.example.org", "192.0.2.10", 443, "egress.allow does not list it"},
		{"api.example.com", "169.254.169.254", 80, "metadata"}, // an allowed name cannot point at metadata
		{"169.254.170.2", "169.254.170.2", 80, ""},             // an allowed address can
		{"api.example.com", "127.0.0.1", 443, "loopback"},
		{"127.0.0.1", "127.0.0.1", 8080, "the bcdr HTTP server"},
		{"localhost", "::1", 9464, "metrics listener"},
	} {
		err := p.Check(tc.host, netip.MustParseAddr(tc.addr), tc.port)
		if tc.refused == "" {
			assert.NoError(t, err, "%s (%s:%d)", tc.host, tc.addr, tc.port)
			continue
		}
		assert.ErrorContains(t, err, tc.refused, "%s (%s:%d)", tc.host, tc.addr, tc.port)
	}
}

func TestPolicyBadEntriesAreNamed(t *testing.T) {
	_, err := New(Config{Allow: []string{"ok.example.com", "http://x.example.com/"}, Deny: []string{"10.0.0.0/33", "host:99999"}})
	require.Error(t, err)
	assert.ErrorContains(t, err, `egress.allow[1]: "http://x.example.com/" is not a host name, *.domain, IP address or CIDR: give the host alone`)
	assert.ErrorContains(t, err, `egress.deny[0]: "10.0.0.0/33" is not`)
	assert.ErrorContains(t, err, `egress.deny[1]: "host:99999": "99999" is not a port`)
}

func TestListenerByNameIsRefusedBeforeLookup(t *testing.T) {
	p, err := New(Config{Loopback: true, Listeners: []Listener{{What: "the Temporal frontend (temporal.address)", Address: "temporal.invalid:7233"}}})
	require.NoError(t, err)
	assert.ErrorContains(t, p.checkName("temporal.invalid", 7233), "the Temporal frontend")
	assert.NoError(t, p.checkName("temporal.invalid", 80))
}
