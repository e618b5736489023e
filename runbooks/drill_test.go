package runbooks_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/runbooks"
)

// TestDrillSafetyByDefault: in a drill, a step whose kind changes the world runs only
// through a drill variant; drill: {live: true} runs it for real, and the plan says
// which steps act for real and which a drill leaves out.
func TestDrillSafetyByDefault(t *testing.T) {
	src := fixture.Read(t, "testdata/valid/drill-live.yaml")
	rb, diags := runbooks.Parse("drill-live.yaml", src, nil)
	require.NoError(t, diags.Err())

	canary, flip, note := rb.Step("canary"), rb.Step("flip"), rb.Step("note")
	assert.Equal(t, runbooks.DrillForReal, canary.InDrill())
	assert.Equal(t, runbooks.DrillNotRun, flip.InDrill())
	assert.Equal(t, runbooks.DrillAsWritten, note.InDrill(), "noop changes nothing outside bcdr")
	a, ok := canary.DrillAction()
	assert.True(t, ok)
	assert.Equal(t, "http.request", a.Uses)
	_, ok = flip.DrillAction()
	assert.False(t, ok, "an acting step without a drill variant does not run in a drill")
	_, ok = note.DrillAction()
	assert.True(t, ok)

	p := runbooks.NewPlan(rb, nil)
	real, left := p.DrillEffects()
	assert.Equal(t, []string{"canary"}, real)
	assert.Equal(t, []string{"flip"}, left)
	var text bytes.Buffer
	require.NoError(t, p.WriteText(&text))
	assert.Contains(t, text.String(), "In a drill these steps act for real (drill.live): canary\n")
	assert.Contains(t, text.String(), "In a drill these steps do not run (they would act for real and have no drill variant): flip\n")
	assert.Contains(t, text.String(), "drill: ACTS FOR REAL (drill.live)")
}
