package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/deploy"
)

// The production guide's bcdr commands, docs/production.md, are run by the tests: each
// test takes its command line from the guide by its prefix. testedGuideCommands lists
// the prefixes; a guide command no test runs fails TestEveryGuideCommandIsTested.
var testedGuideCommands = []string{
	"bcdr config",                          // TestGuideConfig
	"bcdr worker",                          // TestWorkersShareRunsAndSurviveALostWorker
	"bcdr run deploy/smoke-test.yaml",      // TestWorkersShareRunsAndSurviveALostWorker
	"bcdr evidence verify",                 // TestWorkersShareRunsAndSurviveALostWorker
	"bcdr iam-policy runbooks/library/aws", // TestGuideIAMPolicy
}

const guidePath = "../../docs/production.md"

func guideMarkdown(t *testing.T) []byte {
	t.Helper()
	md, err := os.ReadFile(guidePath)
	require.NoError(t, err)
	return md
}

// guideCommand returns the arguments of the one guide command that starts with prefix,
// without the program name and any output redirection.
func guideCommand(t *testing.T, prefix string) []string {
	t.Helper()
	var found []string
	for _, line := range deploy.GuideCommands(guideMarkdown(t), "bcdr") {
		if strings.HasPrefix(line, prefix) {
			found = append(found, line)
		}
	}
	require.Len(t, found, 1, "the guide has one command starting with %q", prefix)
	line, _, _ := strings.Cut(found[0], " > ")
	return deploy.Args(line)[1:]
}

func TestEveryGuideCommandIsTested(t *testing.T) {
	cmds := deploy.GuideCommands(guideMarkdown(t), "bcdr")
	require.NotEmpty(t, cmds)
	for _, line := range cmds {
		tested := false
		for _, p := range testedGuideCommands {
			tested = tested || strings.HasPrefix(line, p)
		}
		assert.True(t, tested, "no test runs the guide's %q", line)
	}
}

// guideExports returns the guide's `export BCDR_...=value` lines as variables.
func guideExports(t *testing.T) map[string]string {
	out := map[string]string{}
	for _, line := range deploy.GuideCommands(guideMarkdown(t), "export") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		require.True(t, ok, line)
		out[k] = v
	}
	return out
}

// TestGuideConfig sets the guide's environment and runs its `bcdr config`: every
// variable names a key bcdr knows, and bcdr takes each value.
func TestGuideConfig(t *testing.T) {
	e := newEnv(t)
	exports := guideExports(t)
	require.NotEmpty(t, exports)
	for k, v := range exports {
		e.vars[k] = v
	}
	out := e.mustCLI(guideCommand(t, "bcdr config")...)
	for k, v := range exports {
		if k == "BCDR_TEMPORAL_API_KEY" {
			assert.NotContains(t, out, v, "the API key is masked")
			continue
		}
		assert.Contains(t, out, v, k)
	}
}

// TestGuideIAMPolicy runs the guide's iam-policy command from the repository root and
// checks the policy: valid, no wildcard action, the hosted zone given narrowed to.
func TestGuideIAMPolicy(t *testing.T) {
	e := newEnv(t)
	args := guideCommand(t, "bcdr iam-policy")
	t.Chdir("../..")
	out := e.mustCLI(args...)
	checkPolicy(t, out)
	assert.Contains(t, out, `"arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"`)
	assert.Contains(t, out, `"arn:aws:rds:us-west-2:111122223333:cluster:storefront-dr"`)
	assert.Contains(t, out, `"arn:aws:ecs:us-west-2:111122223333:service/storefront-dr/storefront-api"`)
	t.Log(out)
}
