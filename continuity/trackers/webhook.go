package trackers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a tracker webhook's signature: "t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<body>" under the shared secret>", the scheme Stripe documents
// (docs.stripe.com/webhooks#verify-manually): the timestamp is signed with the body, so
// a receiver that refuses old timestamps refuses a replayed delivery.
const SignatureHeader = "X-Bcdr-Tracker-Signature"

// DefaultTolerance is the replay window VerifySignature allows by default.
const DefaultTolerance = 5 * time.Minute

// Webhook exports items by posting them, signed, to a URL: {"type":
// "improvement.created"|"improvement.updated", "issue": Issue, "ref": Ref}. A receiver
// may answer a creation with {"key": ..., "url": ...}, the link back; otherwise the key
// is the item's id.
type Webhook struct {
	name, url, secret string
	transport
}

// NewWebhook returns a webhook tracker; secret signs every delivery.
func NewWebhook(name, url, secret string, client *http.Client, now func() time.Time) *Webhook {
	return &Webhook{name: name, url: url, secret: secret, transport: newTransport(client, now)}
}

// Name implements Tracker.
func (w *Webhook) Name() string { return w.name }

// Create implements Tracker.
func (w *Webhook) Create(ctx context.Context, is Issue) (Ref, error) {
	var out struct{ Key, URL string }
	if err := w.post(ctx, "improvement.created", is, Ref{}, &out); err != nil {
		return Ref{}, err
	}
	ref := Ref{Tracker: w.name, Key: out.Key, URL: out.URL}
	if ref.Key == "" {
		ref.Key = is.Item
	}
	return ref, nil
}

// Update implements Tracker.
func (w *Webhook) Update(ctx context.Context, ref Ref, is Issue) error {
	return w.post(ctx, "improvement.updated", is, ref, nil)
}

func (w *Webhook) post(ctx context.Context, typ string, is Issue, ref Ref, out any) error {
	body, err := json.Marshal(map[string]any{"type": typ, "issue": is, "ref": ref})
	if err != nil {
		return &Permanent{err}
	}
	h := http.Header{}
	h.Set(SignatureHeader, Signature(w.secret, w.now(), body))
	h.Set("X-Bcdr-Event", typ)
	return send(ctx, w.client, call{method: http.MethodPost, url: w.url, header: h, body: json.RawMessage(body)}, out, typ+" "+is.Item, w.classify)
}

// classify: 429 and 503 with Retry-After say when to come back; other 4xx are
// permanent (the receiver refused the delivery); 5xx are retried.
func (w *Webhook) classify(resp *http.Response, raw []byte) error {
	err := statusError(resp, string(raw[:min(len(raw), 200)]))
	if d := retryAfter(resp.Header, w.now()); d > 0 && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		return &RateLimited{RetryAfter: d, Err: err}
	}
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout {
		return &Permanent{err}
	}
	return err
}

// Signature is the SignatureHeader value of body sent at t.
func Signature(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks a delivery as a receiver should: a v1 signature of the
// timestamp and body under secret, and a timestamp within tolerance of now (0:
// DefaultTolerance), so that a captured delivery cannot be replayed later.
func VerifySignature(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("signature header is not t=<unix seconds>,v1=<hex>")
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		ok = ok || hmac.Equal(s, want)
	}
	if !ok {
		return errors.New("signature does not match the body")
	}
	if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("signature timestamp is %s from now, outside the %s window: a replay, or a clock off", age.Round(time.Second), tolerance)
	}
	return nil
}
