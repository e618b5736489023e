package trackers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// call is one request to a tracker: method, URL, JSON body (nil: none), headers.
type call struct {
	method, url string
	body        any
	header      http.Header
}

// send makes the call and decodes a 2xx answer into out (nil: ignored). Failures are
// classified by classify; what names the request in errors ("create issue in o/r").
func send(ctx context.Context, client *http.Client, c call, out any, what string, classify func(*http.Response, []byte) error) error {
	var rd io.Reader
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return &Permanent{fmt.Errorf("%s: %w", what, err)}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, c.url, rd)
	if err != nil {
		return &Permanent{fmt.Errorf("%s: %w", what, err)}
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "bcdr")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil && len(bytes.TrimSpace(raw)) > 0 {
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("%s: the answer is not the documented JSON: %w", what, err)
			}
		}
		return nil
	}
	return wrap(what, classify(resp, raw))
}

func wrap(what string, err error) error {
	switch e := err.(type) {
	case *Permanent:
		return &Permanent{fmt.Errorf("%s: %w", what, e.Err)}
	case *RateLimited:
		return &RateLimited{RetryAfter: e.RetryAfter, Err: fmt.Errorf("%s: %w", what, e.Err)}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// statusError is an HTTP answer as an error: the status and the tracker's own words.
func statusError(resp *http.Response, words string) error {
	words = strings.TrimSpace(words)
	if words == "" {
		return fmt.Errorf("%s", resp.Status)
	}
	return fmt.Errorf("%s: %s", resp.Status, words)
}

// transport is how a tracker reaches its service and tells the time.
type transport struct {
	client *http.Client
	now    func() time.Time
}

// newTransport returns a tracker's transport: a nil client is one with a 30-second
// timeout, a nil clock time.Now.
func newTransport(client *http.Client, now func() time.Time) transport {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return transport{client: client, now: now}
}
