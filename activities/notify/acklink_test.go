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
	"github.com/bcdr/bcdr/internal/config"
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
	n := New(config.Notify{
		Channels: map[string]config.Channel{
			"hook": {Type: "webhook", URL: hook.srv.URL},
			"mail": {Type: "email", SMTP: mail.Addr, From: "bcdr@example.com", To: []string{"dr@example.com"}},
		},
		Routes:     []config.Route{{Channels: []string{"hook", "mail"}}},
		AckLinkTTL: config.Duration(2 * time.Hour),
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
	cfg := config.Notify{Channels: map[string]config.Channel{"hook": {Type: "webhook", URL: hook.srv.URL}},
		Routes: []config.Route{{Channels: []string{"hook"}}}}
	ev := activities.Event{Type: activities.EventRollCall, RunID: "r-1", Step: "roll", Approvers: []string{"alice"}, At: time.Now()}
	require.NoError(t, New(cfg, Options{AckKey: []byte("a key of sixteen bytes or more")}).Notify(context.Background(), ev))
	require.NoError(t, New(cfg, Options{AckURL: "https://bcdr.example.com"}).Notify(context.Background(), ev))
	require.Len(t, hook.body, 2)
	for _, b := range hook.body {
		assert.NotContains(t, string(b), "ackLinks")
	}
}
