package activities

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHTTPCheck(t *testing.T) {
	var status atomic.Int32
	status.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "yes", r.Header.Get("X-Probe"))
		w.WriteHeader(int(status.Load()))
		_, _ = io.WriteString(w, "ok standby")
	}))
	defer srv.Close()
	h := NewHTTP(nil)
	ctx := context.Background()
	with := func(extra map[string]any) Request {
		w := map[string]any{"url": srv.URL, "headers": map[string]any{"X-Probe": "yes"}}
		for k, v := range extra {
			w[k] = v
		}
		return Request{With: w}
	}

	out, err := h.Check(ctx, with(map[string]any{"body_contains": "standby"}))
	require.NoError(t, err)
	assert.Equal(t, 200, out["status"])
	assert.Equal(t, "ok standby", out["body"])

	_, err = h.Check(ctx, with(map[string]any{"body_contains": "primary"}))
	assert.ErrorContains(t, err, `body does not contain "primary"`)
	assert.False(t, IsNonRetryable(err), "a failed check is retried per the step's policy")

	status.Store(503)
	_, err = h.Check(ctx, with(nil))
	assert.ErrorContains(t, err, "status 503, want 200")
	out, err = h.Check(ctx, with(map[string]any{"expect_down": true}))
	require.NoError(t, err, "503 counts as down")
	assert.Equal(t, 503, out["status"])

	status.Store(200)
	_, err = h.Check(ctx, with(map[string]any{"expect_down": true}))
	assert.ErrorContains(t, err, "expected the endpoint to be down")

	_, err = h.Check(ctx, Request{With: map[string]any{"url": "http://127.0.0.1:1/healthz", "expect_down": true}})
	assert.NoError(t, err, "no answer counts as down")

	_, err = h.Check(ctx, Request{With: map[string]any{"url": srv.URL, "timeout": "soon"}})
	assert.True(t, IsNonRetryable(err))
	_, err = h.Check(ctx, Request{With: map[string]any{"url": srv.URL, "bogus": 1}})
	assert.True(t, IsNonRetryable(err), "unknown inputs are a validation error")
}

func TestHTTPRequest(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.NoError(t, json.NewDecoder(r.Body).Decode(&got))
		switch got["target"] {
		case "bad":
			http.Error(w, "no such target", http.StatusBadRequest)
		case "flaky":
			http.Error(w, "try later", http.StatusBadGateway)
		default:
			_, _ = io.WriteString(w, `{"active":"standby"}`)
		}
	}))
	defer srv.Close()
	h := NewHTTP(nil)
	ctx := context.Background()
	req := func(target string) Request {
		return Request{With: map[string]any{"url": srv.URL, "body": map[string]any{"target": target}}}
	}

	out, err := h.Request(ctx, req("standby"))
	require.NoError(t, err)
	assert.Equal(t, "standby", got["target"])
	assert.Equal(t, `{"active":"standby"}`, out["body"])

	_, err = h.Request(ctx, req("bad"))
	assert.ErrorContains(t, err, "status 400: no such target")
	assert.True(t, IsNonRetryable(err), "a 4xx is not retried")

	_, err = h.Request(ctx, req("flaky"))
	assert.ErrorContains(t, err, "status 502")
	assert.False(t, IsNonRetryable(err), "a 5xx is retried")
}

func TestNotifyWebhookAndNoop(t *testing.T) {
	var text string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		text = body["text"]
	}))
	defer srv.Close()
	b := &Basic{HTTP: NewHTTP(nil)}
	ctx := context.Background()
	_, err := b.Notify(ctx, Request{With: map[string]any{"channel": srv.URL, "message": "failed over"}})
	require.NoError(t, err)
	assert.Equal(t, "failed over", text)
	_, err = b.Notify(ctx, Request{With: map[string]any{"channel": "incident", "message": "to the log"}})
	assert.NoError(t, err)

	out, err := b.Noop(ctx, Request{With: map[string]any{"sleep": "1ms", "output": map[string]any{"x": 1.0}}})
	require.NoError(t, err)
	assert.Equal(t, Result{"x": 1.0}, out)
	_, err = b.Noop(ctx, Request{With: map[string]any{"fail": "boom"}})
	assert.EqualError(t, err, "boom")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = b.Noop(cctx, Request{With: map[string]any{"sleep": "1h"}})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestBuiltinsCoverEveryActivityKind(t *testing.T) {
	names := map[string]bool{}
	for _, a := range Builtins(nil, nil) {
		names[a.Kind.Name] = true
		require.NotNil(t, a.Fn)
	}
	assert.Equal(t, map[string]bool{"http.check": true, "http.request": true, "notify": true, "noop": true}, names)
}
