package runbooks_test

import (
	"fmt"
	"os"

	"github.com/bcdr/bcdr/runbooks"
)

// A runbook is YAML: metadata, objectives, parameters and a DAG of steps. Each step
// uses a step kind; ${{ }} expressions read parameters and the outputs of upstream steps.
func Example_parse() {
	src := []byte(`
apiVersion: bcdr.io/v1
kind: Runbook
metadata:
  name: restart-api
  owner: group:sre
objectives: {rto: 15m}
parameters:
  - name: base_url
    default: http://127.0.0.1:8080
steps:
  - id: check
    uses: http.check
    with: {url: "${{ params.base_url }}/healthz", expect_down: true}
  - id: approve
    needs: check
    uses: approval
    with: {approvers: ["group:oncall"], timeout: 10m, on_timeout: fail}
  - id: restart
    needs: approve
    uses: http.request
    with: {url: "${{ params.base_url }}/admin/restart"}
    rollback: {uses: notify, with: {channel: ops, message: restart undone}}
`)
	rb, diags := runbooks.Parse("restart-api.yaml", src, nil)
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	fmt.Println(rb.Metadata.Name, "RTO", rb.Objectives.RTO)
	for _, st := range rb.Steps {
		fmt.Println(st.ID, st.Uses, st.Needs)
	}
	fmt.Println("approvers:", rb.Step("approve").Approval.Approvers)

	// Every problem is reported at once, each with its place.
	_, diags = runbooks.Parse("broken.yaml", []byte(`
apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: broken}
steps:
  - id: a
    uses: http.chek
    needs: b
  - id: b
    uses: wait
    with: {duration: 5 minutes}
    needs: a
`), nil)
	fmt.Println(diags)
	// Output:
	// restart-api RTO 15m
	// check http.check []
	// approve approval [check]
	// restart http.request [approve]
	// approvers: [group:oncall]
	// broken.yaml:7:11: unknown step kind "http.chek" (did you mean "http.check"?)
	// broken.yaml:8:12: cyclic needs: a -> b -> a
	// broken.yaml:11:22: input "duration" of step kind "wait": invalid duration "5 minutes": want e.g. "90s", "5m", "1h30m" or "2d"
}

// NewPlan lays a runbook out without running it: parallel layers, the critical path and
// the expected duration against the RTO.
func ExampleNewPlan() {
	rb, diags := runbooks.Parse("plan.yaml", []byte(`
apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: failover}
objectives: {rto: 30m}
steps:
  - {id: scale_web, uses: noop, estimate: 5m}
  - {id: promote_db, uses: noop, estimate: 10m}
  - {id: switch_dns, uses: noop, estimate: 1m, needs: [scale_web, promote_db]}
  - {id: verify, uses: http.check, with: {url: "http://127.0.0.1/"}, needs: switch_dns}
`), nil)
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	plan := runbooks.NewPlan(rb, nil)
	fmt.Println("layers:", plan.Layers)
	fmt.Println("critical path:", plan.CriticalPath)
	fmt.Println("expected:", plan.ExpectedDuration)
	_ = plan.WriteText(os.Stdout)
	// Output:
	// layers: [[scale_web promote_db] [switch_dns] [verify]]
	// critical path: [promote_db switch_dns verify]
	// expected: 11m2s
	// Plan: failover
	// Objectives: RTO 30m
	// Expected duration: 11m2s (within the RTO of 30m)
	// Critical path: promote_db -> switch_dns -> verify
	//
	// Layer 1
	//   scale_web   noop  5m   +0s
	//   promote_db  noop  10m  +0s  critical
	//
	// Layer 2
	//   switch_dns  noop  1m  +10m  critical
	//
	// Layer 3
	//   verify  http.check  2s  +11m  critical
}

// Expressions are evaluated by the workflow with the run's scope. A value that is
// exactly one ${{ }} keeps its type; otherwise the result is a string.
func ExampleExpandMap() {
	scope := runbooks.Scope{
		Params: map[string]any{"region": "eu-west-1", "replicas": 3.0},
		Steps:  map[string]runbooks.StepScope{"check": {Status: "succeeded", Outputs: map[string]any{"status": 200}}},
		Mode:   "drill",
	}
	with, err := runbooks.ExpandMap(map[string]any{
		"count":   "${{ params.replicas * 2 }}",
		"message": "${{ params.region }} answered ${{ steps.check.outputs.status }} (${{ mode }})",
		"tags":    []any{"${{ upper(params.region) }}"},
	}, scope)
	fmt.Println(with["count"], with["message"], with["tags"], err)
	ok, err := runbooks.EvalBool(`steps.check.outputs.status == 200 && mode != "live"`, scope)
	fmt.Println(ok, err)
	// Output:
	// 6 eu-west-1 answered 200 (drill) [EU-WEST-1] <nil>
	// true <nil>
}
