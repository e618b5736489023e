package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/bcdr/bcdr/workflows"
)

// Client calls a bcdr API server: the CLI's way in when server.url is configured.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// NewClient returns a client of the server at base ("http://127.0.0.1:8080") that
// authenticates with token.
func NewClient(base, token string) *Client {
	return &Client{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: time.Minute}}
}

// InProcess returns a client that calls h in this process (no network), for the CLI
// when it talks to Temporal directly.
func InProcess(h http.Handler) *Client {
	return &Client{base: "http://bcdr.local", http: &http.Client{Transport: handlerTransport{h}}}
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// Do sends a request with a JSON body (nil for none) and decodes a JSON answer into out
// (nil to drop it). An error answer is returned as an *Error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("bcdr server: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(resp.Status + ": " + string(data))
		}
		return e
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// StartRun starts a run.
func (c *Client) StartRun(ctx context.Context, req StartRequest) (RunRef, error) {
	var ref RunRef
	return ref, c.Do(ctx, http.MethodPost, "/v1/runs", req, &ref)
}

// Run returns a run's live state or record.
func (c *Client) Run(ctx context.Context, runID string) (workflows.Status, error) {
	var st workflows.Status
	return st, c.Do(ctx, http.MethodGet, "/v1/runs/"+url.PathEscape(runID), nil, &st)
}

// Act sends a decision (approve, decline, complete), an answer or a control (pause,
// resume, skip, retry, cancel) to a run.
func (c *Client) Act(ctx context.Context, runID, action string, body any) (ActionResult, error) {
	var res ActionResult
	return res, c.Do(ctx, http.MethodPost, "/v1/runs/"+url.PathEscape(runID)+"/"+action, body, &res)
}

// Schedules lists the schedules.
func (c *Client) Schedules(ctx context.Context) ([]Schedule, error) {
	var out struct {
		Schedules []Schedule `json:"schedules"`
	}
	return out.Schedules, c.Do(ctx, http.MethodGet, "/v1/schedules", nil, &out)
}

// OverdueReport is the drill cadence report: the services, and the sources of it that
// could not be read (the report is then built from the others).
type OverdueReport struct {
	Services []Overdue `json:"services"`
	Problems []string  `json:"problems,omitempty"`
}

// Overdue returns the drill cadence report.
func (c *Client) Overdue(ctx context.Context) (OverdueReport, error) {
	var out OverdueReport
	err := c.Do(ctx, http.MethodGet, "/v1/drills/overdue", nil, &out)
	return out, err
}
