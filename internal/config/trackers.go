package config

import (
	"fmt"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Tracker is a place the improvement plan's items are exported to (package trackers):
// GitHub Issues, Jira Cloud, or a signed webhook. Its credential is given by reference
// (TokenEnv, an environment variable's name, or TokenFile, a file), never by value, so
// that no configuration dump, log or record holds it.
type Tracker struct {
	Type string `mapstructure:"type" yaml:"type" json:"type"` // github, jira, webhook
	// URL is GitHub's API (default https://api.github.com; a GitHub Enterprise Server's
	// https://HOST/api/v3), the Jira Cloud site (https://your-domain.atlassian.net), or
	// the webhook's receiver.
	URL       string   `mapstructure:"url" yaml:"url" json:"url"`
	Repo      string   `mapstructure:"repo" yaml:"repo" json:"repo"`                   // github: owner/name
	Project   string   `mapstructure:"project" yaml:"project" json:"project"`          // jira: project key
	IssueType string   `mapstructure:"issue_type" yaml:"issue_type" json:"issue_type"` // jira: default Task
	Email     string   `mapstructure:"email" yaml:"email" json:"email"`                // jira: the API token's account
	Labels    []string `mapstructure:"labels" yaml:"labels" json:"labels"`
	// Services are the services whose items go here; empty means every service.
	Services []string `mapstructure:"services" yaml:"services" json:"services"`
	// TokenEnv or TokenFile hold the GitHub token, the Jira API token or the webhook's
	// signing secret.
	TokenEnv  string `mapstructure:"token_env" yaml:"token_env" json:"token_env"`
	TokenFile string `mapstructure:"token_file" yaml:"token_file" json:"token_file"`
}

var (
	repoRe    = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// validateTrackers checks the trackers section.
func (c *Config) validateTrackers(bad func(key, format string, args ...any)) {
	for _, name := range slices.Sorted(maps.Keys(c.Trackers)) {
		t, key := c.Trackers[name], "trackers."+name
		if !triggerNameRe.MatchString(name) {
			bad(key, "a tracker name is lower-case letters, digits, - and _")
		}
		httpURL := func(field, what string) {
			if u, err := url.Parse(t.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad(key+"."+field, "%q is not an http(s) URL: give %s", t.URL, what)
			}
		}
		switch t.Type {
		case "github":
			if !repoRe.MatchString(t.Repo) {
				bad(key+".repo", "%q is not owner/name, the repository issues go to", t.Repo)
			}
			if t.URL != "" {
				httpURL("url", "GitHub's API, https://api.github.com or https://HOST/api/v3")
			}
		case "jira":
			httpURL("url", "the Jira Cloud site, like https://your-domain.atlassian.net")
			if t.Project == "" {
				bad(key+".project", "name the Jira project's key (like OPS)")
			}
			if t.Email == "" {
				bad(key+".email", "give the e-mail address of the account the API token belongs to")
			}
		case "webhook":
			httpURL("url", "the receiver's address")
		default:
			bad(key+".type", "%q is not one of github, jira, webhook", t.Type)
		}
		switch {
		case t.TokenEnv == "" && t.TokenFile == "":
			bad(key+".token_env", "name the environment variable (or token_file, the file) that holds the %s", credentialOf(t.Type))
		case t.TokenEnv != "" && t.TokenFile != "":
			bad(key+".token_file", "give token_env or token_file, not both")
		case t.TokenEnv != "" && !envNameRe.MatchString(t.TokenEnv):
			bad(key+".token_env", "%q is not an environment variable's name: give the name, never the token itself", t.TokenEnv)
		}
	}
}

func credentialOf(typ string) string {
	switch typ {
	case "jira":
		return "Jira API token"
	case "webhook":
		return "webhook's signing secret"
	}
	return "GitHub token"
}

// TrackerToken reads a tracker's credential from the place its configuration names.
func TrackerToken(name string, t Tracker, getenv func(string) string) (string, error) {
	if t.TokenFile != "" {
		b, err := os.ReadFile(t.TokenFile)
		if err != nil {
			return "", fmt.Errorf("trackers.%s.token_file: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	v := getenv(t.TokenEnv)
	if v == "" {
		return "", fmt.Errorf("trackers.%s.token_env: the environment variable %s is empty or not set", name, t.TokenEnv)
	}
	return v, nil
}
