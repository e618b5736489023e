package catalogue

import (
	"regexp"
	"sort"
	"strconv"

	"github.com/bcdr/bcdr/internal/yamlnode"
	"github.com/bcdr/bcdr/runbooks"
)

// Validate checks a catalogue built in Go (Parse validates what it parses) and returns
// every problem found. Places come from the Pos fields the catalogue carries.
func Validate(c *Catalogue) runbooks.Diagnostics {
	rep := &reporter{file: c.Source.File}
	pos := c.pos
	if pos == nil {
		pos = positionsOf(c)
	}
	(&validator{reporter: rep, c: c, pos: pos}).run()
	return rep.result()
}

// positionsOf returns the places a catalogue built in Go carries itself.
func positionsOf(c *Catalogue) yamlnode.Positions {
	p := yamlnode.Positions{}
	yamlnode.SetItems(p, "tiers", c.Tiers, func(t *TierPolicy) runbooks.Pos { return t.Pos })
	yamlnode.SetItems(p, "contacts", c.Contacts, func(ct *Contact) runbooks.Pos { return ct.Pos })
	yamlnode.SetItems(p, "services", c.Services, func(s *Service) runbooks.Pos { return s.Pos })
	for i, s := range c.Services {
		yamlnode.SetItems(p, yamlnode.Index("services", i)+".runbooks", s.Runbooks, func(r *RunbookRef) runbooks.Pos { return r.Pos })
	}
	yamlnode.SetItems(p, "scenarios", c.Scenarios, func(s *Scenario) runbooks.Pos { return s.Pos })
	return p
}

// validator checks the meaning of a decoded catalogue: names, tiers, dependencies and
// their cycles, scenarios.
type validator struct {
	*reporter
	c   *Catalogue
	pos yamlnode.Positions
	// parsed is true for a catalogue Parse decoded: the decoder has reported the values
	// it could not take (a tier that is not a number 0 or more), which stay at -1.
	parsed bool
}

// nameRE is what service and scenario names look like (Backstage's entity names).
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

func (v *validator) run() {
	v.header()
	v.tiers()
	v.contacts()
	v.services()
	g := newGraph(v.c.Services)
	for _, cy := range g.cycles() {
		at := yamlnode.Index(yamlnode.Index("services", cy.services[0])+".depends_on", cy.item)
		v.errorf(v.pos.At(at), "dependency cycle: %s", g.cycleText(cy))
	}
	v.scenarios()
	v.references()
	v.downtime()
}

func (v *validator) header() {
	switch c := v.c; {
	case c.APIVersion == "":
		v.errorf(v.pos.At(""), "missing apiVersion: want %q", APIVersion)
	case c.APIVersion != APIVersion:
		v.errorf(v.pos.At("apiVersion"), "apiVersion is %q; this version of bcdr reads %q", c.APIVersion, APIVersion)
	}
	if v.c.Metadata.Name == "" {
		v.errorf(v.pos.At("metadata"), "missing metadata.name")
	}
}

func (v *validator) tiers() {
	seen := map[int]int{}
	for i, t := range v.c.Tiers {
		p := yamlnode.Index("tiers", i)
		if t.Tier < 0 {
			if !v.parsed {
				v.errorf(v.pos.At(p), "tier must be 0 or more, got %d", t.Tier)
			}
			continue
		}
		if first, dup := seen[t.Tier]; dup {
			v.errorf(v.pos.At(p+".tier"), "tier %d is defined twice (first at line %d)", t.Tier, v.pos.At(yamlnode.Index("tiers", first)).Line)
			continue
		}
		seen[t.Tier] = i
	}
}

func (v *validator) tierNumbers() []string {
	var nums []int
	seen := map[int]bool{}
	for _, t := range v.c.Tiers {
		if t.Tier >= 0 && !seen[t.Tier] {
			seen[t.Tier] = true
			nums = append(nums, t.Tier)
		}
	}
	sort.Ints(nums)
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = strconv.Itoa(n)
	}
	return out
}

func (v *validator) services() {
	if len(v.c.Services) == 0 {
		if _, given := v.pos["services"]; given {
			v.errorf(v.pos.At("services"), "services is empty: a catalogue lists at least one service")
		}
	}
	seen := map[string]int{}
	names := v.serviceNames()
	for i := range v.c.Services {
		s := &v.c.Services[i]
		p := yamlnode.Index("services", i)
		v.name("service", "services", i, s.Name, seen)
		v.serviceTier(s, p)
		v.dependencies(s, p, names)
		if Critical(s.Tier) && s.Tier >= 0 && len(s.Runbooks) == 0 && s.Name != "" {
			v.warnf(v.pos.At(p+".name"), "critical service %q (tier %d) has no runbook", s.Name, s.Tier)
		}
	}
}

// serviceNames lists the catalogue's service names, for suggestions.
func (v *validator) serviceNames() []string {
	names := make([]string, 0, len(v.c.Services))
	for _, s := range v.c.Services {
		names = append(names, s.Name)
	}
	return names
}

// name checks the name of item i of list (services, scenarios), a what: its form, and
// that no item before it has it; seen maps each name to the first item that has it.
func (v *validator) name(what, list string, i int, name string, seen map[string]int) {
	if name == "" {
		return
	}
	at := v.pos.At(yamlnode.Index(list, i) + ".name")
	if !nameRE.MatchString(name) {
		v.errorf(at, "%s name %q must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit", what, name)
	}
	if first, dup := seen[name]; dup {
		v.errorf(at, "duplicate %s %q (first at line %d)", what, name, v.pos.At(yamlnode.Index(list, first)).Line)
	} else {
		seen[name] = i
	}
}

func (v *validator) serviceTier(s *Service, p string) {
	switch {
	case s.Tier < 0 && !v.parsed:
		v.errorf(v.pos.At(p), "service %q: tier must be 0 or more, got %d", s.Name, s.Tier)
	case s.Tier >= 0 && len(v.c.Tiers) > 0 && v.c.Tier(s.Tier) == nil:
		v.errorf(v.pos.At(p+".tier"), "service %q has tier %d, which the catalogue's tiers do not define (defined: %s)", s.Name, s.Tier, joinOr(v.tierNumbers()))
	}
}

func (v *validator) dependencies(s *Service, p string, names []string) {
	seen := map[string]bool{}
	for k, dep := range s.DependsOn {
		at := v.pos.At(yamlnode.Index(p+".depends_on", k))
		switch {
		case v.c.Service(dep) == nil:
			v.errorf(at, "service %q depends on unknown service %q%s", s.Name, dep, yamlnode.Suggest(dep, names))
		case seen[dep]:
			v.warnf(at, "service %q lists dependency %q twice", s.Name, dep)
		}
		seen[dep] = true
	}
}

func (v *validator) scenarios() {
	seen := map[string]int{}
	names := v.serviceNames()
	for i := range v.c.Scenarios {
		sc := &v.c.Scenarios[i]
		p := yamlnode.Index("scenarios", i)
		v.name("scenario", "scenarios", i, sc.Name, seen)
		unknown := false
		for k, name := range sc.Select.Services {
			if v.c.Service(name) == nil {
				unknown = true
				v.errorf(v.pos.At(yamlnode.Index(p+".select.services", k)), "scenario %q selects unknown service %q%s", sc.Name, name, yamlnode.Suggest(name, names))
			}
		}
		if _, given := v.pos[p+".select"]; given && !unknown && len(v.c.selected(sc)) == 0 {
			v.warnf(v.pos.At(p+".select"), "scenario %q selects no service", sc.Name)
		}
	}
}

// selected returns the indices of the services a scenario hits directly.
func (c *Catalogue) selected(sc *Scenario) []int {
	var out []int
	for i := range c.Services {
		if sc.Select.Matches(&c.Services[i]) {
			out = append(out, i)
		}
	}
	return out
}

func joinOr(items []string) string {
	switch len(items) {
	case 0:
		return "none"
	case 1:
		return items[0]
	}
	s := ""
	for i, it := range items {
		switch {
		case i == len(items)-1:
			s += " or "
		case i > 0:
			s += ", "
		}
		s += it
	}
	return s
}
