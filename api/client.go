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
	"strconv"
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
	data, _, err := c.send(ctx, method, path, body)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(data, out)
}

// send sends a request and returns the answer's body and header; an error answer is an
// *Error, with the header still returned.
func (c *Client) send(ctx context.Context, method, path string, body any) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("bcdr server: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, resp.Header, err
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(resp.Status + ": " + string(data))
		}
		return nil, resp.Header, e
	}
	return data, resp.Header, nil
}

// The run service (Runs) over the HTTP API.

// Start implements Runs: POST /v1/runs.
func (c *Client) Start(ctx context.Context, req StartRequest) (RunRef, error) {
	var ref RunRef
	return ref, c.Do(ctx, http.MethodPost, "/v1/runs", req, &ref)
}

// Preflight says what a start would meet at the proven-version gate, starting nothing.
func (c *Client) Preflight(ctx context.Context, req StartRequest) (Preflight, error) {
	var p Preflight
	return p, c.Do(ctx, http.MethodPost, "/v1/preflight", req, &p)
}

// Run implements Runs: GET /v1/runs/{id}.
func (c *Client) Run(ctx context.Context, runID string) (workflows.Status, error) {
	var st workflows.Status
	return st, c.Do(ctx, http.MethodGet, "/v1/runs/"+url.PathEscape(runID), nil, &st)
}

// waitEvery is how often Wait asks the server for a run's state.
const waitEvery = 500 * time.Millisecond

// Wait implements Runs: it asks for the run's state until the run has ended.
func (c *Client) Wait(ctx context.Context, runID string) (workflows.Status, error) {
	t := time.NewTicker(waitEvery)
	defer t.Stop()
	for {
		st, err := c.Run(ctx, runID)
		if err != nil || st.State.Done() {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-t.C:
		}
	}
}

// List implements Runs: GET /v1/runs.
func (c *Client) List(ctx context.Context, f RunFilter) ([]RunSummary, error) {
	q := url.Values{}
	for k, v := range map[string]string{"service": f.Service, "runbook": f.Runbook, "mode": f.Mode, "outcome": f.Outcome} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339))
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var out struct {
		Runs []RunSummary `json:"runs"`
	}
	return out.Runs, c.Do(ctx, http.MethodGet, "/v1/runs?"+q.Encode(), nil, &out)
}

// Act implements Runs: POST /v1/runs/{id}/{action} with the action's body. The server
// acts as the identity it authenticated.
func (c *Client) Act(ctx context.Context, runID string, act Action) (ActionResult, error) {
	route, body := act.Name, any(ControlBody{Step: act.Step, Comment: act.Comment, Rollback: act.Rollback})
	switch act.Name {
	case workflows.UpdateApprove, workflows.UpdateDecline, workflows.UpdateComplete:
		body = DecisionBody{Step: act.Step, Comment: act.Comment}
	case "answer":
		route, body = "answers", AnswerBody{Step: act.Step, Answer: act.Comment}
	case workflows.UpdateFinding:
		route, body = "findings", FindingBody{Kind: act.Kind, Text: act.Comment, Owner: act.Owner, Step: act.Step}
	}
	var res ActionResult
	return res, c.Do(ctx, http.MethodPost, "/v1/runs/"+url.PathEscape(runID)+"/"+url.PathEscape(route), body, &res)
}

// Report implements Runs: GET /v1/runs/{id}/report.
func (c *Client) Report(ctx context.Context, runID, format string) (Report, error) {
	data, h, err := c.send(ctx, http.MethodGet, "/v1/runs/"+url.PathEscape(runID)+"/report?format="+url.QueryEscape(format), nil)
	return Report{Data: data, Evidence: h.Get("X-Bcdr-Evidence"), Check: h.Get("X-Bcdr-Evidence-Check")}, err
}

// Schedules implements Runs: GET /v1/schedules.
func (c *Client) Schedules(ctx context.Context) ([]Schedule, error) {
	var out struct {
		Schedules []Schedule `json:"schedules"`
	}
	return out.Schedules, c.Do(ctx, http.MethodGet, "/v1/schedules", nil, &out)
}

// Schedule implements Runs: GET /v1/schedules/{id}.
func (c *Client) Schedule(ctx context.Context, id string) (Schedule, error) {
	var sc Schedule
	return sc, c.Do(ctx, http.MethodGet, "/v1/schedules/"+url.PathEscape(id), nil, &sc)
}

// CreateSchedule implements Runs: POST /v1/schedules.
func (c *Client) CreateSchedule(ctx context.Context, req ScheduleRequest) (Schedule, error) {
	var sc Schedule
	return sc, c.Do(ctx, http.MethodPost, "/v1/schedules", req, &sc)
}

// PauseSchedule implements Runs: POST /v1/schedules/{id}/pause (or unpause).
func (c *Client) PauseSchedule(ctx context.Context, id string, pause bool, note string) (Schedule, error) {
	verb := "/unpause"
	if pause {
		verb = "/pause"
	}
	var sc Schedule
	return sc, c.Do(ctx, http.MethodPost, "/v1/schedules/"+url.PathEscape(id)+verb, NoteBody{Note: note}, &sc)
}

// TriggerSchedule implements Runs: POST /v1/schedules/{id}/trigger.
func (c *Client) TriggerSchedule(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodPost, "/v1/schedules/"+url.PathEscape(id)+"/trigger", nil, nil)
}

// DeleteSchedule implements Runs: DELETE /v1/schedules/{id}.
func (c *Client) DeleteSchedule(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/v1/schedules/"+url.PathEscape(id), nil, nil)
}

// Overdue implements Runs: GET /v1/drills/overdue.
func (c *Client) Overdue(ctx context.Context) (OverdueReport, error) {
	var out OverdueReport
	return out, c.Do(ctx, http.MethodGet, "/v1/drills/overdue", nil, &out)
}

// History implements Runs: GET /v1/history.
func (c *Client) History(ctx context.Context, req HistoryRequest) (RunHistory, error) {
	q := url.Values{"since": {req.Since.UTC().Format(time.RFC3339)}, "runbook": req.Runbooks}
	if req.NoEvidence {
		q.Set("evidence", "false")
	}
	if req.NoEngine {
		q.Set("engine", "false")
	}
	var out RunHistory
	return out, c.Do(ctx, http.MethodGet, "/v1/history?"+q.Encode(), nil, &out)
}
