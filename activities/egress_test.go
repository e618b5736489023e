package activities_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/egress"
	"github.com/bcdr/bcdr/internal/egress/egresstest"
	"github.com/bcdr/bcdr/internal/figures"
)

// target is a loopback HTTP server that counts the requests it was reached by: a refused
// step must not reach it at all.
type target struct {
	*httptest.Server
	hits atomic.Int32
}

func newTarget(t *testing.T, h http.HandlerFunc) *target {
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(tg.Close)
	return tg
}

// stepPolicy is the policy a worker's steps get, built the way cmd/bcdr builds it: from the
// configuration, for bcdr dev (loopback allowed) or bcdr server/worker.
func stepPolicy(t *testing.T, cfg *config.Config, dev bool, resolver *net.Resolver, running ...egress.Listener) *egress.Policy {
	ec := cfg.StepEgress(dev, running...)
	ec.Resolver = resolver
	p, err := egress.New(ec)
	require.NoError(t, err)
	return p
}

func serverConfig() *config.Config {
	return &config.Config{HTTP: config.HTTP{Address: "127.0.0.1:8080"}, Temporal: config.Temporal{Address: "temporal.internal:7233"},
		Metrics: config.Metrics{Address: "127.0.0.1:9464"}, Dev: config.Dev{IP: "127.0.0.1", UIPort: 8233}}
}

func refusal(t *testing.T, err error) *egress.Refused {
	t.Helper()
	var r *egress.Refused
	if egressAttacks != nil {
		egressAttacks.Try(errors.As(err, &r))
	}
	require.Error(t, err)
	require.True(t, errors.As(err, &r), "want an egress refusal, got: %v", err)
	assert.True(t, activities.IsNonRetryable(err), "a refusal is not retried: %v", err)
	return r
}

// Attack (issue 18, finding 4): a drill step read the Temporal Web UI's settings, which
// hold the codec endpoint's path, from loopback. Under bcdr server/worker loopback is
// refused; under bcdr dev loopback is allowed but the Web UI's port is not.
// egressAttacks, when set, counts every refusal the egress tests check (make reliability).
var egressAttacks *figures.Attacks

// countAttacks counts the test's egress attacks as finding's.
func countAttacks(t *testing.T, what string) {
	egressAttacks = figures.NewAttacks(t, "18.4", what)
	t.Cleanup(func() { egressAttacks = nil })
}

func TestStepCannotReadWebUISettings(t *testing.T) {
	countAttacks(t, "a step reads the Web UI's settings (bcdr's own listeners)")
	ui := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"Codec":{"Endpoint":"http://127.0.0.1:8080/codec/secret-path"}}`))
	})
	uiListener := egress.Listener{What: "the Temporal Web UI (dev.ui_port)", Address: ui.Listener.Addr().String()}
	ctx := context.Background()
	url := ui.URL + "/api/v1/settings"

	t.Run("server", func(t *testing.T) {
		h := activities.NewHTTP(stepPolicy(t, serverConfig(), false, nil))
		_, err := h.Check(ctx, activities.Request{With: map[string]any{"url": url}})
		r := refusal(t, err)
		assert.Equal(t, ui.Listener.Addr().String(), r.Addr)
		assert.Contains(t, err.Error(), "loopback addresses are refused outside bcdr dev")
		assert.Contains(t, err.Error(), `add "127.0.0.1" (or a CIDR holding it) to egress.allow`)
		_, err = h.Request(ctx, activities.Request{With: map[string]any{"url": url, "method": "GET"}})
		refusal(t, err)
		_, err = h.Check(ctx, activities.Request{With: map[string]any{"url": url, "expect_down": true}})
		refusal(t, err) // a refusal is not "the endpoint is down"
	})
	t.Run("dev", func(t *testing.T) {
		h := activities.NewHTTP(stepPolicy(t, serverConfig(), true, nil, uiListener))
		_, err := h.Check(ctx, activities.Request{With: map[string]any{"url": url}})
		r := refusal(t, err)
		assert.Contains(t, r.Reason, "the Temporal Web UI (dev.ui_port)")
		assert.Contains(t, err.Error(), "no setting allows it")
		port := strconv.Itoa(ui.Listener.Addr().(*net.TCPAddr).Port)
		for _, u := range []string{"http://localhost:" + port + "/api/v1/settings", "http://0.0.0.0:" + port + "/api/v1/settings"} {
			_, err := h.Check(ctx, activities.Request{With: map[string]any{"url": u}})
			refusal(t, err)
		}
	})
	t.Run("server with loopback allowed still refuses the listener", func(t *testing.T) {
		cfg := serverConfig()
		cfg.Egress.Allow = []string{"127.0.0.0/8"}
		h := activities.NewHTTP(stepPolicy(t, cfg, false, nil, uiListener))
		_, err := h.Check(ctx, activities.Request{With: map[string]any{"url": url}})
		refusal(t, err)
	})
	assert.Zero(t, ui.hits.Load(), "the Web UI was reached")
}

// Attack: a step asks the instance metadata service for the worker's role credentials.
func TestStepCannotReachInstanceMetadata(t *testing.T) {
	countAttacks(t, "a step reads instance metadata")
	h := activities.NewHTTP(stepPolicy(t, serverConfig(), true, nil))
	ctx := context.Background()
	for _, url := range []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://[::ffff:169.254.169.254]/latest/meta-data/",
	} {
		_, err := h.Request(ctx, activities.Request{With: map[string]any{"url": url, "method": "GET"}})
		r := refusal(t, err)
		assert.Contains(t, r.Reason, "metadata", url)
		assert.Contains(t, r.Remedy, "egress.allow", url)
	}
}

// Attack: an allowed host redirects the step to a refused one.
func TestStepRedirectToRefusedHostIsRefused(t *testing.T) {
	ui := newTarget(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("settings")) })
	for name, to := range map[string]string{
		"metadata": "http://169.254.169.254/latest/meta-data/",
		"web ui":   ui.URL + "/api/v1/settings",
	} {
		t.Run(name, func(t *testing.T) {
			hop := newTarget(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) })
			h := activities.NewHTTP(stepPolicy(t, serverConfig(), true, nil, egress.Listener{What: "the Temporal Web UI", Address: ui.Listener.Addr().String()}))
			_, err := h.Check(context.Background(), activities.Request{With: map[string]any{"url": hop.URL}})
			refusal(t, err)
			assert.Equal(t, int32(1), hop.hits.Load(), "the allowed first hop is reached")
		})
	}
	assert.Zero(t, ui.hits.Load(), "the redirect reached the Web UI")
}

// Attack: a name the allow list lets through resolves to a refused address, at first or
// after a first harmless answer (DNS rebinding). The address is checked as dialled.
func TestStepNameResolvingToRefusedAddressIsRefused(t *testing.T) {
	svc := newTarget(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	port := svc.Listener.Addr().(*net.TCPAddr).Port
	loop := netip.MustParseAddr("127.0.0.1")
	dns := egresstest.NewDNS(t, map[string][]netip.Addr{
		"meta.example.test":   {netip.MustParseAddr("169.254.169.254")},
		"rebind.example.test": {loop},
	})
	cfg := serverConfig()
	cfg.Egress.Allow = []string{"*.example.test", "127.0.0.1"}
	h := activities.NewHTTP(stepPolicy(t, cfg, false, dns.Resolver()))
	ctx := context.Background()
	url := func(host string) string { return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/" }

	_, err := h.Check(ctx, activities.Request{With: map[string]any{"url": url("meta.example.test")}})
	r := refusal(t, err)
	assert.Equal(t, "meta.example.test", r.Host)
	assert.True(t, strings.HasPrefix(r.Addr, "169.254.169.254:"), r.Addr)

	out, err := h.Check(ctx, activities.Request{With: map[string]any{"url": url("rebind.example.test")}})
	require.NoError(t, err, "an allowed name on an allowed address is reached")
	assert.Equal(t, "ok", out["body"])
	h.Client.CloseIdleConnections()
	dns.Set("rebind.example.test", netip.MustParseAddr("169.254.169.254"))
	_, err = h.Check(ctx, activities.Request{With: map[string]any{"url": url("rebind.example.test")}})
	refusal(t, err)
}

// A notify step whose channel is a URL goes through the same policy.
func TestNotifyToARefusedURLIsRefused(t *testing.T) {
	b := &activities.Basic{HTTP: activities.NewHTTP(stepPolicy(t, serverConfig(), false, nil))}
	_, err := b.Notify(context.Background(), activities.Request{With: map[string]any{
		"channel": "http://169.254.169.254/latest/meta-data/", "message": "hello"}})
	refusal(t, err)
}
