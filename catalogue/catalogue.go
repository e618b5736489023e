package catalogue

import (
	"slices"
	"sort"
	"time"

	"github.com/bcdr/bcdr/internal/yamlnode"
	"github.com/bcdr/bcdr/runbooks"
)

// APIVersion is the catalogue format version this package reads.
const APIVersion = "bcdr.io/v1"

// Kind is the value of a catalogue file's kind field.
const Kind = "Catalogue"

// Catalogue is a parsed service catalogue: the business services, how critical each is,
// how fast it must be back and how much data it may lose, what it depends on, which
// runbooks recover it, and the disaster scenarios to plan for.
type Catalogue struct {
	APIVersion string       `json:"apiVersion"`
	Metadata   Metadata     `json:"metadata"`
	Tiers      []TierPolicy `json:"tiers,omitempty"`
	// Contacts are the people and groups the services and scenarios name, and how to
	// reach them.
	Contacts  []Contact  `json:"contacts,omitempty"`
	Services  []Service  `json:"services"`
	Scenarios []Scenario `json:"scenarios,omitempty"`
	// Source says which file the catalogue came from; Digest is the SHA-256 of its bytes.
	Source runbooks.Source `json:"source"`

	pos yamlnode.Positions // places of the parsed file's nodes, by path
}

// Metadata names the catalogue and says who keeps it.
type Metadata struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Owner       string `json:"owner,omitempty"`
}

// Disruption is a type of outage a target and a runbook are for.
type Disruption string

// The disruption types: the loss of one component, of an availability zone or site, of
// a whole region, and the loss or corruption of data (ransomware, a bad migration), which
// replication copies and only a restore undoes.
const (
	Component Disruption = "component"
	Zone      Disruption = "zone"
	Region    Disruption = "region"
	Data      Disruption = "data"
)

// Disruptions lists every disruption type, from the smallest to the largest.
var Disruptions = []Disruption{Component, Zone, Region, Data}

func validDisruption(s string) bool {
	for _, d := range Disruptions {
		if string(d) == s {
			return true
		}
	}
	return false
}

// Target is a recovery objective: how long an outage may last (RTO) and how much data,
// measured in time, may be lost (RPO). A nil field is not set; an RPO of zero means no
// data loss at all.
type Target struct {
	RTO *runbooks.Duration `json:"rto,omitempty"`
	RPO *runbooks.Duration `json:"rpo,omitempty"`
}

// merge returns t with the fields it leaves unset taken from base.
func (t Target) merge(base Target) Target {
	if t.RTO == nil {
		t.RTO = base.RTO
	}
	if t.RPO == nil {
		t.RPO = base.RPO
	}
	return t
}

// Targets are a service's or a tier's objectives, per disruption type.
type Targets map[Disruption]Target

// TierPolicy is what a tier means: the default targets of its services and how often
// each of their runbooks must pass a drill. Tiers 0 and 1 are critical.
type TierPolicy struct {
	Tier        int     `json:"tier"`
	Name        string  `json:"name,omitempty"`
	Description string  `json:"description,omitempty"`
	Targets     Targets `json:"targets,omitempty"`
	// DrillEvery is the longest time allowed between two passed drills; 0 means no cadence.
	DrillEvery runbooks.Duration `json:"drillEvery,omitempty"`
	// ImprovementDue is how long an improvement item of the tier's services (an action
	// item or gap a run recorded) may stay open; 0 means DefaultImprovementDue.
	ImprovementDue runbooks.Duration `json:"improvementDue,omitempty"`
	// MTD is the maximum tolerable downtime of the tier's services: how long the business
	// survives without one before the damage is unacceptable. Every RTO must fit in it.
	MTD *runbooks.Duration `json:"mtd,omitempty"`
	Pos runbooks.Pos       `json:"pos"`
}

// DefaultImprovementDue is how long an improvement item of a tier's services may stay
// open when the tier sets no improvement_due: 14 days for tier 0, 30 for tier 1, 60 for
// tier 2 and 90 below; 30 days for a service the catalogue does not name (tier -1).
func DefaultImprovementDue(tier int) time.Duration {
	day := 24 * time.Hour
	switch {
	case tier == 0:
		return 14 * day
	case tier == 1, tier < 0:
		return 30 * day
	case tier == 2:
		return 60 * day
	}
	return 90 * day
}

// ImprovementDue is how long an improvement item of the named service may stay open:
// its tier's improvement_due, or DefaultImprovementDue. A nil catalogue knows no service.
func (c *Catalogue) ImprovementDue(service string) time.Duration {
	s := (*Service)(nil)
	if c != nil {
		s = c.Service(service)
	}
	if s == nil {
		return DefaultImprovementDue(-1)
	}
	if p := c.Tier(s.Tier); p != nil && p.ImprovementDue > 0 {
		return time.Duration(p.ImprovementDue)
	}
	return DefaultImprovementDue(s.Tier)
}

// Critical reports whether a tier holds critical services (tiers 0 and 1): such a service
// without a runbook is reported.
func Critical(tier int) bool { return tier <= 1 }

// Service is one business service.
type Service struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Owner       string `json:"owner"`
	// Deputy stands in for the owner; a contact's name.
	Deputy string `json:"deputy,omitempty"`
	Tier   int    `json:"tier"`
	// BusinessProcess is the business process the service supports ("order to cash").
	BusinessProcess string `json:"businessProcess,omitempty"`
	// Targets override the tier's, field by field.
	Targets Targets `json:"targets,omitempty"`
	// MTD overrides the tier's maximum tolerable downtime.
	MTD       *runbooks.Duration `json:"mtd,omitempty"`
	DependsOn []string           `json:"dependsOn,omitempty"`
	Runbooks  []RunbookRef       `json:"runbooks,omitempty"`
	Tags      map[string]string  `json:"tags,omitempty"`
	Pos       runbooks.Pos       `json:"pos"`
}

// RunbookRef names a runbook that recovers a service from some disruptions.
type RunbookRef struct {
	// Path is the runbook file, relative to the catalogue file.
	Path        string       `json:"path"`
	Disruptions []Disruption `json:"disruptions"`
	// Params are the runbook's parameters for this service, as `bcdr run --param` takes them.
	Params map[string]string `json:"params,omitempty"`
	Pos    runbooks.Pos      `json:"pos"`
}

// For reports whether the runbook recovers from d.
func (r *RunbookRef) For(d Disruption) bool { return slices.Contains(r.Disruptions, d) }

// Scenario is a disaster to plan for: which services it hits directly, and which type
// of disruption that is for them.
type Scenario struct {
	Name        string     `json:"name"`
	Title       string     `json:"title,omitempty"`
	Description string     `json:"description,omitempty"`
	Disruption  Disruption `json:"disruption"`
	Select      Selector   `json:"select"`
	// IncidentCommander leads the response to the scenario; a contact's name.
	IncidentCommander string       `json:"incidentCommander,omitempty"`
	Pos               runbooks.Pos `json:"pos"`
}

// Selector picks services: those it names, and those that carry every one of its tags.
type Selector struct {
	Services []string          `json:"services,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// Matches reports whether s is selected.
func (sel *Selector) Matches(s *Service) bool {
	for _, n := range sel.Services {
		if n == s.Name {
			return true
		}
	}
	if len(sel.Tags) == 0 {
		return false
	}
	for k, v := range sel.Tags {
		if s.Tags[k] != v {
			return false
		}
	}
	return true
}

// Service returns the named service, or nil.
func (c *Catalogue) Service(name string) *Service {
	return find(c.Services, func(s *Service) bool { return s.Name == name })
}

// Scenario returns the named scenario, or nil.
func (c *Catalogue) Scenario(name string) *Scenario {
	return find(c.Scenarios, func(sc *Scenario) bool { return sc.Name == name })
}

// Tier returns the policy of a tier, or nil when the catalogue defines none.
func (c *Catalogue) Tier(tier int) *TierPolicy {
	return find(c.Tiers, func(t *TierPolicy) bool { return t.Tier == tier })
}

// find returns the first of items that matches, or nil; the pointer is into items.
func find[T any](items []T, match func(*T) bool) *T {
	for i := range items {
		if match(&items[i]) {
			return &items[i]
		}
	}
	return nil
}

// Target returns a service's objective for a disruption: the service's own, completed
// by its tier's.
func (c *Catalogue) Target(s *Service, d Disruption) Target {
	t := s.Targets[d]
	if p := c.Tier(s.Tier); p != nil {
		t = t.merge(p.Targets[d])
	}
	return t
}

// MTD returns a service's maximum tolerable downtime: its own, or its tier's; nil when
// neither says.
func (c *Catalogue) MTD(s *Service) *runbooks.Duration {
	if s.MTD != nil {
		return s.MTD
	}
	if p := c.Tier(s.Tier); p != nil {
		return p.MTD
	}
	return nil
}

// RunbookPaths returns every runbook path the services name, sorted, once each.
func (c *Catalogue) RunbookPaths() []string {
	set := map[string]bool{}
	for _, s := range c.Services {
		for _, r := range s.Runbooks {
			if r.Path != "" {
				set[r.Path] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// usersOf returns how many services name the runbook at path.
func (c *Catalogue) usersOf(path string) int {
	n := 0
	for _, s := range c.Services {
		for _, r := range s.Runbooks {
			if r.Path == path {
				n++
				break
			}
		}
	}
	return n
}
