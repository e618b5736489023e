package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/notify"
)

const hashA = "sha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"

func TestAPISectionsLoad(t *testing.T) {
	file := writeFile(t, `
server: {url: "http://127.0.0.1:8080", token: s3cret}
auth:
  tokens:
    - {name: alice, hash: `+hashA+`, groups: [sre], roles: [operator]}
  oidc: {issuer: "https://idp.example", audience: bcdr}
  bindings:
    - {roles: [approver], groups: [incident-commanders], services: [payments]}
triggers:
  region-down:
    source: alertmanager
    token_hash: `+hashA+`
    runbook: demo-failover
    mode: live
    match: {alertname: RegionDown}
    params: {router_url: "{{ .Labels.router }}"}
    min_interval: 30m
    approvers: [group:incident-commanders]
notify:
  channels:
    ops: {type: webhook, url: "http://127.0.0.1:9/hook", secret: hush}
    mail: {type: email, smtp: "127.0.0.1:25", from: bcdr@x, to: [dr@x], password: pw}
  routes:
    - {channels: [ops, mail], events: [run.finished], labels: {team: payments}}
drills:
  cadence: {"1": 720h}
`)
	c, err := Load(Source{File: file, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	assert.Equal(t, "alice", c.Auth.Tokens[0].Name)
	assert.Equal(t, []string{"operator"}, c.Auth.Tokens[0].Roles)
	assert.Equal(t, "email", c.Auth.OIDC.UsernameClaim, "default")
	assert.Equal(t, []string{"payments"}, c.Auth.Bindings[0].Services)
	tr := c.Triggers["region-down"]
	assert.Equal(t, 30*time.Minute, tr.MinInterval.Std())
	assert.Equal(t, "{{ .Labels.router }}", tr.Params["router_url"])
	assert.Equal(t, "RegionDown", tr.Match["alertname"])
	assert.True(t, c.Notifies())
	assert.Equal(t, []string{"dr@x"}, c.Notify.Channels["mail"].To)
	assert.Equal(t, 720*time.Hour, c.Drills.Cadence["1"].Std(), "file beats default")
	assert.Equal(t, 4320*time.Hour, c.Drills.Cadence["2"].Std(), "defaults fill the other tiers")

	m := c.Masked()
	assert.Equal(t, "***", m.Server.Token)
	assert.Equal(t, "***", m.Notify.Channels["ops"].Secret)
	assert.Equal(t, "***", m.Notify.Channels["mail"].Password)
	assert.Equal(t, "hush", c.Notify.Channels["ops"].Secret, "masking copies")
}

func TestAPIErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ name, file, want string }{
		{"bad token hash", "auth:\n  tokens:\n    - {name: a, hash: plain}\n", "auth.tokens[0].hash"},
		{"unknown role", "auth:\n  tokens:\n    - {name: a, hash: " + hashA + ", roles: [god]}\n", "auth.tokens[0].roles"},
		{"binding without who", "auth:\n  bindings:\n    - {roles: [viewer]}\n", "auth.bindings[0]"},
		{"oidc without audience", "auth:\n  oidc: {issuer: 'https://x'}\n", "auth.oidc.audience"},
		{"trigger source", "triggers:\n  t1: {source: pagerduty, runbook: x}\n", "triggers.t1.source"},
		{"trigger unauthenticated", "triggers:\n  t1: {source: alertmanager, runbook: x}\n", "triggers.t1.token_hash"},
		{"trigger unknown field", "triggers:\n  t1: {source: sns, topic_arns: [arn:x], runbook: x, rnbook: y}\n", "rnbook"},
		{"sns without topics", "triggers:\n  t1: {source: sns, runbook: x}\n", "triggers.t1.topic_arns"},
		{"channel type", "notify:\n  channels:\n    c: {type: pigeon}\n", "notify.channels.c.type"},
		{"route to nowhere", "notify:\n  routes:\n    - {channels: [nope]}\n", "notify.routes[0].channels"},
		{"route event", "notify:\n  channels:\n    c: {type: webhook, url: 'http://x'}\n  routes:\n    - {channels: [c], events: [run.exploded]}\n", "notify.routes[0].events"},
		{"server url", "server: {url: 'ftp://x'}\n", "server.url"},
		{"cadence", "drills:\n  cadence: {'1': 0s}\n", "drills.cadence.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(Source{File: writeFile(t, tc.file), Getenv: func(string) string { return "" }})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// notify.people_channel names the email channel through whose server a roll call writes
// to the people it names; any other channel is refused (the roll call's side of this is
// TestRollCallWritesToEachPersonNamed in package notify).
func TestPeopleChannelMustBeAnEmailChannel(t *testing.T) {
	bad := Config{Notify: notify.Config{PeopleChannel: "people",
		Channels: map[string]notify.Channel{"people": {Type: "slack", URL: "https://hooks.example.com/x"}}}}
	assert.ErrorContains(t, bad.Validate(), `notify.people_channel: "people" is not an email channel`)
}

// Viper lowercases map keys. Alert labels are case-sensitive (CloudWatch's
// dimension_InstanceId, YACE's labels), so a lowercased match key never matches and a
// lowercased param name names no runbook parameter: both sections keep their case.
func TestTriggerKeysKeepCase(t *testing.T) {
	file := writeFile(t, `
triggers:
  ec2-down:
    source: alertmanager
    token_hash: `+hashA+`
    runbook: demo-failover
    match: {alertname: InstanceDown, dimension_InstanceId: i-0abc}
    params: {instanceId: "{{ .Labels.dimension_InstanceId }}", Region: x}
`)
	c, err := Load(Source{File: file, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	tr := c.Triggers["ec2-down"]
	assert.Equal(t, map[string]string{"alertname": "InstanceDown", "dimension_InstanceId": "i-0abc"}, tr.Match)
	assert.Equal(t, map[string]string{"instanceId": "{{ .Labels.dimension_InstanceId }}", "Region": "x"}, tr.Params)
}
