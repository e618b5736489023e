package catalogue_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/runbooks"
)

// want is one expected diagnostic, written in a fixture as "# want: 12:5: message"
// ("# want: 12:5: warning: message" for a warning).
type want struct {
	line, col int
	text      string
}

var wantRE = regexp.MustCompile(`#\s*want:\s*(\d+):(\d+):\s*(.+?)\s*$`)

func wantsIn(src []byte) []want {
	var out []want
	for _, l := range strings.Split(string(src), "\n") {
		if m := wantRE.FindStringSubmatch(l); m != nil {
			line, _ := strconv.Atoi(m[1])
			col, _ := strconv.Atoi(m[2])
			out = append(out, want{line, col, m[3]})
		}
	}
	return out
}

// checkDiagnostics asserts that the diagnostics are exactly the wanted ones: each want
// matches one diagnostic at its line:col whose text (with "warning: " for a warning)
// contains the want's text.
func checkDiagnostics(t *testing.T, wants []want, diags runbooks.Diagnostics) {
	t.Helper()
	used := make([]bool, len(diags))
	for _, w := range wants {
		found := false
		for i, d := range diags {
			text := d.Message
			if d.Severity == runbooks.SeverityWarning {
				text = "warning: " + text
			}
			if !used[i] && d.Line == w.line && d.Col == w.col && strings.Contains(text, w.text) {
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
	files, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			wants := wantsIn(src)
			c, rbs, diags := catalogue.Check(filepath.Base(file), src, fileLoader(filepath.Dir(file)))
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
			checkDiagnostics(t, wants, diags)
			for _, d := range diags {
				assert.Equal(t, filepath.Base(file), d.File)
			}
		})
	}
}
