package runbooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
)

// TestPlanShowsPlanesAndEvacuationWarnings: the plan gives each step's plane and home, and
// the same evacuation warnings validate gives, placed at the steps.
func TestPlanShowsPlanesAndEvacuationWarnings(t *testing.T) {
	src := fixture.Read(t, "testdata/valid/evacuates-control-planes.yaml")
	reg := fixtureRegistry(t)
	rb, diags := Parse("old.yaml", src, reg)
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	p := NewPlan(rb, reg)

	byID := p.stepsByID()
	assert.Equal(t, PlaneControl, byID["switch_dns"].Plane)
	assert.Equal(t, "us-east-1", byID["switch_dns"].Home)
	assert.Equal(t, PlaneData, byID["switch_arc"].Plane)
	assert.Equal(t, HomeAnyRegion, byID["switch_arc"].Home)
	assert.Equal(t, "${{ params.dr_region }}", byID["promote"].Home)
	assert.Equal(t, "us-east-1", byID["scale_primary"].Home)

	var places []string
	for _, d := range p.Warnings {
		places = append(places, fmt.Sprintf("%s:%d:%d %s", d.File, d.Line, d.Col, d.Severity))
	}
	assert.Equal(t, []string{"old.yaml:16:5 warning", "old.yaml:20:5 warning", "old.yaml:26:5 warning", "old.yaml:41:5 warning"},
		places, "at the steps (and the probe): %v", p.Warnings)
	require.Len(t, p.Warnings, 4)
	for i, what := range []string{`probe "primary_alarm"`, `rollback of step "promote"`, `step "switch_dns"`, `step "scale_primary"`} {
		assert.Contains(t, p.Warnings[i].Message, what)
	}

	var text bytes.Buffer
	require.NoError(t, p.WriteText(&text))
	assert.Contains(t, text.String(), "control plane us-east-1")
	assert.Contains(t, text.String(), "data plane (any region)")
	assert.Contains(t, text.String(), "control plane ${{ params.dr_region }}")
	assert.Contains(t, text.String(), "Warnings:\n  old.yaml:16:5: warning: steady_state probe \"primary_alarm\"")
	js, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"plane":"control","home":"us-east-1"`)
}

// TestEvacuationCheckNeedsEvacuates: without objectives.evacuates there is nothing to
// compare with, and nothing is reported.
func TestEvacuationCheckNeedsEvacuates(t *testing.T) {
	src := fixture.Read(t, "testdata/valid/evacuates-control-planes.yaml")
	src = bytes.Replace(src, []byte("  evacuates: ${{ params.primary_region }}\n"), nil, 1)
	reg := fixtureRegistry(t)
	rb, diags := Parse("old.yaml", src, reg)
	assert.Empty(t, diags)
	require.NotNil(t, rb)
	assert.Empty(t, NewPlan(rb, reg).Warnings)

	// evacuating another region: Route 53's API is not in it; the calls with region:
	// us-east-1 written out are not either
	src = bytes.Replace(src, []byte("  rto: 1h\n"), []byte("  rto: 1h\n  evacuates: eu-west-1\n"), 1)
	rb, diags = Parse("old.yaml", src, reg)
	assert.Empty(t, diags)
	require.NotNil(t, rb)
}
