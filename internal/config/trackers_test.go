package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrackersAreCheckedAndTheirTokensReadByReference: every problem of the trackers
// section is named by its key, with what to give; a token is read from the variable or
// file named, and a missing one says which.
func TestTrackersAreCheckedAndTheirTokensReadByReference(t *testing.T) {
	file := writeFile(t, `trackers:
  gh: {type: github, repo: acme/dr, token_env: GITHUB_TOKEN, services: [payments], labels: [bcdr]}
  ops: {type: jira, url: "https://acme.atlassian.net", project: OPS, email: bcdr@acme.com, token_file: /run/secrets/jira}
  hook: {type: webhook, url: "https://hooks.example.com/bcdr", token_env: HOOK_SECRET}
`)
	c, err := Load(Source{File: file, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	require.Len(t, c.Trackers, 3)
	assert.Equal(t, "acme/dr", c.Trackers["gh"].Repo)
	assert.Equal(t, []string{"payments"}, c.Trackers["gh"].Services)

	bad := writeFile(t, `trackers:
  gh: {type: github, repo: "not a repo", token_env: "ghp_abc123 is my token"}
  ops: {type: jira, url: "acme.atlassian.net"}
  hook: {type: webhook, url: "https://hooks.example.com", token_env: A, token_file: /b}
  x: {type: trello, token_env: T}
`)
	_, err = Load(Source{File: bad, Getenv: func(string) string { return "" }})
	require.Error(t, err)
	for _, want := range []string{
		`trackers.gh.repo: "not a repo" is not owner/name`,
		`trackers.gh.token_env: "ghp_abc123 is my token" is not an environment variable's name: give the name, never the token itself`,
		`trackers.ops.url: "acme.atlassian.net" is not an http(s) URL: give the Jira Cloud site`,
		`trackers.ops.project: name the Jira project's key`,
		`trackers.ops.email: give the e-mail address`,
		`trackers.ops.token_env: name the environment variable (or token_file, the file) that holds the Jira API token`,
		`trackers.hook.token_file: give token_env or token_file, not both`,
		`trackers.x.type: "trello" is not one of github, jira, webhook`,
	} {
		assert.Contains(t, err.Error(), want)
	}

	tok, err := TrackerToken("gh", c.Trackers["gh"], func(k string) string { return map[string]string{"GITHUB_TOKEN": "ghp_x"}[k] })
	require.NoError(t, err)
	assert.Equal(t, "ghp_x", tok)
	_, err = TrackerToken("gh", c.Trackers["gh"], func(string) string { return "" })
	assert.EqualError(t, err, "trackers.gh.token_env: the environment variable GITHUB_TOKEN is empty or not set")
	secret := filepath.Join(t.TempDir(), "jira")
	require.NoError(t, os.WriteFile(secret, []byte("atl-token\n"), 0o600))
	ops := c.Trackers["ops"]
	ops.TokenFile = secret
	tok, err = TrackerToken("ops", ops, nil)
	require.NoError(t, err)
	assert.Equal(t, "atl-token", tok)
}
