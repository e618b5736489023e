package continuity

import (
	"time"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/runbooks"
)

// Sources are what a programme document is made from. The caller reads them (the
// catalogue and its runbooks from files, the run history through api.History, the
// improvement items and the schedules from the evidence store and the engine); this
// package only arranges them.
type Sources struct {
	Catalogue *catalogue.Catalogue
	Runbooks  catalogue.Runbooks
	// Registry describes the step kinds for the procedures (nil: the builtin kinds).
	Registry *runbooks.Registry
	// Portfolio is the catalogue's services with their run history, cadence and due
	// dates (catalogue.NewPortfolio): the one place last-proven and next-due come from.
	Portfolio *catalogue.Portfolio
	// Improvements are the improvement plan's items (evidence.Improvements).
	Improvements []improvements.Item
	// Exercises are the scheduled drills and tabletops; Schedules says whether they were
	// read at all (without the engine they are not known).
	Exercises []Exercise
	Schedules bool
	Now       time.Time
}

// Exercise is a scheduled drill, tabletop or readiness check of a runbook.
type Exercise struct {
	ID      string    `json:"id"`
	Runbook string    `json:"runbook"`
	Service string    `json:"service,omitempty"`
	Mode    string    `json:"mode"`
	Every   string    `json:"every,omitempty"`
	Cron    string    `json:"cron,omitempty"`
	Paused  bool      `json:"paused,omitempty"`
	Next    time.Time `json:"next,omitzero"`
}

// Role is what a contact answers for in the catalogue.
type Role struct {
	What string `json:"what"` // owner, deputy, incident commander
	Of   string `json:"of"`   // the service or scenario
}

// Roles returns, per contact name, what the catalogue makes them answer for: the plan
// (the catalogue's owner), the services they own or deputize for, the scenarios they command. A name the catalogue
// uses but does not list as a contact is there too.
func Roles(c *catalogue.Catalogue) map[string][]Role {
	out := map[string][]Role{}
	if o := c.Metadata.Owner; o != "" {
		out[o] = append(out[o], Role{"owner", "this plan"})
	}
	for _, s := range c.Services {
		out[s.Owner] = append(out[s.Owner], Role{"owner", "service " + s.Name})
		if s.Deputy != "" {
			out[s.Deputy] = append(out[s.Deputy], Role{"deputy", "service " + s.Name})
		}
	}
	for _, sc := range c.Scenarios {
		if sc.IncidentCommander != "" {
			out[sc.IncidentCommander] = append(out[sc.IncidentCommander], Role{"incident commander", "scenario " + sc.Name})
		}
	}
	return out
}

// OpenItems returns the improvement items still to work on or waiting for a drill to
// verify them (open, in progress, done), in the order given.
func OpenItems(items []improvements.Item) []improvements.Item {
	var out []improvements.Item
	for _, it := range items {
		if !it.Status.Closed() {
			out = append(out, it)
		}
	}
	return out
}
