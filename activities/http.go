package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bcdr/bcdr/internal/egress"
	"github.com/bcdr/bcdr/runbooks"
)

// maxBody is how much of a response body a step keeps.
const maxBody = 64 << 10

// HTTP carries out the http.check and http.request step kinds.
type HTTP struct {
	Client *http.Client
}

// NewHTTP returns the HTTP actions with a client that has no global timeout (each step
// sets its own) and whose every connection, redirects included, passes the egress policy
// steps (nil: no limit, for tests of the actions themselves).
func NewHTTP(steps *egress.Policy) *HTTP {
	if steps == nil {
		return &HTTP{Client: &http.Client{}}
	}
	return &HTTP{Client: steps.Client()}
}

type checkInput struct {
	URL          string            `json:"url"`
	Method       string            `json:"method"`
	ExpectStatus int               `json:"expect_status"`
	ExpectDown   bool              `json:"expect_down"`
	BodyContains string            `json:"body_contains"`
	Timeout      string            `json:"timeout"`
	Headers      map[string]string `json:"headers"`
}

// Check is http.check: it fails (and so retries, per the step's policy) until the
// endpoint answers as expected.
func (h *HTTP) Check(ctx context.Context, req Request) (Result, error) {
	var in checkInput
	if err := decodeBuiltin(runbooks.KindHTTPCheck, req.With, &in); err != nil {
		return nil, err
	}
	timeout, err := runbooks.ParseDuration(in.Timeout)
	if err != nil {
		return nil, NonRetryable(ErrValidation, fmt.Errorf("http.check %s: timeout: %w", in.URL, err))
	}
	rctx, cancel := context.WithTimeout(ctx, timeout.Std())
	defer cancel()
	start := time.Now()
	status, body, err := h.do(rctx, strings.ToUpper(in.Method), in.URL, nil, in.Headers)
	latency := float64(time.Since(start).Microseconds()) / 1000
	out := Result{"status": status, "latency_ms": latency, "body": body}
	if refused(err) {
		return nil, fmt.Errorf("http.check %s: %w", in.URL, err) // not "down": never reached
	}
	if in.ExpectDown {
		if err != nil || status >= 500 {
			return out, nil
		}
		return nil, fmt.Errorf("http.check %s: expected the endpoint to be down, it answered %d", in.URL, status)
	}
	if err != nil {
		return nil, fmt.Errorf("http.check %s: %w", in.URL, err)
	}
	if status != in.ExpectStatus {
		return nil, fmt.Errorf("http.check %s: status %d, want %d", in.URL, status, in.ExpectStatus)
	}
	if in.BodyContains != "" && !strings.Contains(body, in.BodyContains) {
		return nil, fmt.Errorf("http.check %s: body does not contain %q", in.URL, in.BodyContains)
	}
	return out, nil
}

type requestInput struct {
	URL          string            `json:"url"`
	Method       string            `json:"method"`
	Body         any               `json:"body"`
	Headers      map[string]string `json:"headers"`
	ExpectStatus int               `json:"expect_status"`
}

// Request is http.request: a call that changes something. A 4xx answer is not retried
// (the request is wrong); a 5xx or a network error is.
func (h *HTTP) Request(ctx context.Context, req Request) (Result, error) {
	var in requestInput
	if err := decodeBuiltin(runbooks.KindHTTPRequest, req.With, &in); err != nil {
		return nil, err
	}
	var body []byte
	switch b := in.Body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			return nil, NonRetryable(ErrValidation, fmt.Errorf("http.request %s: body: %w", in.URL, err))
		}
		if in.Headers == nil {
			in.Headers = map[string]string{}
		}
		if _, ok := in.Headers["Content-Type"]; !ok {
			in.Headers["Content-Type"] = "application/json"
		}
	}
	status, respBody, err := h.do(ctx, strings.ToUpper(in.Method), in.URL, body, in.Headers)
	if err != nil {
		return nil, fmt.Errorf("http.request %s: %w", in.URL, err)
	}
	out := Result{"status": status, "body": respBody}
	ok := status >= 200 && status < 300
	if in.ExpectStatus != 0 {
		ok = status == in.ExpectStatus
	}
	switch {
	case ok:
		return out, nil
	case status >= 400 && status < 500 && status != http.StatusTooManyRequests:
		return nil, NonRetryable(ErrFailed, fmt.Errorf("http.request %s %s: status %d: %s", in.Method, in.URL, status, truncate(respBody, 200)))
	default:
		return nil, fmt.Errorf("http.request %s %s: status %d: %s", in.Method, in.URL, status, truncate(respBody, 200))
	}
}

func (h *HTTP) do(ctx context.Context, method, url string, body []byte, headers map[string]string) (int, string, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, "", NonRetryable(ErrValidation, err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		var r *egress.Refused
		if errors.As(err, &r) {
			return 0, "", NonRetryable(ErrAccessDenied, r)
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return 0, "", fmt.Errorf("no answer within the timeout")
		}
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp.StatusCode, string(b), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// refused reports whether err is the egress policy's refusal.
func refused(err error) bool {
	var r *egress.Refused
	return errors.As(err, &r)
}
