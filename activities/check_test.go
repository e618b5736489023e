package activities

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/egress"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

func checkHTTP(t *testing.T, steps *egress.Policy, kind string, with map[string]any) readiness.Finding {
	t.Helper()
	k, ok := runbooks.DefaultRegistry()
	require.NoError(t, ok)
	kd, _ := k.Kind(kind)
	fs := Checkers(steps)[kind](context.Background(), readiness.Target{Step: "s", Kind: kd, Mode: "live", With: with})
	require.Len(t, fs, 1)
	return fs[0]
}

func TestHTTPReadinessChecks(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodGet, r.Method, "a check only reads")
		w.WriteHeader(status)
	}))
	defer srv.Close()

	f := checkHTTP(t, nil, runbooks.KindHTTPCheck, map[string]any{"url": srv.URL + "/healthz"})
	assert.Equal(t, readiness.Finding{Check: "probe", Result: readiness.Ready, Reason: "answered 200"}, f)

	status = http.StatusServiceUnavailable
	f = checkHTTP(t, nil, runbooks.KindHTTPCheck, map[string]any{"url": srv.URL + "/healthz"})
	assert.Equal(t, readiness.Warning, f.Result)
	assert.Contains(t, f.Reason, "status 503, want 200")

	// http.request changes something: only its host is checked, nothing is sent
	f = checkHTTP(t, nil, runbooks.KindHTTPRequest, map[string]any{"url": srv.URL + "/admin/failover", "method": "POST"})
	assert.Equal(t, readiness.Ready, f.Result)
	assert.Contains(t, f.Reason, `host "127.0.0.1" resolves`)

	// .invalid never resolves (RFC 6761, section 6.4)
	f = checkHTTP(t, nil, runbooks.KindHTTPCheck, map[string]any{"url": "https://api.no-such-host.invalid/healthz?token=s3cret"})
	assert.Equal(t, readiness.NotReady, f.Result, f.Reason)
	assert.Equal(t, `host "api.no-such-host.invalid" of https://api.no-such-host.invalid/healthz does not resolve`, f.Reason, "no query in the reason")

	f = checkHTTP(t, nil, runbooks.KindHTTPRequest, map[string]any{"url": "ftp://files.example.com/x"})
	assert.Equal(t, `url "ftp://files.example.com/x" is not an http or https URL`, f.Reason)

	steps, err := egress.New(egress.Config{})
	require.NoError(t, err)
	f = checkHTTP(t, steps, runbooks.KindHTTPCheck, map[string]any{"url": srv.URL + "/healthz"})
	assert.Equal(t, readiness.NotReady, f.Result)
	assert.Contains(t, f.Reason, "steps may not reach http://127.0.0.1:")
	assert.Contains(t, f.Reason, "loopback addresses are refused")
}
