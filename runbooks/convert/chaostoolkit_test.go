package convert_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/convert"
)

// TestChaosToolkitConverts converts an experiment that uses every section and provider
// type of Chaos Toolkit's specification; the runbook validates, and every part that did
// not convert is a note with its place and a comment in the YAML.
func TestChaosToolkitConverts(t *testing.T) {
	res, rb, notes := converted(t, convert.ChaosToolkit, "testdata/chaostoolkit-storefront.json", builtins(t))
	assert.Equal(t, []string{
		`chaostoolkit-storefront.json:23:7: not converted: steady-state probe "pid-file-exists" uses a python provider; a steady_state probe must be an HTTP check (call os.path.exists(path=storefront.pid))`,
		`chaostoolkit-storefront.json:55:20: not converted: tolerance accepts 2 status codes; http.check expects one, so 200 is expected`,
		`chaostoolkit-storefront.json:58:5: not converted: action "tail-logs" uses a process provider (run ` + "`journalctl -u storefront -n 50`" + `); bcdr runs no code on its workers, so a person runs it`,
	}, notes)
	assert.Equal(t, len(res.Notes), strings.Count(string(res.YAML), "# not converted (chaostoolkit-storefront.json:"), "every note is a comment too")

	assert.Equal(t, "does-the-storefront-survive-losing-its-primary-backend", rb.Metadata.Name)
	params := paramsByName(rb)
	assert.Equal(t, "http://127.0.0.1:18080", params["base_url"].Default, "an environment variable's default")
	assert.Equal(t, 1, params["settle_seconds"].Default)
	assert.Equal(t, runbooks.ParamNumber, params["settle_seconds"].Type)
	assert.True(t, params["admin_token"].Secret)
	assert.True(t, params["admin_token"].Required)

	require.Len(t, rb.SteadyState, 1)
	assert.Equal(t, "http.check", rb.SteadyState[0].Uses)
	assert.Equal(t, "${{ params.base_url }}/healthz", rb.SteadyState[0].With["url"])
	assert.Equal(t, "3s", rb.SteadyState[0].With["timeout"], "connect + read timeouts")

	var ids []string
	for _, s := range rb.Steps {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{"stop-primary-backend", "stop-primary-backend-pause-after", "generate-load",
		"storefront-serves-from-standby", "tail-logs", "storefront-must-answer", "start-primary-backend", "storefront-must-answer-2"}, ids)
	stop := rb.Step("stop-primary-backend")
	assert.Equal(t, "http.request", stop.Uses)
	assert.Equal(t, "Bearer ${{ params.admin_token }}", stop.With["headers"].(map[string]any)["Authorization"])
	assert.Equal(t, map[string]any{"reason": "chaos experiment"}, stop.With["body"])
	assert.True(t, stop.Drill != nil && stop.Drill.Live, "a Chaos Toolkit action acts for real in a drill")
	assert.Equal(t, runbooks.OnErrorContinue, stop.OnError, "the method goes on after a failed activity")
	assert.Equal(t, []string{"stop-primary-backend-pause-after"}, rb.Step("generate-load").Needs)
	assert.Equal(t, []string{"stop-primary-backend-pause-after"}, rb.Step("storefront-serves-from-standby").Needs, "generate-load runs in the background")
	assert.Equal(t, "manual", rb.Step("tail-logs").Uses)
	assert.Contains(t, rb.Step("tail-logs").Instructions, "journalctl -u storefront -n 50")
	assert.Equal(t, []string{"stop-primary-backend", "stop-primary-backend-pause-after", "generate-load", "storefront-serves-from-standby", "tail-logs", "storefront-must-answer"},
		rb.Step("start-primary-backend").Needs, "rollbacks run after the whole method")
	assert.True(t, strings.HasPrefix(string(res.YAML), "# Converted from the Chaos Toolkit experiment chaostoolkit-storefront.json"))
}

// The peer benchmark's experiment converts to the runbook written by hand for it.
func TestChaosToolkitPeerExperiment(t *testing.T) {
	_, rb, notes := converted(t, convert.ChaosToolkit, "../../cmd/bcdr/testdata/bench/http-probes.json", builtins(t))
	assert.Empty(t, notes)
	assert.Len(t, rb.Steps, 25)
}

func TestChaosToolkitRefusesOtherFiles(t *testing.T) {
	_, err := convert.ChaosToolkit("x.json", []byte(`{"apiVersion": "bcdr.io/v1"}`))
	assert.EqualError(t, err, "x.json:1:1: not a Chaos Toolkit experiment: it has neither method nor steady-state-hypothesis")
	_, err = convert.ChaosToolkit("x.json", nil)
	assert.ErrorContains(t, err, "the file is empty")
}
