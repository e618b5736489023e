package improvements

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
)

var t0 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func tabletopAction() Source {
	return Source{Run: "tt-1", Runbook: "db-failover", Service: "payments", Mode: "tabletop", Kind: "action",
		Text: "script the DNS switch", Owner: "sre", By: "ciso", At: t0, RunEnded: t0.Add(time.Hour)}
}

func drill(id string, ended time.Time, ok bool, service string) runbooks.Drill {
	return runbooks.Drill{RunID: id, Runbook: "db-failover", EndedAt: ended, Succeeded: ok,
		Proof: runbooks.Proof{Service: service, Digest: "sha256:1", Authorized: []string{service}}}
}

func thirtyDays(string) time.Duration { return 30 * 24 * time.Hour }

// update applies a change the rules accept and returns the events so far.
func update(t *testing.T, events []Event, by string, at time.Time, c Change) []Event {
	t.Helper()
	items := Build(events, nil, thirtyDays)
	require.Len(t, items, 1)
	e, err := items[0].Update(by, at, c)
	require.NoError(t, err)
	return append(events, e)
}

func status(s Status) *Status { return &s }

func TestItemIDIsStablePerFinding(t *testing.T) {
	s := tabletopAction()
	assert.Equal(t, ItemID(s), ItemID(s))
	assert.Equal(t, ItemID(s), Opening(s).Item)
	other := s
	other.Run = "tt-2"
	assert.NotEqual(t, ItemID(s), ItemID(other), "the same text in another run is another item")
	assert.Regexp(t, `^imp-[0-9a-f]{12}$`, ItemID(s))
}

func TestOpenedItemTakesTheTierDefaultDueDate(t *testing.T) {
	items := Build([]Event{Opening(tabletopAction())}, nil, thirtyDays)
	require.Len(t, items, 1)
	it := items[0]
	assert.Equal(t, Open, it.Status)
	assert.Equal(t, "sre", it.Owner)
	assert.Equal(t, "script the DNS switch", it.Title)
	assert.Equal(t, t0.Add(time.Hour+30*24*time.Hour), it.Due)
	assert.True(t, it.DueDefault)
	assert.False(t, it.Overdue(t0.Add(29*24*time.Hour)))
	assert.True(t, it.Overdue(t0.Add(31*24*time.Hour)))
}

// The Done-when rule: done becomes verified only by a successful drill of the item's
// runbook, for its service, that ENDS after the item was marked done.
func TestDoneIsVerifiedOnlyByALaterSuccessfulDrill(t *testing.T) {
	doneAt := t0.Add(48 * time.Hour)
	events := update(t, []Event{Opening(tabletopAction())}, "sre", doneAt, Change{Status: status(Done)})
	for _, tc := range []struct {
		name   string
		drills []runbooks.Drill
		want   Status
		by     string
	}{
		{"no drill", nil, Done, ""},
		{"a failed drill after done", []runbooks.Drill{drill("d-fail", doneAt.Add(time.Hour), false, "payments")}, Done, ""},
		{"a successful drill that ended before done", []runbooks.Drill{drill("d-old", doneAt.Add(-time.Minute), true, "payments")}, Done, ""},
		{"a successful drill of another service", []runbooks.Drill{drill("d-other", doneAt.Add(time.Hour), true, "billing")}, Done, ""},
		{"a successful drill after done", []runbooks.Drill{
			drill("d-fail", doneAt.Add(time.Hour), false, "payments"),
			drill("d-ok2", doneAt.Add(3*time.Hour), true, "payments"),
			drill("d-ok", doneAt.Add(2*time.Hour), true, "payments"),
		}, Verified, "d-ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := Build(events, tc.drills, thirtyDays)[0]
			assert.Equal(t, tc.want, it.Status)
			assert.Equal(t, tc.by, it.VerifiedBy)
			if tc.want == Verified {
				last := it.History[len(it.History)-1]
				assert.Equal(t, Entry{At: doneAt.Add(2 * time.Hour), By: "bcdr", Field: "status", From: "done", To: "verified",
					Note: "drill d-ok of db-failover succeeded after the item was done"}, last)
			}
		})
	}
}

// Reopened and done again: only a drill after the last done counts.
func TestVerificationCountsFromTheLastDone(t *testing.T) {
	events := []Event{Opening(tabletopAction())}
	events = update(t, events, "sre", t0.Add(24*time.Hour), Change{Status: status(Done)})
	events = update(t, events, "lead", t0.Add(25*time.Hour), Change{Status: status(InProgress), Note: "not on every host"})
	events = update(t, events, "sre", t0.Add(30*time.Hour), Change{Status: status(Done)})
	it := Build(events, []runbooks.Drill{drill("d-between", t0.Add(26*time.Hour), true, "payments")}, thirtyDays)[0]
	assert.Equal(t, Done, it.Status)
	assert.Equal(t, t0.Add(30*time.Hour), it.DoneAt)
	assert.Equal(t, 4, it.Events)
}

func TestUpdateRules(t *testing.T) {
	opened := []Event{Opening(tabletopAction())}
	verified := update(t, opened, "sre", t0.Add(2*time.Hour), Change{Status: status(Done)})
	drills := []runbooks.Drill{drill("d-ok", t0.Add(3*time.Hour), true, "payments")}
	empty := ""
	for _, tc := range []struct {
		name   string
		events []Event
		change Change
		want   string
	}{
		{"drop without a reason", opened, Change{Status: status(Dropped)}, "reason: dropping an item needs a reason"},
		{"verified by hand", opened, Change{Status: status(Verified)}, "status: verified is not set by hand"},
		{"already open", opened, Change{Status: status(Open)}, "status: the item is already open"},
		{"empty title", opened, Change{Title: &empty}, "title: must not be empty"},
		{"nothing", opened, Change{}, "the update changes nothing"},
		{"a reason without dropping", opened, Change{Reason: "x", Note: "y"}, "reason: a reason goes with status dropped"},
		{"a verified item", verified, Change{Note: "more"}, "is verified (drill d-ok) and closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := Build(tc.events, drills, thirtyDays)[0]
			_, err := it.Update("sre", t0.Add(4*time.Hour), tc.change)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	dropped := update(t, opened, "lead", t0.Add(2*time.Hour), Change{Status: status(Dropped), Reason: "the service is retired"})
	it := Build(dropped, nil, thirtyDays)[0]
	assert.Equal(t, Dropped, it.Status)
	assert.Equal(t, "the service is retired", it.Reason)
	_, err := it.Update("lead", t0.Add(3*time.Hour), Change{Status: status(Done)})
	assert.ErrorContains(t, err, "an item that is dropped cannot become done; it can become open")
	_, err = ParseStatus("closed")
	assert.ErrorContains(t, err, `status: "closed" is not a status; use open, in_progress, done or dropped`)
}

func TestHistorySaysWhoChangedWhatWhen(t *testing.T) {
	owner, due := "dba", t0.Add(10*24*time.Hour)
	events := update(t, []Event{Opening(tabletopAction())}, "lead", t0.Add(2*time.Hour), Change{Owner: &owner, Due: &due, Note: "DBA team owns DNS now"})
	it := Build(events, nil, thirtyDays)[0]
	assert.Equal(t, []Entry{
		{At: t0.Add(time.Hour), By: "ciso", Field: "opened", To: "open", Note: "action recorded in tabletop run tt-1"},
		{At: t0.Add(2 * time.Hour), By: "lead", Field: "owner", From: "sre", To: "dba"},
		{At: t0.Add(2 * time.Hour), By: "lead", Field: "due", From: "2026-12-02", To: "2026-11-12"},
		{At: t0.Add(2 * time.Hour), By: "lead", Field: "note", Note: "DBA team owns DNS now"},
	}, it.History)
	assert.Equal(t, due, it.Due)
	assert.False(t, it.DueDefault)
}

func TestSummarizeCountsOpenAndOverdue(t *testing.T) {
	a := tabletopAction()
	b := a
	b.Text, b.Service = "write the contact list", "billing"
	c := a
	c.Text = "second region quota"
	events := []Event{Opening(a), Opening(b), Opening(c)}
	items := Build(events, nil, thirtyDays)
	e, err := items[0].Update("sre", t0.Add(2*time.Hour), Change{Status: status(Done)})
	require.NoError(t, err)
	items = Build(append(events, e), nil, thirtyDays)
	s := Summarize(items, t0.Add(40*24*time.Hour))
	assert.Equal(t, Counts{Open: 2, Overdue: 2, Done: 1}, s.Counts)
	assert.Equal(t, 1, s.Services["billing"].Open)
	assert.Len(t, Select(items, Filter{Service: "payments", Overdue: true, Now: t0.Add(40 * 24 * time.Hour)}), 1)
}
