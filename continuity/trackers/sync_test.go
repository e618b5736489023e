package trackers

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/continuity/improvements"
)

// plan is an improvement plan kept as its events, as the evidence store keeps it.
type plan struct {
	t      *testing.T
	events []improvements.Event
}

func (p *plan) open(run, service, text string, at time.Time) {
	p.events = append(p.events, improvements.Opening(improvements.Source{Run: run, Runbook: "db-failover", Service: service, Mode: "drill",
		Kind: "action", Text: text, By: "ic", At: at, RunEnded: at}))
}

func (p *plan) items() []improvements.Item {
	return improvements.Build(p.events, nil, func(string) time.Duration { return 30 * 24 * time.Hour })
}

func (p *plan) item(text string) improvements.Item {
	for _, it := range p.items() {
		if it.Title == text {
			return it
		}
	}
	p.t.Fatalf("no item %q", text)
	return improvements.Item{}
}

func (p *plan) set(text string, s improvements.Status, at time.Time) {
	it := p.item(text)
	e, err := it.Update("sre", at, improvements.Change{Status: &s})
	require.NoError(p.t, err)
	p.events = append(p.events, e)
}

// TestExportSurvivesFailuresAndRateLimits: against GitHub on loopback, an item is
// created when it appears, its link kept on the item, its status carried over when it
// changes. A 502 leaves the item as it was with export status "failed" and the reason,
// retried after the backoff (not before); a 429 with Retry-After stops every call to the
// tracker until then. Items of another service, and an item closed before it was ever
// exported, are not sent.
func TestExportSurvivesFailuresAndRateLimits(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	p := &plan{t: t}
	p.open("drill-1", "payments", "add a replica lag alarm", t0)
	p.open("drill-1", "search", "not ours", t0)
	p.open("drill-2", "payments", "old and dropped", t0)
	p.events = append(p.events, func() improvements.Event {
		s := improvements.Dropped
		old := p.item("old and dropped")
		e, err := old.Update("sre", t0, improvements.Change{Status: &s, Reason: "superseded"})
		require.NoError(t, err)
		return e
	}())

	answers := []func(w http.ResponseWriter){}
	f := newFake(t, func(w http.ResponseWriter, r recorded) {
		a := answers[0]
		answers = answers[1:]
		a(w)
	})
	created := func(w http.ResponseWriter) {
		answerJSON(w, 201, `{"number":7,"html_url":"https://github.com/acme/dr/issues/7","state":"open"}`)
	}
	updated := func(w http.ResponseWriter) { answerJSON(w, 200, `{"number":7,"state":"closed"}`) }
	badGateway := func(w http.ResponseWriter) { answerJSON(w, 502, `{"message":"Server Error"}`) }
	limited := func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "120")
		answerJSON(w, 429, `{"message":"API rate limit exceeded"}`)
	}
	x := &Exporter{Tracker: NewGitHub(GitHubOptions{Name: "gh", API: f.srv.URL, Repo: "acme/dr", Token: "t"}), Services: []string{"payments"},
		Link: func(id string) string { return "https://bcdr.example.com/ui/#/improvements/" + id }}
	pass := func(at time.Time) []improvements.Event {
		var evs []improvements.Event
		x.Sync(context.Background(), p.items(), at, func(e improvements.Event) error {
			evs = append(evs, e)
			p.events = append(p.events, e)
			return nil
		})
		return evs
	}
	const mine = "add a replica lag alarm"

	answers = append(answers, badGateway)
	require.Len(t, pass(t0.Add(time.Minute)), 2, "the claim, then the failure")
	it := p.item(mine)
	require.NotNil(t, it.Export("gh"))
	assert.Equal(t, "failed", it.Export("gh").State(it.Status))
	assert.Contains(t, it.Export("gh").Error, "create issue in acme/dr: 502 Bad Gateway")
	assert.Equal(t, improvements.Open, it.Status, "the item is untouched")

	assert.Empty(t, pass(t0.Add(time.Minute+10*time.Second)), "not before the backoff")
	assert.Len(t, f.requests(), 1)

	answers = append(answers, created)
	require.Len(t, pass(t0.Add(2*time.Minute)), 2)
	it = p.item(mine)
	assert.Equal(t, improvements.Export{Tracker: "gh", Key: "acme/dr#7", URL: "https://github.com/acme/dr/issues/7", Status: improvements.Open, At: t0.Add(2 * time.Minute)}, *it.Export("gh"))
	assert.Equal(t, "exported", it.Export("gh").State(it.Status))
	assert.Empty(t, pass(t0.Add(3*time.Minute)), "nothing changed, nothing sent")

	p.set(mine, improvements.Done, t0.Add(4*time.Minute))
	answers = append(answers, limited)
	require.Len(t, pass(t0.Add(5*time.Minute)), 1)
	it = p.item(mine)
	assert.Equal(t, "failed", it.Export("gh").State(it.Status))
	assert.Equal(t, "https://github.com/acme/dr/issues/7", it.Export("gh").URL, "a failure keeps the link")
	assert.Empty(t, pass(t0.Add(6*time.Minute)), "the tracker said two minutes")

	answers = append(answers, updated)
	require.Len(t, pass(t0.Add(7*time.Minute+time.Second)), 1)
	it = p.item(mine)
	assert.Equal(t, "exported", it.Export("gh").State(it.Status))
	assert.Equal(t, improvements.Done, it.Export("gh").Status)

	var paths []string
	for _, r := range f.requests() {
		paths = append(paths, r.Method+" "+r.Path)
	}
	assert.Equal(t, []string{"POST /repos/acme/dr/issues", "POST /repos/acme/dr/issues", "PATCH /repos/acme/dr/issues/7", "PATCH /repos/acme/dr/issues/7"}, paths,
		"only our service's open item; never the other service's, never the dropped one")
	assert.Contains(t, f.requests()[1].Body["body"], "https://bcdr.example.com/ui/#/improvements/"+it.ID)
	assert.Equal(t, "closed", f.requests()[3].Body["state"])
}

// TestTwoServersCreateOneIssue: two exporters read the plan at once; the store refuses
// the second event of one number (as evidence.AppendImprovement does), so the second
// exporter's claim fails and only one issue is created. A claim whose exporter died is
// taken over after ClaimFor.
func TestTwoServersCreateOneIssue(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	p := &plan{t: t}
	p.open("drill-1", "payments", "add a replica lag alarm", t0)
	record := func(e improvements.Event) error {
		for _, old := range p.events {
			if old.Item == e.Item && old.N == e.N {
				return errors.New("changed meanwhile")
			}
		}
		p.events = append(p.events, e)
		return nil
	}
	f := newFake(t, func(w http.ResponseWriter, r recorded) {
		answerJSON(w, 201, `{"number":7,"html_url":"https://github.com/acme/dr/issues/7"}`)
	})
	gh := func() *Exporter {
		return &Exporter{Tracker: NewGitHub(GitHubOptions{Name: "gh", API: f.srv.URL, Repo: "acme/dr", Token: "t"})}
	}
	a, b := gh(), gh()
	snapshot := p.items()
	a.Sync(context.Background(), snapshot, t0, record)
	b.Sync(context.Background(), improvements.Build(p.events[:1], nil, nil), t0, record) // read before a wrote
	b.Sync(context.Background(), p.items(), t0.Add(time.Minute), record)
	assert.Len(t, f.requests(), 1, "one issue")
	done := p.item("add a replica lag alarm")
	assert.Equal(t, "acme/dr#7", done.Export("gh").Key)

	// A claim left by an exporter that died before the outcome.
	q := &plan{t: t}
	q.open("drill-2", "payments", "orphaned claim", t0)
	it := q.item("orphaned claim")
	q.events = append(q.events, it.ExportEvent(improvements.Export{Tracker: "gh", Creating: true, At: t0}))
	c := gh()
	rec := func(e improvements.Event) error { q.events = append(q.events, e); return nil }
	c.Sync(context.Background(), q.items(), t0.Add(ClaimFor-time.Second), rec)
	assert.Len(t, f.requests(), 1, "the claim still holds")
	c.Sync(context.Background(), q.items(), t0.Add(ClaimFor), rec)
	assert.Len(t, f.requests(), 2, "taken over")
	taken := q.item("orphaned claim")
	assert.Equal(t, "exported", taken.Export("gh").State(improvements.Open))
}
