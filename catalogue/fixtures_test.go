package catalogue_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/runbooks"
)

// fileLoader loads runbooks relative to dir, with the builtin step kinds.
func fileLoader(dir string) catalogue.LoadFunc {
	return func(path string) (*runbooks.Runbook, error) {
		src, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			return nil, err
		}
		rb, diags := runbooks.Parse(filepath.Base(path), src, nil)
		if diags.HasErrors() {
			return nil, diags
		}
		return rb, nil
	}
}

func TestValidFixtures(t *testing.T) { runFixtures(t, "testdata/valid/*.yaml", false) }

func TestInvalidFixtures(t *testing.T) { runFixtures(t, "testdata/invalid/*.yaml", true) }

func runFixtures(t *testing.T, pattern string, invalid bool) {
	dir := filepath.Dir(pattern)
	fixture.Each(t, pattern, func(t *testing.T, name string, src []byte, wants []fixture.Want) {
		c, rbs, diags := catalogue.Check(name, src, fileLoader(dir))
		if invalid {
			require.NotEmpty(t, wants, "an invalid fixture says what it wants with # want: line:col: message")
			assert.True(t, diags.HasErrors(), "want errors")
			assert.Nil(t, c)
			assert.Nil(t, rbs)
		} else {
			require.False(t, diags.HasErrors(), "%s", diags.Error())
			require.NotNil(t, c)
			assert.Equal(t, runbooks.Digest(src), c.Source.Digest)
			assert.Len(t, rbs, len(c.RunbookPaths()))
		}
		fixture.CheckDiagnostics(t, wants, diags)
		for _, d := range diags {
			assert.Equal(t, name, d.File)
		}
	})
}
