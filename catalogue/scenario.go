package catalogue

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/bcdr/bcdr/internal/yamlnode"
	"github.com/bcdr/bcdr/runbooks"
)

// Impact is how a scenario affects one service.
type Impact struct {
	Service string `json:"service"`
	Tier    int    `json:"tier"`
	// Direct is true for a service the scenario hits (its selector picks it); the others
	// are affected because they depend, directly or not, on one that is.
	Direct bool `json:"direct"`
	// Via is the dependency through which an indirectly affected service is affected.
	Via string `json:"via,omitempty"`
}

// Affected returns the services a scenario affects: those it hits directly and every
// service that depends on an affected one, by tier, then name.
func (c *Catalogue) Affected(sc *Scenario) []Impact {
	g := newGraph(c.Services)
	via := map[int]int{} // affected service -> the affected dependency it was reached from (-1: direct)
	var queue []int
	for _, i := range c.selected(sc) {
		via[i] = -1
		queue = append(queue, i)
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, w := range g.dependents[u] {
			if _, seen := via[w]; !seen {
				via[w] = u
				queue = append(queue, w)
			}
		}
	}
	out := make([]Impact, 0, len(via))
	for i, from := range via {
		im := Impact{Service: c.Services[i].Name, Tier: c.Services[i].Tier, Direct: from < 0}
		if from >= 0 {
			im.Via = c.Services[from].Name
		}
		out = append(out, im)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Tier != out[b].Tier {
			return out[a].Tier < out[b].Tier
		}
		return out[a].Service < out[b].Service
	})
	return out
}

// ScenarioPlan is the recovery from a scenario: the affected services and a generated
// runbook whose steps run each affected service's runbooks as child runs, dependencies
// first and independent services in parallel.
type ScenarioPlan struct {
	Scenario Scenario `json:"scenario"`
	Affected []Impact `json:"affected"`
	// Services are the affected services the recovery has steps for, in start order.
	Services []ServicePlan `json:"services"`
	// Runbook is the generated recovery runbook: one `runbook` step per service runbook
	// (a `manual` step for a directly hit service without one), needs following the
	// dependencies, steps in tier order so that tier 1 starts first among those ready.
	Runbook *runbooks.Runbook `json:"runbook"`
	// Nested holds the child runbooks, keyed by the path the steps name, each with its
	// metadata.service set to the service it recovers (so that its runs count for it).
	Nested map[string]runbooks.Runbook `json:"nested"`
	// Plan is the generated runbook's plan; each step's estimate is its child runbook's
	// expected duration, so the critical path is the scenario's.
	Plan *runbooks.Plan `json:"plan"`
}

// ServicePlan is one service's part of a scenario's recovery.
type ServicePlan struct {
	Service string `json:"service"`
	Tier    int    `json:"tier"`
	Direct  bool   `json:"direct"`
	// Steps are the ids of the service's steps in the generated runbook; Runbooks the
	// names of the runbooks they run.
	Steps    []string `json:"steps"`
	Runbooks []string `json:"runbooks"`
	// NoRunbook is true when the service has no runbook for the disruption and a manual
	// step stands in for one.
	NoRunbook bool `json:"noRunbook,omitempty"`
	// Start and Finish are the expected offsets from the start of the recovery.
	Start  runbooks.Duration `json:"start"`
	Finish runbooks.Duration `json:"finish"`
	// RTO is the service's target for the disruption, nil when it has none; Fits says
	// whether Finish is within it.
	RTO  *runbooks.Duration `json:"rto,omitempty"`
	Fits bool               `json:"fits"`
}

// Layers returns the service names by plan layer: a service's dependencies are all in
// earlier layers, and the services of a layer are independent of each other. Each
// service starts as soon as its own dependencies are back; within a layer, the lower
// tier comes first.
func (p *ScenarioPlan) Layers() [][]string {
	step := map[string]string{}
	for _, s := range p.Services {
		for _, id := range s.Steps {
			step[id] = s.Service
		}
	}
	var out [][]string
	for _, layer := range p.Plan.Layers {
		var names []string
		seen := map[string]bool{}
		for _, id := range layer {
			if n := step[id]; !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
		out = append(out, names)
	}
	return out
}

// PlanScenario generates the recovery for the named scenario. Every affected service
// that has runbooks for the scenario's disruption gets one step per runbook (chained
// in the order listed); a directly hit service without one gets a manual step, so that
// its dependents still wait for it; an indirectly affected service without one has no
// step: it comes back with its dependencies. rbs must hold every runbook the steps run
// (LoadRunbooks); reg (nil: the builtin kinds) validates and plans the generated runbook.
func PlanScenario(c *Catalogue, name string, rbs Runbooks, reg *runbooks.Registry) (*ScenarioPlan, error) {
	sc := c.Scenario(name)
	if sc == nil {
		var names []string
		for _, s := range c.Scenarios {
			names = append(names, s.Name)
		}
		return nil, fmt.Errorf("scenario %q is not in catalogue %s%s (scenarios: %s)", name, c.Metadata.Name, yamlnode.Suggest(name, names), joinOr(names))
	}
	if !newGraph(c.Services).acyclic() {
		return nil, fmt.Errorf("catalogue %s has a dependency cycle: no recovery order exists", c.Metadata.Name)
	}
	p := &ScenarioPlan{Scenario: *sc, Affected: c.Affected(sc), Nested: map[string]runbooks.Runbook{}}
	b := &planBuilder{c: c, sc: sc, rbs: rbs, reg: reg, plan: p, ids: map[string]bool{}, last: map[string]string{}}
	if err := b.build(); err != nil {
		return nil, err
	}
	if diags := runbooks.Validate(p.Runbook, reg); diags.HasErrors() {
		return nil, fmt.Errorf("generated recovery runbook for scenario %q is invalid: %w", name, diags)
	}
	p.Plan = runbooks.NewPlan(p.Runbook, reg)
	p.schedule()
	return p, nil
}

// planBuilder generates a scenario's recovery runbook.
type planBuilder struct {
	c    *Catalogue
	sc   *Scenario
	rbs  Runbooks
	reg  *runbooks.Registry
	plan *ScenarioPlan
	ids  map[string]bool
	last map[string]string // service -> its last step id
}

func (b *planBuilder) build() error {
	affected := map[string]Impact{}
	for _, im := range b.plan.Affected {
		affected[im.Service] = im
	}
	keys := b.nestedKeys(affected)
	var steps []runbooks.Step
	for _, i := range b.order(affected) {
		s := &b.c.Services[i]
		im := affected[s.Name]
		refs := b.refs(s)
		if len(refs) == 0 && !im.Direct {
			continue
		}
		sp := ServicePlan{Service: s.Name, Tier: s.Tier, Direct: im.Direct}
		needs := b.needs(s, affected)
		if len(refs) == 0 {
			sp.NoRunbook = true
			steps = append(steps, b.manualStep(s, needs))
			sp.Steps = append(sp.Steps, steps[len(steps)-1].ID)
		}
		for _, ref := range refs {
			rb := b.rbs[ref.Path]
			if rb == nil {
				return fmt.Errorf("runbook %q of service %q is not loaded", ref.Path, s.Name)
			}
			key := keys[s.Name+"\x00"+ref.Path]
			nested := *rb
			nested.Metadata.Service = s.Name
			b.plan.Nested[key] = nested
			st := b.childStep(s, ref, rb, key, needs)
			steps = append(steps, st)
			sp.Steps = append(sp.Steps, st.ID)
			sp.Runbooks = append(sp.Runbooks, rb.Metadata.Name)
			needs = []string{st.ID}
		}
		b.last[s.Name] = sp.Steps[len(sp.Steps)-1]
		if t := b.c.Target(s, b.sc.Disruption); t.RTO != nil {
			sp.RTO = t.RTO
		}
		b.plan.Services = append(b.plan.Services, sp)
	}
	b.plan.Runbook = b.runbook(steps)
	return nil
}

// refs returns the service's runbooks for the scenario's disruption.
func (b *planBuilder) refs(s *Service) []*RunbookRef {
	var out []*RunbookRef
	for k := range s.Runbooks {
		if s.Runbooks[k].For(b.sc.Disruption) {
			out = append(out, &s.Runbooks[k])
		}
	}
	return out
}

// nestedKeys chooses the key of each (service, runbook) in Nested: the path itself,
// unless more than one service of the plan runs that runbook, then "path#service", so
// that each child run carries the service it recovers.
func (b *planBuilder) nestedKeys(affected map[string]Impact) map[string]string {
	users := map[string]int{}
	for _, s := range b.c.Services {
		if _, ok := affected[s.Name]; ok {
			for _, r := range b.refs(&s) {
				users[r.Path]++
			}
		}
	}
	keys := map[string]string{}
	for _, s := range b.c.Services {
		for _, r := range b.refs(&s) {
			key := r.Path
			if users[r.Path] > 1 {
				key += "#" + s.Name
			}
			keys[s.Name+"\x00"+r.Path] = key
		}
	}
	return keys
}

// order returns the affected services in a topological order in which, among the
// services whose dependencies come before, the lower tier (then the name) comes first.
func (b *planBuilder) order(affected map[string]Impact) []int {
	g := newGraph(b.c.Services)
	in := func(i int) bool { _, ok := affected[b.c.Services[i].Name]; return ok }
	indeg := map[int]int{}
	h := &byTier{c: b.c}
	for i := range b.c.Services {
		if !in(i) {
			continue
		}
		for _, d := range g.deps[i] {
			if in(d) {
				indeg[i]++
			}
		}
		if indeg[i] == 0 {
			heap.Push(h, i)
		}
	}
	var out []int
	for h.Len() > 0 {
		u := heap.Pop(h).(int)
		out = append(out, u)
		for _, w := range g.dependents[u] {
			if !in(w) {
				continue
			}
			if indeg[w]--; indeg[w] == 0 {
				heap.Push(h, w)
			}
		}
	}
	return out
}

// byTier is a heap of service indices, lowest tier first, then by name.
type byTier struct {
	c     *Catalogue
	items []int
}

func (h *byTier) Len() int { return len(h.items) }
func (h *byTier) Less(a, b int) bool {
	sa, sb := &h.c.Services[h.items[a]], &h.c.Services[h.items[b]]
	if sa.Tier != sb.Tier {
		return sa.Tier < sb.Tier
	}
	return sa.Name < sb.Name
}
func (h *byTier) Swap(a, b int) { h.items[a], h.items[b] = h.items[b], h.items[a] }
func (h *byTier) Push(x any)    { h.items = append(h.items, x.(int)) }
func (h *byTier) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// needs returns the last steps of the nearest affected dependencies that have steps,
// looking through affected dependencies without one.
func (b *planBuilder) needs(s *Service, affected map[string]Impact) []string {
	set := map[string]bool{}
	seen := map[string]bool{}
	var walk func(s *Service)
	walk = func(s *Service) {
		for _, dep := range s.DependsOn {
			if _, ok := affected[dep]; !ok || seen[dep] {
				continue
			}
			seen[dep] = true
			if id, ok := b.last[dep]; ok {
				set[id] = true
			} else if d := b.c.Service(dep); d != nil {
				walk(d)
			}
		}
	}
	walk(s)
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

var notIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// stepID returns a step id for the service, unique in the runbook.
func (b *planBuilder) stepID(service string) string {
	base := notIdent.ReplaceAllString(service, "_")
	if base == "" || (base[0] >= '0' && base[0] <= '9') {
		base = "s_" + base
	}
	id := base
	for n := 2; b.ids[id]; n++ {
		id = fmt.Sprintf("%s_%d", base, n)
	}
	b.ids[id] = true
	return id
}

func (b *planBuilder) childStep(s *Service, ref *RunbookRef, rb *runbooks.Runbook, key string, needs []string) runbooks.Step {
	params := map[string]any{}
	for k, v := range ref.Params {
		params[k] = v
	}
	with := map[string]any{"path": key}
	if len(params) > 0 {
		with["params"] = params
	}
	return runbooks.Step{
		ID:          b.stepID(s.Name),
		Name:        fmt.Sprintf("Recover %s: %s", s.Name, rb.Metadata.Name),
		Description: s.Description,
		Action:      runbooks.Action{Uses: runbooks.KindRunbook, With: with},
		Needs:       needs,
		Estimate:    runbooks.NewPlan(rb, b.reg).ExpectedDuration,
	}
}

func (b *planBuilder) manualStep(s *Service, needs []string) runbooks.Step {
	assignee := s.Owner
	return runbooks.Step{
		ID:   b.stepID(s.Name),
		Name: fmt.Sprintf("Recover %s by hand: it has no runbook for %s", s.Name, b.sc.Disruption),
		Instructions: fmt.Sprintf("%s is hit by %s and the catalogue names no runbook that recovers it from a %s disruption. "+
			"Its owner (%s) recovers it and marks this step done; the services that depend on it wait.",
			s.Name, b.sc.title(), b.sc.Disruption, s.Owner),
		Action: runbooks.Action{Uses: runbooks.KindManual, With: map[string]any{"assignee": assignee}},
		Needs:  needs,
	}
}

func (sc *Scenario) title() string {
	if sc.Title != "" {
		return sc.Title
	}
	return sc.Name
}

// runbook wraps the steps in the generated recovery runbook. Its RTO is the longest
// target of the services it recovers: the time by which all of them must be back.
func (b *planBuilder) runbook(steps []runbooks.Step) *runbooks.Runbook {
	var rto runbooks.Duration
	for _, sp := range b.plan.Services {
		if sp.RTO != nil && *sp.RTO > rto {
			rto = *sp.RTO
		}
	}
	desc := b.sc.Description
	if desc == "" {
		desc = b.sc.title()
	}
	rb := &runbooks.Runbook{
		APIVersion: runbooks.APIVersion,
		Metadata: runbooks.Metadata{
			Name:        "scenario-" + b.sc.Name,
			Description: strings.TrimSpace(desc),
			Owner:       b.c.Metadata.Owner,
			Labels: map[string]string{
				"catalogue": b.c.Metadata.Name, "scenario": b.sc.Name, "disruption": string(b.sc.Disruption),
			},
		},
		Objectives: runbooks.Objectives{RTO: rto},
		Steps:      steps,
	}
	if rb.Steps == nil {
		rb.Steps = []runbooks.Step{}
	}
	src, _ := json.Marshal(struct {
		Catalogue string
		Runbook   *runbooks.Runbook
		Nested    map[string]runbooks.Runbook
	}{b.c.Source.Digest, rb, b.plan.Nested})
	rb.Source = runbooks.Source{File: b.c.Source.File + "#scenarios/" + b.sc.Name, Digest: runbooks.Digest(src)}
	return rb
}

// schedule copies each service's expected start and finish from the plan and says
// whether it fits the service's RTO.
func (p *ScenarioPlan) schedule() {
	byID := map[string]runbooks.PlanStep{}
	for _, s := range p.Plan.Steps {
		byID[s.ID] = s
	}
	for i := range p.Services {
		sp := &p.Services[i]
		for k, id := range sp.Steps {
			st := byID[id]
			if k == 0 {
				sp.Start = st.Start
			}
			sp.Finish = max(sp.Finish, st.Finish)
		}
		sp.Fits = sp.RTO == nil || sp.Finish <= *sp.RTO
	}
}
