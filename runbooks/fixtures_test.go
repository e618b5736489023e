package runbooks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
)

func fixtureRegistry(t testing.TB) *Registry {
	reg, err := DefaultRegistry(testKinds()...)
	require.NoError(t, err)
	return reg
}

func TestValidFixtures(t *testing.T) {
	runFixtures(t, "testdata/valid/*.yaml", false)
}

func TestInvalidFixtures(t *testing.T) {
	runFixtures(t, "testdata/invalid/*.yaml", true)
}

func runFixtures(t *testing.T, pattern string, invalid bool) {
	reg := fixtureRegistry(t)
	fixture.Each(t, pattern, func(t *testing.T, name string, src []byte, wants []fixture.Want) {
		rb, diags := Parse(name, src, reg)
		if invalid {
			require.NotEmpty(t, wants, "an invalid fixture says what it wants with # want: line:col: message")
			assert.True(t, diags.HasErrors(), "want errors")
			assert.Nil(t, rb)
		} else {
			require.False(t, diags.HasErrors(), "%s", diags.Error())
			require.NotNil(t, rb)
			assert.Equal(t, Digest(src), rb.Source.Digest)
		}
		fixture.CheckDiagnostics(t, wants, diags)
		for _, d := range diags {
			assert.Equal(t, name, d.File)
		}
	})
}

func TestLibrary(t *testing.T) {
	files, err := filepath.Glob("library/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 8)
	reg := fixtureRegistry(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			rb, diags := Load(os.DirFS("library"), filepath.Base(file), reg)
			require.Empty(t, diags, "%s", diags.Error())
			require.NotNil(t, rb)
			assert.NotEmpty(t, rb.Metadata.Description, "library runbooks explain themselves")
			assert.NotEmpty(t, rb.Metadata.Owner)
			plan := NewPlan(rb, reg)
			assert.Positive(t, plan.ExpectedDuration)
			if rb.Objectives.RTO > 0 {
				assert.LessOrEqual(t, plan.ExpectedDuration, rb.Objectives.RTO, "the plan fits the RTO")
			}
		})
	}
}
