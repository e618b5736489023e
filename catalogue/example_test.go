package catalogue_test

import (
	"fmt"
	"time"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/runbooks"
)

// A catalogue lists services with their tier, targets, dependencies and runbooks.
// Check parses it and checks each runbook it names; PlanScenario generates the recovery
// from a disaster: dependencies first, independent services in parallel.
func Example_planScenario() {
	src := []byte(`
apiVersion: bcdr.io/v1
kind: Catalogue
metadata: {name: shop}
tiers:
  - tier: 1
    targets: {region: {rto: 1h, rpo: 15m}}
services:
  - name: db
    owner: group:dba
    tier: 1
    tags: {region: eu-west-1}
    runbooks: [{path: db.yaml, disruptions: region}]
  - name: api
    owner: group:web
    tier: 1
    depends_on: [db]
    tags: {region: eu-west-1}
    runbooks: [{path: api.yaml, disruptions: region}]
  - name: web
    owner: group:web
    tier: 1
    depends_on: [api]
    tags: {region: eu-west-1}
    runbooks: [{path: api.yaml, disruptions: region}]
scenarios:
  - name: eu-west-1-lost
    disruption: region
    select: {tags: {region: eu-west-1}}
`)
	files := map[string]string{
		"db.yaml":  "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: promote-db}\nobjectives: {rto: 30m}\nsteps: [{id: promote, uses: noop, estimate: 20m}]\n",
		"api.yaml": "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: failover-app}\nobjectives: {rto: 2h}\nsteps: [{id: scale, uses: noop, estimate: 15m}]\n",
	}
	load := func(path string) (*runbooks.Runbook, error) {
		rb, diags := runbooks.Parse(path, []byte(files[path]), nil)
		return rb, diags.Err()
	}
	_, _, diags := catalogue.Check("shop.yaml", src, load)
	fmt.Println(diags)

	// With the app runbook's RTO tightened, the catalogue is consistent.
	files["api.yaml"] = "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: failover-app}\nobjectives: {rto: 30m}\nsteps: [{id: scale, uses: noop, estimate: 15m}]\n"
	c, rbs, _ := catalogue.Check("shop.yaml", src, load)
	plan, err := catalogue.PlanScenario(c, "eu-west-1-lost", rbs, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.Layers())
	for _, s := range plan.Services {
		fmt.Printf("%s back at +%s (RTO %s, fits: %v)\n", s.Service, s.Finish, *s.RTO, s.Fits)
	}

	// Coverage joins the catalogue with run results.
	rep := catalogue.Coverage(c, rbs, []catalogue.RunResult{
		{Runbook: "promote-db", Service: "db", Mode: "drill", Outcome: "succeeded",
			StartedAt: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), RTO: runbooks.MeasuredFigure(40*time.Minute, 0, "")},
	}, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	for _, g := range rep.Gaps {
		fmt.Println(g.Kind, g.Message)
	}
	// Output:
	// shop.yaml:19:23: runbook failover-app declares rto 2h, looser than service "api"'s region target of 1h
	// shop.yaml:25:23: runbook failover-app declares rto 2h, looser than service "web"'s region target of 1h
	// [[db] [api] [web]]
	// db back at +20m (RTO 1h, fits: true)
	// api back at +35m (RTO 1h, fits: true)
	// web back at +50m (RTO 1h, fits: true)
	// never-passed runbook failover-app of api never passed a drill
	// never-passed runbook failover-app of web never passed a drill
}
