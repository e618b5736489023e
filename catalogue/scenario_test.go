package catalogue_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/runbooks"
)

// TestSampleValidates checks the sample catalogue and every runbook it names against
// the real step kinds: no error, no warning.
func TestSampleValidates(t *testing.T) {
	c, rbs, _ := loadSample(t)
	assert.Len(t, c.Services, 20)
	assert.Len(t, rbs, len(c.RunbookPaths()))
	assert.GreaterOrEqual(t, len(c.Scenarios), 3)
}

// TestRegionLossOrderOverSample plans the loss of us-east-1 over the sample: every
// service there is recovered after its dependencies, independent services in parallel,
// tier 1 first among those ready.
func TestRegionLossOrderOverSample(t *testing.T) {
	c, rbs, reg := loadSample(t)
	p, err := catalogue.PlanScenario(c, "us-east-1-lost", rbs, reg)
	require.NoError(t, err)

	assert.Equal(t, [][]string{
		{"orders-db", "sessions", "documents", "notifications"},
		{"payments", "identity", "catalog-api", "inventory", "analytics-warehouse", "marketing-site"},
		{"checkout", "fulfilment", "returns", "search", "recommendations"},
		{"storefront"},
	}, p.Layers())

	// Dependencies first: each step needs exactly the steps of the service's affected
	// dependencies, and starts when the last of them is expected to finish.
	byService := map[string]catalogue.ServicePlan{}
	for _, s := range p.Services {
		byService[s.Service] = s
	}
	for _, s := range p.Services {
		svc := c.Service(s.Service)
		var want []string
		var start runbooks.Duration
		for _, dep := range svc.DependsOn {
			if d, ok := byService[dep]; ok {
				want = append(want, d.Steps[len(d.Steps)-1])
				start = max(start, d.Finish)
			}
		}
		assert.ElementsMatch(t, want, p.Runbook.Step(s.Steps[0]).Needs, s.Service)
		assert.Equal(t, start, s.Start, s.Service)
	}

	// Independent services in parallel: the first layer starts at once.
	for _, name := range p.Layers()[0] {
		assert.Zero(t, byService[name].Start, name)
	}
	// Tier priority: in the runbook (the order in which ready steps start) no step
	// comes after a step of a higher tier that became ready at the same time.
	tierOf := map[string]int{}
	startOf := map[string]runbooks.Duration{}
	for _, s := range p.Services {
		tierOf[s.Steps[0]], startOf[s.Steps[0]] = s.Tier, s.Start
	}
	steps := p.Runbook.Steps
	for i := range steps {
		for j := i + 1; j < len(steps); j++ {
			a, b := steps[i].ID, steps[j].ID
			if startOf[a] == startOf[b] {
				assert.LessOrEqual(t, tierOf[a], tierOf[b], "%s (tier %d) is ready with %s (tier %d) and starts first", a, tierOf[a], b, tierOf[b])
			}
		}
	}
	assert.Equal(t, "orders_db", steps[0].ID)

	// Every child run is a `runbook` step whose path is in Nested, with the service set.
	for _, st := range p.Runbook.Steps {
		if st.Uses != runbooks.KindRunbook {
			assert.Equal(t, "analytics_warehouse", st.ID, "only the service without a runbook has a manual step")
			continue
		}
		key := st.With["path"].(string)
		nested, ok := p.Nested[key]
		require.True(t, ok, key)
		assert.Equal(t, nested.Metadata.Service, serviceOfStep(p, st.ID))
	}
	// The ECS runbook is shared, so its Nested keys carry the service.
	assert.Equal(t, "../ecs-service-region-failover.yaml#checkout", p.Runbook.Step("checkout").With["path"])
	assert.Equal(t, "../rds-promote-read-replica.yaml", p.Runbook.Step("orders_db").With["path"])

	// The critical path ends at the storefront, which waits for the most, through
	// dependencies. (The library runbooks' estimates change with them, so whether it fits
	// its RTO is not pinned here; Fits must agree with the times.)
	path := p.Plan.CriticalPath
	require.NotEmpty(t, path)
	assert.Equal(t, "storefront", path[len(path)-1])
	for i := 1; i < len(path); i++ {
		assert.Contains(t, p.Runbook.Step(path[i]).Needs, path[i-1])
	}
	for _, s := range p.Services {
		assert.Equal(t, s.Finish <= *s.RTO, s.Fits, s.Service)
		assert.Equal(t, !s.Fits, slices.Contains(p.Misses(), s.Service), s.Service)
	}

	var out bytes.Buffer
	require.NoError(t, p.WriteText(&out))
	assert.Contains(t, out.String(), "back with their dependencies (no step): finance-erp (via orders-db)")
	assert.Contains(t, out.String(), "gap: analytics-warehouse is hit and has no runbook")
}

func serviceOfStep(p *catalogue.ScenarioPlan, id string) string {
	for _, s := range p.Services {
		for _, x := range s.Steps {
			if x == id {
				return s.Service
			}
		}
	}
	return ""
}

// testCatalogue builds a catalogue in Go: a and b have no dependencies (b is tier 1,
// a tier 2), c depends on a and b and has two runbooks, d depends on c through e, which
// has no runbook, and f is not hit at all.
func testCatalogue(t *testing.T) (*catalogue.Catalogue, catalogue.Runbooks) {
	rb := func(name string, estimate string) *runbooks.Runbook {
		d, err := runbooks.ParseDuration(estimate)
		require.NoError(t, err)
		return &runbooks.Runbook{APIVersion: runbooks.APIVersion, Metadata: runbooks.Metadata{Name: name},
			Steps: []runbooks.Step{{ID: "x", Action: runbooks.Action{Uses: "noop"}, Estimate: d}}}
	}
	ref := func(path string) []catalogue.RunbookRef {
		return []catalogue.RunbookRef{{Path: path, Disruptions: []catalogue.Disruption{catalogue.Zone}}}
	}
	c := &catalogue.Catalogue{
		APIVersion: catalogue.APIVersion, Metadata: catalogue.Metadata{Name: "test"},
		Services: []catalogue.Service{
			{Name: "a", Owner: "o", Tier: 2, Runbooks: ref("a.yaml"), Tags: map[string]string{"zone": "z1"}},
			{Name: "b", Owner: "o", Tier: 1, Runbooks: ref("b.yaml"), Tags: map[string]string{"zone": "z1"}},
			{Name: "c", Owner: "o", Tier: 1, DependsOn: []string{"a", "b"}, Tags: map[string]string{"zone": "z1"},
				Runbooks: append(ref("c1.yaml"), ref("c2.yaml")...)},
			{Name: "e", Owner: "group:e", Tier: 3, DependsOn: []string{"c"}},
			{Name: "d", Owner: "o", Tier: 2, DependsOn: []string{"e"}, Runbooks: ref("a.yaml")},
			{Name: "f", Owner: "o", Tier: 1, Runbooks: ref("a.yaml")},
			{Name: "g", Owner: "group:g", Tier: 1, Tags: map[string]string{"zone": "z1"}},
		},
		Scenarios: []catalogue.Scenario{{Name: "z1-lost", Disruption: catalogue.Zone, Select: catalogue.Selector{Tags: map[string]string{"zone": "z1"}}}},
	}
	require.Empty(t, catalogue.Validate(c).Err())
	return c, catalogue.Runbooks{"a.yaml": rb("ra", "10m"), "b.yaml": rb("rb", "5m"), "c1.yaml": rb("rc1", "1m"), "c2.yaml": rb("rc2", "2m")}
}

func TestAffectedFollowsDependents(t *testing.T) {
	c, _ := testCatalogue(t)
	got := c.Affected(c.Scenario("z1-lost"))
	assert.Equal(t, []catalogue.Impact{
		{Service: "b", Tier: 1, Direct: true},
		{Service: "c", Tier: 1, Direct: true},
		{Service: "g", Tier: 1, Direct: true},
		{Service: "a", Tier: 2, Direct: true},
		{Service: "d", Tier: 2, Via: "e"},
		{Service: "e", Tier: 3, Via: "c"},
	}, got)
}

func TestPlanScenarioSteps(t *testing.T) {
	c, rbs := testCatalogue(t)
	p, err := catalogue.PlanScenario(c, "z1-lost", rbs, nil)
	require.NoError(t, err)
	ids := func() []string {
		var out []string
		for _, s := range p.Runbook.Steps {
			out = append(out, s.ID)
		}
		return out
	}()
	// b (tier 1) before a (tier 2), both ready at once; g (tier 1, no runbook) gets a
	// manual step; c's two runbooks are chained; e has no step and d needs c through it.
	assert.Equal(t, []string{"b", "g", "a", "c", "c_2", "d"}, ids)
	assert.Equal(t, runbooks.KindManual, p.Runbook.Step("g").Uses)
	assert.Equal(t, "group:g", p.Runbook.Step("g").With["assignee"])
	assert.ElementsMatch(t, []string{"a", "b"}, p.Runbook.Step("c").Needs)
	assert.Equal(t, []string{"c"}, p.Runbook.Step("c_2").Needs)
	assert.Equal(t, []string{"c_2"}, p.Runbook.Step("d").Needs)
	// a.yaml is run for a and d: keyed per service so each run carries its service.
	assert.Equal(t, "a.yaml#a", p.Runbook.Step("a").With["path"])
	assert.Equal(t, "a", p.Nested["a.yaml#a"].Metadata.Service)
	assert.Equal(t, "d", p.Nested["a.yaml#d"].Metadata.Service)
	assert.Equal(t, "b.yaml", p.Runbook.Step("b").With["path"])
	// The critical path: a (10m), c1 (1m), c2 (2m), d (10m).
	assert.Equal(t, []string{"a", "c", "c_2", "d"}, p.Plan.CriticalPath)
	assert.Equal(t, "23m", p.Plan.ExpectedDuration.String())
	assert.Empty(t, runbooks.Validate(p.Runbook, nil).Err())

	_, err = catalogue.PlanScenario(c, "z2-lost", rbs, nil)
	assert.ErrorContains(t, err, `scenario "z2-lost" is not in catalogue test`)
}

func TestPlanScenarioRefusesCycles(t *testing.T) {
	c, rbs := testCatalogue(t)
	c.Services[0].DependsOn = []string{"c"}
	_, err := catalogue.PlanScenario(c, "z1-lost", rbs, nil)
	assert.ErrorContains(t, err, "dependency cycle")
}
