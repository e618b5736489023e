package trackers

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorded is a request a fake tracker received.
type recorded struct {
	Method, Path string
	Header       http.Header
	Body         map[string]any
}

// fake is a tracker's API on loopback: answer decides each answer.
type fake struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []recorded
	answer func(w http.ResponseWriter, r recorded)
}

func newFake(t *testing.T, answer func(w http.ResponseWriter, r recorded)) *fake {
	f := &fake{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone()}
		_ = json.Unmarshal(raw, &rec.Body)
		f.mu.Lock()
		f.got = append(f.got, rec)
		f.mu.Unlock()
		f.answer(w, rec)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.got...)
}

// assertFailure checks a failure's class: permanent or not, a rate limit with its wait
// (wait > 0), the tracker's words (else); and that the credential is not in it.
func assertFailure(t *testing.T, err error, credential string, permanent bool, wait time.Duration, words string) {
	t.Helper()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), credential)
	assert.Equal(t, permanent, IsPermanent(err), err.Error())
	var rl *RateLimited
	if wait > 0 {
		require.ErrorAs(t, err, &rl)
		assert.Equal(t, wait, rl.RetryAfter)
		return
	}
	assert.NotErrorAs(t, err, &rl)
	assert.Contains(t, err.Error(), words)
}

func answerJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

var item = Issue{Item: "imp-0123456789ab", Title: "Replica lag alarm missing", Body: "The drill found no alarm on replica lag.",
	Status: "open", Owner: "carol", Service: "payments", Runbook: "db-failover", Due: "2027-01-02", Link: "https://bcdr.example.com/ui/#/improvements/imp-0123456789ab"}

// TestGitHubCreatesAndClosesAnIssue: the requests are the documented ones
// (docs.github.com/en/rest/issues/issues#create-an-issue and #update-an-issue): POST
// /repos/{owner}/{repo}/issues with title, body and labels, then PATCH
// /repos/{owner}/{repo}/issues/{number} with state and state_reason, each with the
// Accept, Authorization and X-GitHub-Api-Version headers; the 201 answer's number and
// html_url become the link back.
func TestGitHubCreatesAndClosesAnIssue(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r recorded) {
		switch {
		case r.Method == "POST" && r.Path == "/repos/acme/dr/issues":
			// The documented 201 answer, abridged.
			answerJSON(w, http.StatusCreated, `{"id":1,"node_id":"MDU6SXNzdWUx","url":"https://api.github.com/repos/acme/dr/issues/1347",
				"html_url":"https://github.com/acme/dr/issues/1347","number":1347,"state":"open","title":"Replica lag alarm missing",
				"labels":[{"name":"bcdr"}],"state_reason":null}`)
		case r.Method == "PATCH" && r.Path == "/repos/acme/dr/issues/1347":
			answerJSON(w, http.StatusOK, `{"id":1,"number":1347,"html_url":"https://github.com/acme/dr/issues/1347","state":"closed","state_reason":"completed"}`)
		default:
			answerJSON(w, http.StatusNotFound, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`)
		}
	})
	g := NewGitHub(GitHubOptions{Name: "gh", API: f.srv.URL, Repo: "acme/dr", Token: "ghp_secret", Labels: []string{"bcdr"}})
	ref, err := g.Create(context.Background(), item)
	require.NoError(t, err)
	assert.Equal(t, Ref{Tracker: "gh", Key: "acme/dr#1347", ID: "1347", URL: "https://github.com/acme/dr/issues/1347"}, ref)

	done := item
	done.Status = "done"
	require.NoError(t, g.Update(context.Background(), ref, done))
	dropped := item
	dropped.Status = "dropped"
	require.NoError(t, g.Update(context.Background(), ref, dropped))

	got := f.requests()
	require.Len(t, got, 3)
	for _, r := range got {
		assert.Equal(t, "application/vnd.github+json", r.Header.Get("Accept"))
		assert.Equal(t, "Bearer ghp_secret", r.Header.Get("Authorization"))
		assert.Equal(t, "2022-11-28", r.Header.Get("X-GitHub-Api-Version"))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	}
	assert.Equal(t, "Replica lag alarm missing", got[0].Body["title"])
	assert.Equal(t, []any{"bcdr", "bcdr:open"}, got[0].Body["labels"])
	assert.Contains(t, got[0].Body["body"], "The drill found no alarm on replica lag.")
	assert.Contains(t, got[0].Body["body"], "bcdr improvement `imp-0123456789ab` · service payments · runbook db-failover · owner carol · due 2027-01-02")
	assert.Contains(t, got[0].Body["body"], item.Link)
	assert.Equal(t, "closed", got[1].Body["state"])
	assert.Equal(t, "completed", got[1].Body["state_reason"])
	assert.Equal(t, []any{"bcdr", "bcdr:done"}, got[1].Body["labels"])
	assert.Equal(t, "not_planned", got[2].Body["state_reason"])
}

// TestGitHubFailuresAreClassified: the documented error answers
// (docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api,
// .../rate-limits-for-the-rest-api): 401 Bad credentials, 404, 410 (issues disabled)
// and 422 Validation Failed are permanent; 403 or 429 with Retry-After, or with
// x-ratelimit-remaining 0 and x-ratelimit-reset, are rate limits that say when to come
// back; a 502 is retried. The token is in no error.
func TestGitHubFailuresAreClassified(t *testing.T) {
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		permanent bool
		wait      time.Duration
		words     string
	}{
		{name: "bad credentials", status: 401, body: `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`, permanent: true, words: "401 Unauthorized: Bad credentials: check the token"},
		{name: "no such repository", status: 404, body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/issues/issues#create-an-issue","status":"404"}`, permanent: true, words: "404 Not Found: Not Found"},
		{name: "issues disabled", status: 410, body: `{"message":"Issues are disabled for this repo","documentation_url":"https://docs.github.com/v3/issues/","status":"410"}`, permanent: true, words: "Issues are disabled"},
		{name: "validation failed", status: 422, body: `{"message":"Validation Failed","errors":[{"resource":"Issue","code":"missing_field","field":"title"}],"documentation_url":"https://docs.github.com/rest/issues/issues#create-an-issue","status":"422"}`, permanent: true, words: "Validation Failed; title missing_field"},
		{name: "secondary rate limit", status: 403, header: map[string]string{"Retry-After": "60"}, body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`, wait: time.Minute},
		{name: "primary rate limit", status: 403, header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(now.Add(42*time.Minute).Unix(), 10)}, body: `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit","status":"403"}`, wait: 42 * time.Minute},
		{name: "too many requests", status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"message":"API rate limit exceeded"}`, wait: 7 * time.Second},
		{name: "forbidden", status: 403, body: `{"message":"Resource not accessible by personal access token","status":"403"}`, permanent: true, words: "Resource not accessible"},
		{name: "bad gateway", status: 502, body: `{"message":"Server Error"}`, words: "502 Bad Gateway"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r recorded) {
				for k, v := range c.header {
					w.Header().Set(k, v)
				}
				answerJSON(w, c.status, c.body)
			})
			g := NewGitHub(GitHubOptions{Name: "gh", API: f.srv.URL, Repo: "acme/dr", Token: "ghp_secret", Now: func() time.Time { return now }})
			_, err := g.Create(context.Background(), item)
			assertFailure(t, err, "ghp_secret", c.permanent, c.wait, c.words)
			assert.True(t, strings.HasPrefix(err.Error(), "create issue in acme/dr: "), err.Error())
		})
	}
}
