package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/activities/notify/notifytest"
)

type receiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	got   []*http.Request
	body  [][]byte
	fails atomic.Int32 // answer 503 this many times first
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rc.fails.Add(-1) >= 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got, rc.body = append(rc.got, r), append(rc.body, b)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func event() activities.Event {
	return activities.Event{Type: activities.EventRunFinished, RunID: "r-1", Runbook: "demo-failover", Service: "demo-web",
		Mode: "drill", State: "succeeded", RTOActual: 42 * time.Second, RTOTarget: 5 * time.Minute,
		At: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), Message: "drill run of demo-failover succeeded"}
}

func TestChannelsReceiveSignedEvents(t *testing.T) {
	hook, chat := newReceiver(t), newReceiver(t)
	mail := notifytest.StartSMTP(t)
	hook.fails.Store(1) // the first attempt is answered 503: the notifier retries
	n := New(Config{
		Channels: map[string]Channel{
			"hook": {Type: "webhook", URL: hook.srv.URL, Secret: "s3cret"},
			"chat": {Type: "slack", URL: chat.srv.URL},
			"mail": {Type: "email", SMTP: mail.Addr, From: "bcdr@example.com", To: []string{"dr@example.com"}},
		},
		Routes: []Route{{Channels: []string{"hook", "chat", "mail"}}},
	}, Options{Backoff: time.Millisecond})
	require.NoError(t, n.Notify(context.Background(), event()))

	require.Len(t, hook.got, 1)
	assert.Equal(t, Sign("s3cret", hook.body[0]), hook.got[0].Header.Get("X-Bcdr-Signature"))
	assert.Equal(t, "run.finished", hook.got[0].Header.Get("X-Bcdr-Event"))
	var ev activities.Event
	require.NoError(t, json.Unmarshal(hook.body[0], &ev))
	assert.Equal(t, event(), ev)

	require.Len(t, chat.body, 1)
	assert.Contains(t, string(chat.body[0]), "demo-failover: succeeded")

	require.Len(t, mail.Mails(), 1)
	m := mail.Mails()[0]
	assert.Equal(t, []string{"dr@example.com"}, m.To)
	assert.Contains(t, m.Data, "Subject: [bcdr] drill demo-failover: succeeded")
	assert.Contains(t, m.Data, "RTO      42s actual / 5m0s target")
}

func TestRoutesSelectChannels(t *testing.T) {
	n := New(Config{
		Channels: map[string]Channel{"all": {Type: "slack", URL: "http://x"}, "pay": {Type: "slack", URL: "http://x"},
			"prod": {Type: "slack", URL: "http://x"}, "fail": {Type: "slack", URL: "http://x"}},
		Routes: []Route{
			{Channels: []string{"all"}},
			{Channels: []string{"pay"}, Services: []string{"payments"}},
			{Channels: []string{"prod"}, Labels: map[string]string{"environment": "prod"}},
			{Channels: []string{"fail"}, Events: []string{activities.EventStepFailed}, Modes: []string{"live"}},
		},
	}, Options{Labels: func(rb string) map[string]string {
		if rb == "demo-failover" {
			return map[string]string{"environment": "prod"}
		}
		return nil
	}})
	ev := event()
	assert.Equal(t, []string{"all", "prod"}, n.Targets(ev))
	ev.Service, ev.Runbook, ev.Type, ev.Mode = "payments", "other", activities.EventStepFailed, "live"
	assert.Equal(t, []string{"all", "fail", "pay"}, n.Targets(ev))
}

func TestFailuresAreReportedNotHidden(t *testing.T) {
	down := newReceiver(t)
	down.fails.Store(100)
	gone := newReceiver(t)
	gone.srv.Close()
	ok := newReceiver(t)
	n := New(Config{
		Channels: map[string]Channel{"down": {Type: "webhook", URL: down.srv.URL}, "gone": {Type: "slack", URL: gone.srv.URL},
			"ok": {Type: "webhook", URL: ok.srv.URL}},
		Routes: []Route{{Channels: []string{"down", "gone", "ok"}}},
	}, Options{Backoff: time.Millisecond, Attempts: 2})
	err := n.Notify(context.Background(), event())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "channel down: 503")
	assert.Contains(t, err.Error(), "channel gone:")
	assert.Len(t, ok.got, 1, "one channel failing does not stop the others")
	assert.Equal(t, int32(100-2), down.fails.Load(), "retried, a little")
}

func TestSNSChannelPublishesToMoto(t *testing.T) {
	endpoint := awstest.StartMoto(t)
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion("us-east-1"))
	require.NoError(t, err)
	client := sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(endpoint) })
	_, err = client.CreateTopic(context.Background(), &sns.CreateTopicInput{Name: aws.String("bcdr-events")})
	require.NoError(t, err)
	n := New(Config{
		Channels: map[string]Channel{"topic": {Type: "sns", TopicARN: "arn:aws:sns:us-east-1:123456789012:bcdr-events", Region: "us-east-1", Endpoint: endpoint}},
		Routes:   []Route{{Channels: []string{"topic"}}},
	}, Options{Backoff: time.Millisecond})
	require.NoError(t, n.Notify(context.Background(), event()))

	bad := New(Config{
		Channels: map[string]Channel{"topic": {Type: "sns", TopicARN: "arn:aws:sns:us-east-1:123456789012:no-such-topic", Region: "us-east-1", Endpoint: endpoint}},
		Routes:   []Route{{Channels: []string{"topic"}}},
	}, Options{Backoff: time.Millisecond, Attempts: 1})
	assert.Error(t, bad.Notify(context.Background(), event()), "publishing to a missing topic is an error, not silence")
}
