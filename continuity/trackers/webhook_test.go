package trackers

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWebhookDeliveriesAreSignedAndNotReplayable: a receiver verifying with
// VerifySignature accepts bcdr's deliveries; the same delivery replayed six minutes later,
// a body edited in flight and a delivery signed with another secret are refused.
func TestWebhookDeliveriesAreSignedAndNotReplayable(t *testing.T) {
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	type delivery struct {
		header string
		body   []byte
	}
	var got []delivery
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := VerifySignature("whsec", r.Header.Get(SignatureHeader), body, now, 0); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		got = append(got, delivery{r.Header.Get(SignatureHeader), body})
		if r.Header.Get("X-Bcdr-Event") == "improvement.created" {
			answerJSON(w, http.StatusCreated, `{"key":"CHG-9","url":"https://tracker.example.com/CHG-9"}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	wh := NewWebhook("hook", srv.URL, "whsec", nil, func() time.Time { return now })
	ref, err := wh.Create(context.Background(), item)
	require.NoError(t, err)
	assert.Equal(t, Ref{Tracker: "hook", Key: "CHG-9", URL: "https://tracker.example.com/CHG-9"}, ref)
	done := item
	done.Status = "done"
	require.NoError(t, wh.Update(context.Background(), ref, done))
	require.Len(t, got, 2)
	assert.Contains(t, string(got[0].body), `"type":"improvement.created"`)
	assert.Contains(t, string(got[1].body), `"status":"done"`)
	assert.Contains(t, string(got[1].body), `"key":"CHG-9"`)

	d := got[0]
	assert.NoError(t, VerifySignature("whsec", d.header, d.body, now.Add(4*time.Minute), 0))
	assert.ErrorContains(t, VerifySignature("whsec", d.header, d.body, now.Add(6*time.Minute), 0), "outside the 5m0s window")
	assert.ErrorContains(t, VerifySignature("whsec", d.header, bytes.Replace(d.body, []byte("open"), []byte("done"), 1), now, 0), "does not match")
	assert.ErrorContains(t, VerifySignature("other", d.header, d.body, now, 0), "does not match")
	assert.ErrorContains(t, VerifySignature("whsec", strings.Replace(d.header, "t=", "t=1", 1), d.body, now, 0), "does not match", "a timestamp moved is a signature broken")
	assert.Error(t, VerifySignature("whsec", "sha256=abc", d.body, now, 0))

	forged := NewWebhook("hook", srv.URL, "not-the-secret", nil, func() time.Time { return now })
	_, err = forged.Create(context.Background(), item)
	assert.True(t, IsPermanent(err), "401 from the receiver: %v", err)
}

// TestWebhookRateLimitIsHonoured: 429 or 503 with Retry-After is a rate limit; 400 is
// permanent; a 500 is retried.
func TestWebhookRateLimitIsHonoured(t *testing.T) {
	for _, c := range []struct {
		status    int
		retry     string
		wait      time.Duration
		permanent bool
	}{{429, "12", 12 * time.Second, false}, {503, "3", 3 * time.Second, false}, {400, "", 0, true}, {500, "", 0, false}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c.retry != "" {
				w.Header().Set("Retry-After", c.retry)
			}
			http.Error(w, "no", c.status)
		}))
		_, err := NewWebhook("hook", srv.URL, "secret-not-sent", nil, nil).Create(context.Background(), item)
		srv.Close()
		assertFailure(t, err, "secret-not-sent", c.permanent, c.wait, strconv.Itoa(c.status))
	}
}
