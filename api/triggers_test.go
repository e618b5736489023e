package api

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/runbooks"
)

// An alert that lacks an annotation a trigger parameter names must still start the
// recovery: Alertmanager does not retry a 4xx, so a 422 loses it. The parameter takes
// the runbook's default, or renders empty, and the run's record says which.
func TestTriggerParamMissingFromAlert(t *testing.T) {
	body, err := os.ReadFile("testdata/alerts/openshift-empty-annotations.json")
	require.NoError(t, err)
	alerts, err := parseAlertmanager(body)
	require.NoError(t, err)
	a, ok := pick(alerts, map[string]string{"alertname": "KubeAPIDown"})
	require.True(t, ok)

	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	src := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata:\n  name: r\nparameters:\n" +
		"  - {name: summary, type: string, default: no summary given}\n" +
		"  - {name: note, type: string}\n" +
		"  - {name: severity, type: string}\n" +
		"steps:\n  - id: a\n    uses: noop\n"
	rb, diags := runbooks.Parse("r.yaml", []byte(src), reg)
	require.False(t, diags.HasErrors(), diags.Error())

	tr := config.Trigger{Params: map[string]string{
		"summary":  "{{ .Annotations.summary }}",
		"note":     "seen: {{ .Annotations.description }}",
		"severity": "{{ .Labels.severity }}",
	}}
	params, warnings, err := renderTriggerParams("api-down", tr, a, rb)
	require.NoError(t, err, "a missing annotation is not the sender's error")
	assert.Equal(t, map[string]any{"note": "seen: ", "severity": "critical"}, params, "summary is left to its default")
	require.Len(t, warnings, 2)
	assert.Contains(t, warnings[0], "parameter note, so it rendered as \"seen: \"")
	assert.Contains(t, warnings[0], ".Annotations.description")
	assert.Contains(t, warnings[1], "parameter summary, so it took the runbook's default no summary given")
	for _, w := range warnings {
		assert.NotContains(t, w, "map has no entry", "the warning is in the author's terms")
	}
}

// A drill started by an alert measures its RTO from its own start: an old alert once
// showed "elapsed 54455h". A live recovery measures from the alert's start.
func TestTriggerDrillClockStartsWithTheRun(t *testing.T) {
	s := testServer(t)
	body, err := os.ReadFile("testdata/alerts/openshift-empty-annotations.json")
	require.NoError(t, err)
	alerts, err := parseAlertmanager(body)
	require.NoError(t, err)
	for mode, wantClock := range map[string]bool{"drill": false, "tabletop": false, "live": true} {
		in, err := s.triggerInput("am", config.Trigger{Runbook: "demo-failover", Mode: mode}, alerts[0])
		require.NoError(t, err, mode)
		assert.Equal(t, wantClock, !in.OutageStart.IsZero(), mode)
	}
}
