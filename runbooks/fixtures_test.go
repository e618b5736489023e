package runbooks

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// want is one expected diagnostic, written in a fixture as "# want: 12:5: message".
type want struct {
	line, col int
	text      string
}

var wantRE = regexp.MustCompile(`#\s*want:\s*(\d+):(\d+):\s*(.+?)\s*$`)

func wantsIn(t *testing.T, src []byte) []want {
	var out []want
	for _, l := range strings.Split(string(src), "\n") {
		m := wantRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		out = append(out, want{line, col, m[3]})
	}
	return out
}

// checkDiagnostics asserts that the diagnostics are exactly the wanted ones: each want
// matches one diagnostic at its line:col whose message contains the want's text.
func checkDiagnostics(t *testing.T, wants []want, diags Diagnostics) {
	t.Helper()
	used := make([]bool, len(diags))
	for _, w := range wants {
		found := false
		for i, d := range diags {
			if !used[i] && d.Line == w.line && d.Col == w.col && strings.Contains(d.Message, w.text) {
				used[i], found = true, true
				break
			}
		}
		assert.True(t, found, "missing diagnostic %d:%d: %s\ngot:\n%s", w.line, w.col, w.text, diags.Error())
	}
	for i, d := range diags {
		assert.True(t, used[i], "unexpected diagnostic %s", d)
	}
}

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
	files, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, files)
	reg := fixtureRegistry(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			wants := wantsIn(t, src)
			rb, diags := Parse(filepath.Base(file), src, reg)
			if invalid {
				require.NotEmpty(t, wants, "an invalid fixture says what it wants with # want: line:col: message")
				assert.True(t, diags.HasErrors(), "want errors")
				assert.Nil(t, rb)
			} else {
				require.False(t, diags.HasErrors(), "%s", diags.Error())
				require.NotNil(t, rb)
				assert.Equal(t, Digest(src), rb.Source.Digest)
			}
			checkDiagnostics(t, wants, diags)
			for _, d := range diags {
				assert.Equal(t, filepath.Base(file), d.File)
			}
		})
	}
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
