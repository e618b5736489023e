package trackers

import (
	"context"
	"encoding/base64"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jiraWorkflow is a Jira Cloud project on loopback whose issue moves To Do -> In
// Progress -> Done, answering as the REST API v3 reference documents.
func jiraWorkflow(t *testing.T) (*fake, *string) {
	status := "To Do"
	category := map[string]string{"To Do": "new", "In Progress": "indeterminate", "Done": "done"}
	ids := map[string]string{"11": "To Do", "21": "In Progress", "31": "Done"}
	var f *fake
	f = newFake(t, func(w http.ResponseWriter, r recorded) {
		switch {
		case r.Method == "POST" && r.Path == "/rest/api/3/issue":
			// developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post: 201.
			answerJSON(w, http.StatusCreated, `{"id":"10000","key":"OPS-24","self":"`+f.srv.URL+`/rest/api/3/issue/10000"}`)
		case r.Method == "POST" && r.Path == "/rest/api/3/issue/OPS-24/remotelink":
			// .../api-group-issue-remote-links/#api-rest-api-3-issue-issueidorkey-remotelink-post: 201.
			answerJSON(w, http.StatusCreated, `{"id":10000,"self":"`+f.srv.URL+`/rest/api/3/issue/OPS-24/remotelink/10000"}`)
		case r.Method == "GET" && r.Path == "/rest/api/3/issue/OPS-24?fields=status":
			answerJSON(w, http.StatusOK, `{"id":"10000","key":"OPS-24","fields":{"status":{"name":"`+status+`","statusCategory":{"id":2,"key":"`+category[status]+`","name":"x"}}}}`)
		case r.Method == "GET" && r.Path == "/rest/api/3/issue/OPS-24/transitions":
			// .../api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-get
			answerJSON(w, http.StatusOK, `{"expand":"transitions","transitions":[
				{"id":"11","name":"Back to do","hasScreen":false,"to":{"name":"To Do","statusCategory":{"key":"new"}}},
				{"id":"21","name":"Start","hasScreen":false,"to":{"name":"In Progress","statusCategory":{"key":"indeterminate"}}},
				{"id":"31","name":"Finish","hasScreen":false,"to":{"name":"Done","statusCategory":{"key":"done"}}}]}`)
		case r.Method == "POST" && r.Path == "/rest/api/3/issue/OPS-24/transitions":
			tr, _ := r.Body["transition"].(map[string]any)
			status = ids[tr["id"].(string)]
			w.WriteHeader(http.StatusNoContent) // documented: 204 Returned if the request is successful.
		default:
			answerJSON(w, http.StatusNotFound, `{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}`)
		}
	})
	return f, &status
}

// TestJiraCreatesLinksAndTransitionsAnIssue: create (POST /rest/api/3/issue with
// project, summary, issue type, labels, an ADF description and the due date), the remote
// link back (globalId bcdr:<item>), then status changes by the transition whose target
// is in the item's status category; a status already right costs no transition. Basic
// authentication with the account's e-mail and API token on every request.
func TestJiraCreatesLinksAndTransitionsAnIssue(t *testing.T) {
	f, status := jiraWorkflow(t)
	j := NewJira(JiraOptions{Name: "jira", Site: f.srv.URL, Project: "OPS", Email: "bcdr@example.com", Token: "atl-secret", Labels: []string{"dr"}})
	ref, err := j.Create(context.Background(), item)
	require.NoError(t, err)
	assert.Equal(t, Ref{Tracker: "jira", Key: "OPS-24", ID: "10000", URL: f.srv.URL + "/browse/OPS-24"}, ref)

	inProgress := item
	inProgress.Status = "in_progress"
	require.NoError(t, j.Update(context.Background(), ref, inProgress))
	assert.Equal(t, "In Progress", *status)
	require.NoError(t, j.Update(context.Background(), ref, inProgress), "already there: no transition")
	verified := item
	verified.Status = "verified"
	require.NoError(t, j.Update(context.Background(), ref, verified))
	assert.Equal(t, "Done", *status)

	got := f.requests()
	var paths []string
	for _, r := range got {
		paths = append(paths, r.Method+" "+r.Path)
		assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("bcdr@example.com:atl-secret")), r.Header.Get("Authorization"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
	}
	assert.Equal(t, []string{
		"POST /rest/api/3/issue", "POST /rest/api/3/issue/OPS-24/remotelink",
		"POST /rest/api/3/issue/OPS-24/remotelink", "GET /rest/api/3/issue/OPS-24?fields=status", "GET /rest/api/3/issue/OPS-24/transitions", "POST /rest/api/3/issue/OPS-24/transitions",
		"POST /rest/api/3/issue/OPS-24/remotelink", "GET /rest/api/3/issue/OPS-24?fields=status",
		"POST /rest/api/3/issue/OPS-24/remotelink", "GET /rest/api/3/issue/OPS-24?fields=status", "GET /rest/api/3/issue/OPS-24/transitions", "POST /rest/api/3/issue/OPS-24/transitions",
	}, paths, "every update sends the link again (one link by its globalId)")
	fields := got[0].Body["fields"].(map[string]any)
	assert.Equal(t, map[string]any{"key": "OPS"}, fields["project"])
	assert.Equal(t, "Replica lag alarm missing", fields["summary"])
	assert.Equal(t, map[string]any{"name": "Task"}, fields["issuetype"])
	assert.Equal(t, []any{"dr", "bcdr"}, fields["labels"])
	assert.Equal(t, "2027-01-02", fields["duedate"])
	desc := fields["description"].(map[string]any)
	assert.Equal(t, "doc", desc["type"])
	assert.EqualValues(t, 1, desc["version"])
	first := desc["content"].([]any)[0].(map[string]any)
	assert.Equal(t, "paragraph", first["type"])
	assert.Equal(t, "The drill found no alarm on replica lag.", first["content"].([]any)[0].(map[string]any)["text"])
	assert.Equal(t, "bcdr:imp-0123456789ab", got[1].Body["globalId"])
	assert.Equal(t, map[string]any{"url": item.Link, "title": "bcdr improvement imp-0123456789ab"}, got[1].Body["object"])
	assert.Equal(t, map[string]any{"transition": map[string]any{"id": "21"}}, got[5].Body)
}

// TestJiraLinkFailedAfterCreateIsMadeByTheNextAttempt: the issue was created but its
// link back failed (503): Create answers the issue's key with the error, so the sync
// records the key and tries again later with Update, which makes the link. Before, the
// next attempt only moved the status and the issue never linked back.
func TestJiraLinkFailedAfterCreateIsMadeByTheNextAttempt(t *testing.T) {
	var linkFails atomic.Bool
	linkFails.Store(true)
	f, _ := jiraWorkflow(t)
	inner := f.answer
	f.answer = func(w http.ResponseWriter, r recorded) {
		if r.Path == "/rest/api/3/issue/OPS-24/remotelink" && linkFails.Swap(false) {
			answerJSON(w, http.StatusServiceUnavailable, `{"errorMessages":["Service unavailable"]}`)
			return
		}
		inner(w, r)
	}
	j := NewJira(JiraOptions{Name: "jira", Site: f.srv.URL, Project: "OPS", Email: "bcdr@example.com", Token: "atl-secret"})
	ref, err := j.Create(context.Background(), item)
	require.Error(t, err)
	assert.Equal(t, "OPS-24", ref.Key, "the issue exists: the sync keeps its key")
	require.NoError(t, j.Update(context.Background(), ref, item))
	var links []recorded
	for _, r := range f.requests() {
		if r.Method+" "+r.Path == "POST /rest/api/3/issue/OPS-24/remotelink" {
			links = append(links, r)
		}
	}
	require.Len(t, links, 2, "the failed link, then the one the update made")
	assert.Equal(t, "bcdr:imp-0123456789ab", links[1].Body["globalId"])
}

// TestJiraFailuresAreClassified: the documented error answers
// (developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes and
// .../platform/rate-limiting): 400 with errorMessages/errors, 401, 403 and 404 are
// permanent and say what Jira said; 429 with Retry-After is a rate limit; a workflow
// with no transition to the wanted category is permanent and names what it offers.
func TestJiraFailuresAreClassified(t *testing.T) {
	for _, c := range []struct {
		name, body string
		status     int
		header     map[string]string
		permanent  bool
		wait       time.Duration
		words      string
	}{
		{name: "bad request", status: 400, body: `{"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue.","issuetype":"Specify an issue type"}}`, permanent: true, words: "400 Bad Request: issuetype: Specify an issue type; summary: You must specify a summary of the issue."},
		{name: "unauthorized", status: 401, body: ``, permanent: true, words: "401 Unauthorized: check the e-mail and API token"},
		{name: "no permission", status: 403, body: `{"errorMessages":["You do not have permission to create issues in this project."],"errors":{}}`, permanent: true, words: "You do not have permission"},
		{name: "no project", status: 404, body: `{"errorMessages":["No project could be found with key 'OPS'."],"errors":{}}`, permanent: true, words: "No project could be found with key 'OPS'."},
		{name: "rate limited", status: 429, header: map[string]string{"Retry-After": "30", "X-RateLimit-Reason": "jira-quota-tenant-based"}, body: ``, wait: 30 * time.Second},
		{name: "unavailable", status: 503, body: `{"errorMessages":["Service unavailable"]}`, words: "503 Service Unavailable: Service unavailable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r recorded) {
				for k, v := range c.header {
					w.Header().Set(k, v)
				}
				answerJSON(w, c.status, c.body)
			})
			j := NewJira(JiraOptions{Name: "jira", Site: f.srv.URL, Project: "OPS", Email: "bcdr@example.com", Token: "atl-secret"})
			_, err := j.Create(context.Background(), item)
			assertFailure(t, err, "atl-secret", c.permanent, c.wait, c.words)
		})
	}

	t.Run("no transition to the category", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			if r.Path == "/rest/api/3/issue/OPS-24?fields=status" {
				answerJSON(w, 200, `{"fields":{"status":{"name":"Blocked","statusCategory":{"key":"indeterminate"}}}}`)
				return
			}
			answerJSON(w, 200, `{"transitions":[{"id":"5","name":"Unblock","to":{"name":"In Progress","statusCategory":{"key":"indeterminate"}}}]}`)
		})
		j := NewJira(JiraOptions{Name: "jira", Site: f.srv.URL, Project: "OPS"})
		done := item
		done.Status = "done"
		err := j.Update(context.Background(), Ref{Key: "OPS-24"}, done)
		assert.True(t, IsPermanent(err))
		assert.ErrorContains(t, err, `move OPS-24 to a "done" status: the project's workflow offers no such transition from Blocked (it offers: In Progress (indeterminate))`)
	})
}
