package notify

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/notify/notifytest"
	"github.com/bcdr/bcdr/internal/duration"
	"github.com/bcdr/bcdr/internal/identity"
)

// TestRollCallNotificationCarriesOneLinkPerPerson: a roll call's notification carries a
// signed acknowledgement link for each person it names, a group's members one each; each
// link verifies for that person, run and step only, until the event's time plus the TTL.
// The key is in no notification; other events carry no link.
func TestRollCallNotificationCarriesOneLinkPerPerson(t *testing.T) {
	hook := newReceiver(t)
	mail := notifytest.StartSMTP(t)
	key := []byte("the worker's identity key, 32 b.")
	n := New(Config{
		Channels: map[string]Channel{
			"hook": {Type: "webhook", URL: hook.srv.URL},
			"mail": {Type: "email", SMTP: mail.Addr, From: "bcdr@example.com", To: []string{"dr@example.com"}},
		},
		Routes:     []Route{{Channels: []string{"hook", "mail"}}},
		AckLinkTTL: duration.Duration(2 * time.Hour),
	}, Options{Backoff: time.Millisecond, AckKey: key, AckURL: "https://bcdr.example.com/", Members: func(group string) []string {
		return map[string][]string{"dba": {"carol", "alice"}}[group]
	}})
	at := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	ev := activities.Event{Type: activities.EventRollCall, RunID: "r-1", Runbook: "db-failover", Mode: "live", Step: "roll",
		Approvers: []string{"alice", "group:dba", "frank"}, At: at, Message: "db-failover: roll call"}
	require.NoError(t, n.Notify(context.Background(), ev))

	require.Len(t, hook.body, 1)
	var got activities.Event
	require.NoError(t, json.Unmarshal(hook.body[0], &got))
	users := []string{}
	for _, l := range got.AckLinks {
		users = append(users, l.User)
		u, err := url.Parse(l.URL)
		require.NoError(t, err)
		assert.Equal(t, "https://bcdr.example.com/v1/ack", u.Scheme+"://"+u.Host+u.Path)
		ack, err := identity.VerifyAck(key, u.Query().Get("token"), at.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, identity.Ack{RunID: "r-1", Step: "roll", User: l.User, Expires: at.Add(2 * time.Hour)}, ack)
		_, err = identity.VerifyAck(key, u.Query().Get("token"), at.Add(2*time.Hour))
		assert.Error(t, err, "expired after the TTL")
	}
	assert.Equal(t, []string{"alice", "carol", "frank"}, users, "each person once, a group's members in its place")
	for _, body := range append([][]byte{hook.body[0]}, []byte(mail.Mails()[0].Data)) {
		assert.NotContains(t, string(body), string(key))
	}
	m := mail.Mails()[0].Data
	assert.Contains(t, m, "acknowledge as carol: https://bcdr.example.com/v1/ack?token=")

	other := event()
	require.NoError(t, n.Notify(context.Background(), other))
	require.Len(t, hook.body, 2)
	assert.False(t, strings.Contains(string(hook.body[1]), "ackLinks"), "only roll calls carry links")
}

// TestRollCallLinksNeedAKeyAndAnAddress: without http.public_url or a key the notification goes
// out without links, and says how to acknowledge instead.
func TestRollCallLinksNeedAKeyAndAnAddress(t *testing.T) {
	hook := newReceiver(t)
	cfg := Config{Channels: map[string]Channel{"hook": {Type: "webhook", URL: hook.srv.URL}},
		Routes: []Route{{Channels: []string{"hook"}}}}
	ev := activities.Event{Type: activities.EventRollCall, RunID: "r-1", Step: "roll", Approvers: []string{"alice"}, At: time.Now()}
	require.NoError(t, New(cfg, Options{AckKey: []byte("a key of sixteen bytes or more")}).Notify(context.Background(), ev))
	require.NoError(t, New(cfg, Options{AckURL: "https://bcdr.example.com"}).Notify(context.Background(), ev))
	require.Len(t, hook.body, 2)
	for _, b := range hook.body {
		assert.NotContains(t, string(b), "ackLinks")
	}
}

// TestRollCallWritesToEachPersonNamed: with notify.people_channel and the catalogue's
// contacts, a roll call also writes to each person it names (a group's members too) at
// their contact email, each mail carrying that person's link alone; a group's mailbox
// gets one mail without links; someone without an email gets no mail. A retried
// attempt writes to nobody twice.
func TestRollCallWritesToEachPersonNamed(t *testing.T) {
	mail := notifytest.StartSMTP(t)
	key := []byte("the worker's identity key, 32 b.")
	contacts := map[string]string{"alice": "alice@example.com", "carol": "carol@example.com", "group:dba": "dba-team@example.com"}
	n := New(Config{
		Channels:      map[string]Channel{"people": {Type: "email", SMTP: mail.Addr, From: "bcdr@example.com"}},
		PeopleChannel: "people",
	}, Options{Backoff: time.Millisecond, AckKey: key, AckURL: "https://bcdr.example.com",
		Members:  func(group string) []string { return map[string][]string{"dba": {"carol", "alice"}}[group] },
		Contacts: func() (map[string]string, error) { return contacts, nil }})
	ev := activities.Event{Type: activities.EventRollCall, RunID: "r-1", Runbook: "db-failover", Mode: "live", Step: "roll",
		Approvers: []string{"alice", "group:dba", "frank"}, At: time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC), Message: "db-failover: roll call"}
	require.NoError(t, n.Notify(context.Background(), ev))

	byAddr := map[string]string{}
	for _, m := range mail.Mails() {
		require.Len(t, m.To, 1)
		byAddr[m.To[0]] = m.Data
	}
	require.Len(t, byAddr, 3, "alice, carol and the dba mailbox; frank has no email")
	assert.Contains(t, byAddr["alice@example.com"], "acknowledge as alice: https://bcdr.example.com/v1/ack?token=")
	assert.NotContains(t, byAddr["alice@example.com"], "acknowledge as carol")
	assert.Contains(t, byAddr["carol@example.com"], "acknowledge as carol: ")
	assert.NotContains(t, byAddr["carol@example.com"], "acknowledge as alice")
	assert.NotContains(t, byAddr["dba-team@example.com"], "acknowledge as", "a mailbox many read carries no one's link")
	assert.Contains(t, byAddr["dba-team@example.com"], "db-failover: roll call")
	for _, d := range byAddr {
		assert.NotContains(t, d, string(key))
	}

	// the attempt after a failure: who had theirs does not get it again
	delivered := map[string]bool{"person:alice": true, "person:group:dba": true}
	require.Empty(t, n.toPeople(context.Background(), n.withAckLinks(ev), deliveries{done: delivered}))
	require.Len(t, mail.Mails(), 4, "only carol's was written again")
	assert.Equal(t, []string{"carol@example.com"}, mail.Mails()[3].To)

	// other events, and roll calls without a people channel, go to no one directly
	require.NoError(t, n.Notify(context.Background(), event()))
	require.Len(t, mail.Mails(), 4)
	// a people channel that is not an email channel is refused by the configuration's
	// validation: TestPeopleChannelMustBeAnEmailChannel in package config
}
