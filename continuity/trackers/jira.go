package trackers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Jira exports items as issues of one Jira Cloud project through the REST API v3
// (developer.atlassian.com/cloud/jira/platform/rest/v3).
type Jira struct {
	name, site, project, issueType string
	email, token                   string
	labels                         []string
	transport
}

// JiraOptions configure a Jira tracker.
type JiraOptions struct {
	Name string
	// Site is the Jira Cloud site, https://your-domain.atlassian.net.
	Site      string
	Project   string // project key, e.g. OPS
	IssueType string // default Task
	// Email and Token are the account's address and API token, for basic authentication
	// (developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis); read from
	// their references by the caller, never logged.
	Email, Token string
	Labels       []string
	Client       *http.Client
	Now          func() time.Time
}

// NewJira returns a Jira tracker.
func NewJira(o JiraOptions) *Jira {
	j := &Jira{name: o.Name, site: strings.TrimSuffix(o.Site, "/"), project: o.Project, issueType: o.IssueType,
		email: o.Email, token: o.Token, labels: o.Labels, transport: newTransport(o.Client, o.Now)}
	if j.issueType == "" {
		j.issueType = "Task"
	}
	return j
}

// Name implements Tracker.
func (j *Jira) Name() string { return j.name }

func (j *Jira) headers() http.Header {
	auth := base64.StdEncoding.EncodeToString([]byte(j.email + ":" + j.token))
	return http.Header{"Accept": {"application/json"}, "Authorization": {"Basic " + auth}}
}

// Create creates the issue, links it back to bcdr, and moves it to the item's status:
//   - POST /rest/api/3/issue with fields project.key, summary, issuetype.name, labels
//     and description in Atlassian Document Format; 201 answers id, key and self
//     (developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post);
//   - POST /rest/api/3/issue/{key}/remotelink with a globalId (bcdr:<item>), so that
//     repeating it updates the one link, and object.url/title
//     (.../api-group-issue-remote-links/#api-rest-api-3-issue-issueidorkey-remotelink-post).
func (j *Jira) Create(ctx context.Context, is Issue) (Ref, error) {
	var out struct{ ID, Key, Self string }
	fields := map[string]any{
		"project": map[string]any{"key": j.project}, "summary": is.Title, "issuetype": map[string]any{"name": j.issueType},
		"labels": append(append([]string{}, j.labels...), "bcdr"), "description": adf(githubBody(Issue{Item: is.Item, Body: is.Body, Service: is.Service, Runbook: is.Runbook, Owner: is.Owner, Due: is.Due})),
	}
	if is.Due != "" {
		fields["duedate"] = is.Due
	}
	err := send(ctx, j.client, call{method: http.MethodPost, url: j.site + "/rest/api/3/issue", header: j.headers(), body: map[string]any{"fields": fields}},
		&out, "create issue in Jira project "+j.project, j.classify)
	if err != nil {
		return Ref{}, err
	}
	if out.Key == "" {
		return Ref{}, fmt.Errorf("create issue in Jira project %s: the answer names no issue key", j.project)
	}
	ref := Ref{Tracker: j.name, Key: out.Key, ID: out.ID, URL: j.site + "/browse/" + out.Key}
	if jiraCategory(is.Status) != "new" {
		return ref, j.Update(ctx, ref, is) // links back too
	}
	return ref, j.linkBack(ctx, ref.Key, is)
}

// linkBack sets the issue's remote link to the item's page. Its globalId makes it one
// link however often it is sent, so every update sends it again: a link that failed
// after the issue was created is made by the next attempt, and a moved bcdr address
// reaches the issue.
func (j *Jira) linkBack(ctx context.Context, key string, is Issue) error {
	if is.Link == "" {
		return nil
	}
	return send(ctx, j.client, call{method: http.MethodPost, url: j.site + "/rest/api/3/issue/" + url.PathEscape(key) + "/remotelink", header: j.headers(),
		body: map[string]any{"globalId": "bcdr:" + is.Item, "object": map[string]any{"url": is.Link, "title": "bcdr improvement " + is.Item}}},
		nil, "link "+key+" back to bcdr", j.classify)
}

// jiraStatus is a status as the issue and transition answers state it: its name and its
// category's key (new, indeterminate, done).
type jiraStatus struct {
	Name           string `json:"name"`
	StatusCategory struct {
		Key string `json:"key"`
	} `json:"statusCategory"`
}

// Update links the issue back (linkBack) and moves it to a status of the item's status category (new, indeterminate,
// done), whatever the project's workflow calls it: GET /rest/api/3/issue/{key}?fields=status
// reads the current one; when it is of another category, GET
// /rest/api/3/issue/{key}/transitions lists the transitions available, each with
// to.statusCategory.key, and POST to the same path with transition.id performs one,
// answered 204 (.../api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-get
// and -post). A workflow with no such transition from the current status is a
// permanent failure that names the statuses it offers.
func (j *Jira) Update(ctx context.Context, ref Ref, is Issue) error {
	if err := j.linkBack(ctx, ref.Key, is); err != nil {
		return err
	}
	want := jiraCategory(is.Status)
	base := j.site + "/rest/api/3/issue/" + url.PathEscape(ref.Key)
	var cur struct {
		Fields struct {
			Status jiraStatus `json:"status"`
		} `json:"fields"`
	}
	if err := send(ctx, j.client, call{method: http.MethodGet, url: base + "?fields=status", header: j.headers()}, &cur, "read "+ref.Key, j.classify); err != nil {
		return err
	}
	if cur.Fields.Status.StatusCategory.Key == want {
		return nil
	}
	var list struct {
		Transitions []struct {
			ID   string     `json:"id"`
			Name string     `json:"name"`
			To   jiraStatus `json:"to"`
		} `json:"transitions"`
	}
	if err := send(ctx, j.client, call{method: http.MethodGet, url: base + "/transitions", header: j.headers()}, &list, "list transitions of "+ref.Key, j.classify); err != nil {
		return err
	}
	var offered []string
	for _, tr := range list.Transitions {
		if tr.To.StatusCategory.Key == want {
			return send(ctx, j.client, call{method: http.MethodPost, url: base + "/transitions", header: j.headers(),
				body: map[string]any{"transition": map[string]any{"id": tr.ID}}}, nil, "move "+ref.Key+" to "+tr.To.Name, j.classify)
		}
		offered = append(offered, tr.To.Name+" ("+tr.To.StatusCategory.Key+")")
	}
	return &Permanent{fmt.Errorf("move %s to a %q status: the project's workflow offers no such transition from %s (it offers: %s)",
		ref.Key, want, cur.Fields.Status.Name, strings.Join(offered, ", "))}
}

// jiraCategory is the Jira status category of an item's status.
func jiraCategory(s Status) string {
	switch s {
	case "in_progress":
		return "indeterminate"
	case "done", "verified", "dropped":
		return "done"
	}
	return "new"
}

// adf is plain text as an Atlassian Document Format document: one paragraph per line
// (developer.atlassian.com/cloud/jira/platform/apis/document/structure).
func adf(text string) map[string]any {
	var content []any
	for _, line := range strings.Split(text, "\n") {
		p := map[string]any{"type": "paragraph"}
		if line != "" {
			p["content"] = []any{map[string]any{"type": "text", "text": line}}
		}
		content = append(content, p)
	}
	return map[string]any{"type": "doc", "version": 1, "content": content}
}

// classify reads Jira's failures: an error body is {"errorMessages": [...], "errors":
// {field: message}} (.../rest/v3/intro/#status-codes); 400, 401, 403 and 404 are
// permanent; 429 is a rate limit with Retry-After in seconds
// (developer.atlassian.com/cloud/jira/platform/rate-limiting); 5xx are retried.
func (j *Jira) classify(resp *http.Response, raw []byte) error {
	var body struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	_ = json.Unmarshal(raw, &body)
	words := strings.Join(body.ErrorMessages, "; ")
	for _, k := range slices.Sorted(maps.Keys(body.Errors)) {
		if words != "" {
			words += "; "
		}
		words += k + ": " + body.Errors[k]
	}
	err := statusError(resp, words)
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		d := retryAfter(resp.Header, j.now())
		if d <= 0 {
			d = time.Minute
		}
		return &RateLimited{RetryAfter: d, Err: err}
	case http.StatusUnauthorized:
		return &Permanent{fmt.Errorf("%w: check the e-mail and API token the tracker's references name", err)}
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound:
		return &Permanent{err}
	}
	return err
}
