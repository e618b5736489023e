package main

import (
	"maps"
	"slices"

	"github.com/bcdr/bcdr/api/dashboard"
	"github.com/bcdr/bcdr/continuity/trackers"
	"github.com/bcdr/bcdr/internal/config"
)

// exporters are the configuration's trackers (trackers.*), each with its credential
// read from the variable or file it names. A tracker whose credential cannot be read is
// left out, with a warning naming the reference (never a value).
func (a *app) exporters() []*trackers.Exporter {
	var out []*trackers.Exporter
	link := func(string) string { return "" }
	if u := a.cfg.HTTP.PublicURL; u != "" {
		link = func(id string) string { return dashboard.ImprovementURL(u, id) }
	}
	for _, name := range slices.Sorted(maps.Keys(a.cfg.Trackers)) {
		t := a.cfg.Trackers[name]
		token, err := config.TrackerToken(name, t, a.getenv)
		if err != nil {
			a.logger().Warn("improvement export: tracker left out", "tracker", name, "error", err)
			continue
		}
		var tr trackers.Tracker
		switch t.Type {
		case "github":
			tr = trackers.NewGitHub(trackers.GitHubOptions{Name: name, API: t.URL, Repo: t.Repo, Token: token, Labels: t.Labels})
		case "jira":
			tr = trackers.NewJira(trackers.JiraOptions{Name: name, Site: t.URL, Project: t.Project, IssueType: t.IssueType, Email: t.Email, Token: token, Labels: t.Labels})
		case "webhook":
			tr = trackers.NewWebhook(name, t.URL, token, nil, nil)
		}
		out = append(out, &trackers.Exporter{Tracker: tr, Services: t.Services, Link: link})
	}
	return out
}
