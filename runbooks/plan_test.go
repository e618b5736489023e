package runbooks

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t testing.TB, src string) *Runbook {
	t.Helper()
	rb, diags := Parse("t.yaml", []byte(src), fixtureRegistry(t))
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	return rb
}

const diamond = `
apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: diamond}
objectives: {rto: 10m}
steps:
  - {id: start, uses: noop, estimate: 1m}
  - {id: slow, uses: wait, needs: start, with: {duration: 5m}}
  - {id: fast, uses: noop, needs: start, timeout: 2m}
  - {id: gate, uses: approval, needs: start, with: {approvers: [alice]}}
  - {id: finish, uses: aws.route53.upsert_record, needs: [slow, fast], rollback: {uses: noop}}
`

func TestNewPlan(t *testing.T) {
	rb := mustParse(t, diamond)
	p := NewPlan(rb, fixtureRegistry(t))
	assert.Equal(t, [][]string{{"start"}, {"slow", "fast", "gate"}, {"finish"}}, p.Layers)
	assert.Equal(t, []string{"start", "gate"}, p.CriticalPath, "the approval's default 15m estimate dominates")
	assert.Equal(t, 16*time.Minute, p.ExpectedDuration.Std())
	assert.Equal(t, "16m", p.ExpectedDurationText)
	assert.Equal(t, []string{"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"}, p.IAMActions)

	by := p.stepsByID()
	assert.Equal(t, "step", by["start"].EstimatedBy)
	assert.Equal(t, "input", by["slow"].EstimatedBy)
	assert.Equal(t, 5*time.Minute, by["slow"].Estimate.Std())
	assert.Equal(t, "kind", by["fast"].EstimatedBy)
	assert.Equal(t, "kind", by["gate"].EstimatedBy)
	assert.Equal(t, []string{"alice"}, by["gate"].Approvers)
	assert.Equal(t, "noop", by["finish"].Rollback)
	assert.Equal(t, 6*time.Minute, by["finish"].Start.Std())
	assert.True(t, by["gate"].Critical)
	assert.False(t, by["slow"].Critical)
}

func TestPlanEstimateFromTimeout(t *testing.T) {
	reg, err := DefaultRegistry(Kind{Name: "custom"}, Kind{Name: "plain"})
	require.NoError(t, err)
	rb := &Runbook{Steps: []Step{
		{ID: "a", Action: Action{Uses: "custom", Timeout: Duration(10 * time.Minute)}},
		{ID: "b", Action: Action{Uses: "plain"}},
	}}
	p := NewPlan(rb, reg)
	assert.Equal(t, "timeout", p.Steps[0].EstimatedBy)
	assert.Equal(t, 5*time.Minute, p.Steps[0].Estimate.Std())
	assert.Equal(t, "default", p.Steps[1].EstimatedBy)
}

func TestPlanOfCycleDoesNotLoop(t *testing.T) {
	rb := &Runbook{Steps: []Step{{ID: "a", Needs: []string{"b"}}, {ID: "b", Needs: []string{"a"}}, {ID: "c"}}}
	p := NewPlan(rb, nil)
	assert.Equal(t, [][]string{{"c"}}, p.Layers)
	assert.Equal(t, -1, p.Steps[0].Layer)
	var buf bytes.Buffer
	require.NoError(t, p.WriteText(&buf))
	require.NoError(t, WriteDoc(&buf, rb, nil))
}

// A `runbook` step is estimated at its child's expected duration when the plan is given
// the nested runbooks, through every level; an explicit estimate still wins, and a child
// that nests itself does not make planning loop.
func TestPlanOfNestedRunbooks(t *testing.T) {
	nest := func(path string) Step {
		return Step{ID: "run_" + strings.TrimSuffix(path, ".yaml"), Action: Action{Uses: KindRunbook, With: map[string]any{"path": path}}}
	}
	noop := func(id string, d time.Duration, needs ...string) Step {
		return Step{ID: id, Action: Action{Uses: KindNoop}, Estimate: Duration(d), Needs: needs}
	}
	grandchild := Runbook{Steps: []Step{noop("g", 2*time.Minute)}}
	child := Runbook{Steps: []Step{noop("a", 3*time.Minute), noop("b", 4*time.Minute, "a"), nest("grandchild.yaml")}}
	child.Steps[2].Needs = []string{"b"}
	loop := Runbook{Steps: []Step{noop("x", time.Minute), nest("loop.yaml")}}
	loop.Steps[1].Needs = []string{"x"}
	parent := &Runbook{Steps: []Step{nest("child.yaml"), nest("loop.yaml"), nest("missing.yaml"), nest("child.yaml")}}
	parent.Steps[3].ID, parent.Steps[3].Estimate = "estimated", Duration(time.Minute)
	nested := map[string]Runbook{"child.yaml": child, "grandchild.yaml": grandchild, "loop.yaml": loop}

	by := NewPlanNested(parent, nil, nested).stepsByID()
	assert.Equal(t, "runbook", by["run_child"].EstimatedBy)
	assert.Equal(t, 9*time.Minute, by["run_child"].Estimate.Std(), "3m + 4m, then the grandchild's 2m")
	assert.Equal(t, "runbook", by["run_loop"].EstimatedBy)
	assert.Equal(t, 11*time.Minute, by["run_loop"].Estimate.Std(), "1m, and the kind's 10m where the loop comes back")
	assert.Equal(t, "kind", by["run_missing"].EstimatedBy, "a child not given keeps the kind's default")
	assert.Equal(t, "step", by["estimated"].EstimatedBy)

	flat := NewPlan(parent, nil).stepsByID()
	assert.Equal(t, "kind", flat["run_child"].EstimatedBy)
	assert.Equal(t, 10*time.Minute, flat["run_child"].Estimate.Std())
}

func TestPlanRenderers(t *testing.T) {
	rb := mustParse(t, diamond)
	p := NewPlan(rb, fixtureRegistry(t))

	var mm bytes.Buffer
	require.NoError(t, p.WriteMermaid(&mm))
	assert.True(t, strings.HasPrefix(mm.String(), "flowchart TD\n"))
	assert.Contains(t, mm.String(), "s0 ==> s3", "critical edge start -> gate is thick")
	assert.Contains(t, mm.String(), "s0 --> s1")
	assert.Contains(t, mm.String(), "class s0,s3 critical")

	var dot bytes.Buffer
	require.NoError(t, p.WriteDot(&dot))
	assert.Contains(t, dot.String(), `digraph "diamond" {`)
	assert.Contains(t, dot.String(), "s0 -> s3 [color=red, penwidth=2];")
	assert.Contains(t, dot.String(), "s1 -> s4;")

	b, err := json.Marshal(p)
	require.NoError(t, err)
	var back Plan
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, p.CriticalPath, back.CriticalPath)
	assert.Contains(t, string(b), `"criticalPath":["start","gate"]`)
}

func TestPlanExceedingRTO(t *testing.T) {
	rb := mustParse(t, diamond)
	var buf bytes.Buffer
	require.NoError(t, NewPlan(rb, fixtureRegistry(t)).WriteText(&buf))
	assert.Contains(t, buf.String(), "Expected duration: 16m (EXCEEDS the RTO of 10m)")
}

func TestWriteDoc(t *testing.T) {
	reg := fixtureRegistry(t)
	rb, diags := Load(os.DirFS("library"), "aws-region-failover-web.yaml", reg)
	require.Empty(t, diags)
	var buf bytes.Buffer
	require.NoError(t, WriteDoc(&buf, rb, reg))
	doc := buf.String()
	for _, want := range []string{
		"# aws-region-failover-web\n",
		"## Purpose",
		"| Owner | group:platform-sre |",
		"- **RTO** (recovery time objective): 1h",
		"## Parameters",
		"| `hosted_zone_id` | string | *required* |",
		"## Prerequisites: steady state",
		"### 1. Confirm the primary region is impaired",
		"**In a drill**: skipped.",
		"- **Approved by**: group:incident-commanders (1 approval(s) needed",
		"- **If nobody approves within 15m**: escalate to group:engineering-directors, who have 15m",
		"> Before you approve:",
		"**Rollback**: `aws.autoscaling.set_capacity`",
		"## Rollback",
		"## Review and sign-off",
	} {
		assert.Contains(t, doc, want)
	}
	// Steps come in the order they run: the approval after both checks.
	assert.Less(t, strings.Index(doc, "Check the DR load balancer"), strings.Index(doc, "Incident commander approves"))
}
