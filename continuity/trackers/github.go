package trackers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// GitHub exports items as issues of one repository through the GitHub REST API
// (docs.github.com/en/rest/issues/issues, API version 2022-11-28).
type GitHub struct {
	name   string
	api    string // https://api.github.com, or a GitHub Enterprise Server's /api/v3
	repo   string // owner/name
	token  string
	labels []string
	transport
}

// GitHubOptions configure a GitHub tracker.
type GitHubOptions struct {
	Name string
	// API is the REST API's base URL (default https://api.github.com).
	API  string
	Repo string // owner/name
	// Token is a token with the Issues write permission (read from its reference by the
	// caller; never logged).
	Token  string
	Labels []string
	Client *http.Client
	Now    func() time.Time
}

// NewGitHub returns a GitHub tracker.
func NewGitHub(o GitHubOptions) *GitHub {
	g := &GitHub{name: o.Name, api: strings.TrimSuffix(o.API, "/"), repo: o.Repo, token: o.Token, labels: o.Labels, transport: newTransport(o.Client, o.Now)}
	if g.api == "" {
		g.api = "https://api.github.com"
	}
	return g
}

// Name implements Tracker.
func (g *GitHub) Name() string { return g.name }

// headers are the ones every GitHub REST request should carry: "Accept:
// application/vnd.github+json", "Authorization: Bearer <token>" and
// "X-GitHub-Api-Version: 2022-11-28" (docs.github.com/en/rest/about-the-rest-api/api-versions,
// docs.github.com/en/rest/authentication/authenticating-to-the-rest-api).
func (g *GitHub) headers() http.Header {
	return http.Header{
		"Accept":               {"application/vnd.github+json"},
		"Authorization":        {"Bearer " + g.token},
		"X-Github-Api-Version": {"2022-11-28"},
	}
}

// githubIssue is the part of GitHub's issue object bcdr reads.
type githubIssue struct {
	Number  int    `json:"number"`
	HTMLURL string `json:"html_url"`
	State   string `json:"state"`
}

// Create opens an issue: POST /repos/{owner}/{repo}/issues with title, body and labels;
// GitHub answers 201 Created with the issue (docs.github.com/en/rest/issues/issues#create-an-issue).
// A new issue is open, so an item already closed is closed right after.
func (g *GitHub) Create(ctx context.Context, is Issue) (Ref, error) {
	var out githubIssue
	err := send(ctx, g.client, call{method: http.MethodPost, url: g.api + "/repos/" + g.repo + "/issues", header: g.headers(),
		body: map[string]any{"title": is.Title, "body": githubBody(is), "labels": g.labelsFor(is.Status)}},
		&out, "create issue in "+g.repo, g.classify)
	if err != nil {
		return Ref{}, err
	}
	if out.Number == 0 {
		return Ref{}, fmt.Errorf("create issue in %s: the answer names no issue number", g.repo)
	}
	ref := Ref{Tracker: g.name, Key: g.repo + "#" + strconv.Itoa(out.Number), ID: strconv.Itoa(out.Number), URL: out.HTMLURL}
	if state, _ := githubState(is.Status); state == "closed" {
		return ref, g.Update(ctx, ref, is)
	}
	return ref, nil
}

// Update sets the issue's state, state_reason and labels: PATCH
// /repos/{owner}/{repo}/issues/{issue_number}; state is open or closed, state_reason
// completed, not_planned or reopened; labels replace the issue's labels
// (docs.github.com/en/rest/issues/issues#update-an-issue).
func (g *GitHub) Update(ctx context.Context, ref Ref, is Issue) error {
	state, reason := githubState(is.Status)
	_, number, ok := strings.Cut(ref.Key, "#")
	if _, err := strconv.Atoi(number); !ok || err != nil {
		return &Permanent{fmt.Errorf("update issue %q: not an issue of %s (owner/repo#number)", ref.Key, g.repo)}
	}
	return send(ctx, g.client, call{method: http.MethodPatch, url: g.api + "/repos/" + g.repo + "/issues/" + number, header: g.headers(),
		body: map[string]any{"title": is.Title, "state": state, "state_reason": reason, "labels": g.labelsFor(is.Status)}},
		nil, "update issue "+ref.Key, g.classify)
}

// githubState maps an item's status to an issue's state and state_reason.
func githubState(s Status) (string, string) {
	switch s {
	case "done", "verified":
		return "closed", "completed"
	case "dropped":
		return "closed", "not_planned"
	}
	return "open", "reopened"
}

func (g *GitHub) labelsFor(s Status) []string {
	return append(append([]string{}, g.labels...), "bcdr:"+string(s))
}

func githubBody(is Issue) string {
	var b strings.Builder
	b.WriteString(is.Body)
	fmt.Fprintf(&b, "\n\n---\nbcdr improvement `%s`", is.Item)
	for _, kv := range [][2]string{{"service", is.Service}, {"runbook", is.Runbook}, {"owner", is.Owner}, {"due", is.Due}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " · %s %s", kv[0], kv[1])
		}
	}
	if is.Link != "" {
		fmt.Fprintf(&b, "\n%s", is.Link)
	}
	return b.String()
}

// classify reads GitHub's failures (docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api
// and .../rate-limits-for-the-rest-api): a rate limit is 403 or 429 with Retry-After
// (seconds), or with x-ratelimit-remaining 0 and x-ratelimit-reset (UTC epoch seconds);
// 401 (bad credentials), other 403s, 404, 410 (issues disabled) and 422 (validation
// failed) are permanent; 5xx are retried.
func (g *GitHub) classify(resp *http.Response, raw []byte) error {
	var body struct {
		Message string `json:"message"`
		Errors  []struct {
			Field, Code, Message string
		} `json:"errors"`
	}
	_ = json.Unmarshal(raw, &body)
	words := body.Message
	for _, e := range body.Errors {
		words += fmt.Sprintf("; %s %s %s", e.Field, e.Code, e.Message)
	}
	err := statusError(resp, words)
	if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests {
		if d := retryAfter(resp.Header, g.now()); d > 0 {
			return &RateLimited{RetryAfter: d, Err: err}
		}
		if resp.Header.Get("X-Ratelimit-Remaining") == "0" {
			if reset, perr := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); perr == nil {
				return &RateLimited{RetryAfter: max(time.Unix(reset, 0).Sub(g.now()), time.Second), Err: err}
			}
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			return &RateLimited{RetryAfter: time.Minute, Err: err} // GitHub: wait at least a minute
		}
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return &Permanent{fmt.Errorf("%w: check the token the tracker's token_env or token_file names", err)}
	case http.StatusForbidden, http.StatusNotFound, http.StatusGone, http.StatusUnprocessableEntity, http.StatusBadRequest:
		return &Permanent{err}
	}
	return err
}
