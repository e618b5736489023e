package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
)

func nesting(name, path string) string {
	return "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: " + name + "}\nsteps:\n  - id: child\n    uses: runbook\n    with: {path: \"" + path + "\"}\n"
}

const leaf = "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: leaf}\nsteps:\n  - {id: a, uses: noop}\n"

func writeFiles(t *testing.T, dir string, files map[string]string) {
	for name, body := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
}

// TestNestedRunbooksStayInTheirFolder: the hostile corpus's path traversals
// (runbooks/testdata/hostile/traversal) are refused with the step's place, before any
// file outside the runbook's folder is read.
func TestNestedRunbooksStayInTheirFolder(t *testing.T) {
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	files, err := filepath.Glob("../../runbooks/testdata/hostile/traversal/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 8)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := loadRunbook(f, reg)
			require.Error(t, err)
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, f+":"), "located at the step: %s", msg)
			assert.NotContains(t, msg, "invalid YAML", "nothing outside was read and parsed")
			switch filepath.Base(f) {
			case "traversal-parent.yaml", "traversal-absolute.yaml", "traversal-mixed.yaml", "traversal-proc.yaml":
				assert.Contains(t, msg, "is outside the runbook's folder")
			}
		})
	}

	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "outside.yaml")
	require.NoError(t, os.WriteFile(outside, []byte(leaf), 0o644))
	writeFiles(t, dir, map[string]string{
		"main.yaml":      nesting("main", "sub/child.yaml"),
		"sub/child.yaml": nesting("child", "../common.yaml"),
		"common.yaml":    leaf,
		"escape.yaml":    nesting("escape", "sub/up.yaml"),
		"sub/up.yaml":    nesting("up", "../../outside.yaml"),
		"symlink.yaml":   nesting("symlink", "link.yaml"),
		"self.yaml":      nesting("self", "./self.yaml"),
		"absolute.yaml":  nesting("absolute", outside),
	})
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "link.yaml")))

	tree, err := loadRunbook(filepath.Join(dir, "main.yaml"), reg)
	require.NoError(t, err, "nesting within the folder, up and down, is fine")
	assert.ElementsMatch(t, []string{"sub/child.yaml", "../common.yaml"}, keysOf(tree.Nested()))

	for file, want := range map[string]string{
		"escape.yaml":   `sub/up.yaml:5:5: nested runbook "../../outside.yaml" is outside the runbook's folder`,
		"symlink.yaml":  `link.yaml): the path leaves the runbook's folder (through .. or a symbolic link)`,
		"self.yaml":     `self.yaml:5:5: runbook "./self.yaml" nests itself`,
		"absolute.yaml": `absolute.yaml:5:5: nested runbook "` + outside + `" is outside the runbook's folder`,
	} {
		_, err := loadRunbook(filepath.Join(dir, file), reg)
		if assert.Error(t, err, file) {
			assert.Contains(t, err.Error(), want)
		}
	}
}

// TestRunbookFileReadIsBounded: a path that names an endless file is read no further
// than the parser's limit.
func TestRunbookFileReadIsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	_, err = loadRunbook("/dev/zero", reg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the limit is 4194304")
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestPlanReadsNestedRunbooks: bcdr plan estimates a `runbook` step at its child's
// expected duration, the child read from the runbook's folder as bcdr run reads it.
func TestPlanReadsNestedRunbooks(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.yaml":      nesting("main", "sub/child.yaml"),
		"sub/child.yaml": "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: child}\nsteps:\n  - {id: a, uses: wait, with: {duration: 25m}}\n",
		"broken.yaml":    nesting("broken", "missing.yaml"),
	})
	out := e.mustCLI("plan", filepath.Join(dir, "main.yaml"), "--output", "json")
	var p runbooks.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	require.Len(t, p.Steps, 1)
	assert.Equal(t, "runbook", p.Steps[0].EstimatedBy)
	assert.Equal(t, 25*time.Minute, p.ExpectedDuration.Std())

	_, errOut, code := e.cli("plan", filepath.Join(dir, "broken.yaml"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `broken.yaml:5:5: nested runbook of step "child"`)
}
