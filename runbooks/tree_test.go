package runbooks_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
)

// nests is a runbook of service svc whose steps run the runbooks at paths.
func nests(name, svc string, paths ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: %s, service: %q}\nsteps:\n", name, svc)
	if len(paths) == 0 {
		b.WriteString("  - {id: a, uses: wait, with: {duration: 1s}}\n")
	}
	for i, p := range paths {
		fmt.Fprintf(&b, "  - id: s%d\n    uses: runbook\n    with: {path: %q}\n", i, p)
	}
	return b.String()
}

func files(m map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for k, v := range m {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

func TestLoadTree(t *testing.T) {
	fsys := files(map[string]string{
		"main.yaml":      nests("main", "payments", "sub/child.yaml", "common.yaml"),
		"sub/child.yaml": nests("child", "web", "../common.yaml"),
		"common.yaml":    nests("common", "payments"),
	})
	tree, diags := runbooks.LoadTree(fsys, "main.yaml", nil)
	require.NoError(t, diags.Err())
	assert.Equal(t, "main", tree.Root.Runbook.Metadata.Name)
	assert.Equal(t, []string{"payments", "web"}, tree.Services())
	assert.Len(t, tree.Runbooks(), 3, "common.yaml, named twice, is read once")
	nested := tree.Nested()
	assert.ElementsMatch(t, []string{"sub/child.yaml", "common.yaml", "../common.yaml"}, keys(nested))
	assert.Equal(t, nested["common.yaml"].Source.Digest, nested["../common.yaml"].Source.Digest)
	assert.Equal(t, runbooks.Digest([]byte(nests("child", "web", "../common.yaml"))), nested["sub/child.yaml"].Source.Digest)
	require.Len(t, tree.Root.Children, 2)
	assert.Equal(t, "sub/child.yaml", tree.Root.Children[0].Node.File)
	assert.Equal(t, "s0", tree.Root.Children[0].Step)
	assert.Same(t, tree.Root.Children[1].Node, tree.Root.Children[0].Node.Children[0].Node)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestLoadTreeProblems: each rule of the loader, reported at the naming step's place
// (file:line:col), and a nested runbook's own errors at their place in its file.
func TestLoadTreeProblems(t *testing.T) {
	chain := map[string]string{}
	for i := range 10 {
		chain[fmt.Sprintf("d%d.yaml", i)] = nests(fmt.Sprintf("d%d", i), "", fmt.Sprintf("d%d.yaml", i+1))
	}
	chain["d10.yaml"] = nests("d10", "")
	many := map[string]string{}
	var leaves []string
	for i := range runbooks.MaxTreeRunbooks + 1 {
		name := fmt.Sprintf("leaf%d.yaml", i)
		many[name] = nests(fmt.Sprintf("leaf%d", i), "")
		leaves = append(leaves, name)
	}
	many["main.yaml"] = nests("main", "", leaves...)
	pad := "# " + strings.Repeat("x", runbooks.MaxSourceSize/2) + "\n"
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"nested runbook invalid", map[string]string{
			"main.yaml":  nests("main", "", "child.yaml"),
			"child.yaml": "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: child}\nsteps:\n  - {id: a, uses: nosuchkind}\n",
		}, []string{`child.yaml:5:`, `nosuchkind`, `main.yaml:5:5: nested runbook of step "s0" (child.yaml) is invalid`}},
		{"missing", map[string]string{"main.yaml": nests("main", "", "missing.yaml")},
			[]string{`main.yaml:5:5: nested runbook of step "s0" (missing.yaml): the file does not exist; the path is relative to the runbook that names it`}},
		{"self", map[string]string{"main.yaml": nests("main", "", "./main.yaml")},
			[]string{`main.yaml:5:5: runbook "./main.yaml" nests itself`}},
		{"cycle", map[string]string{
			"a.yaml":     nests("a", "", "sub/b.yaml"),
			"sub/b.yaml": nests("b", "", "c.yaml"),
			"sub/c.yaml": nests("c", "", "../a.yaml"),
		}, []string{`sub/c.yaml:5:5: runbooks nest in a cycle: a.yaml -> sub/b.yaml -> sub/c.yaml -> a.yaml`}},
		{"parent", map[string]string{"main.yaml": nests("main", "", "../../etc/passwd")},
			[]string{`main.yaml:5:5: nested runbook "../../etc/passwd" is outside the runbook's folder`}},
		{"absolute", map[string]string{"main.yaml": nests("main", "", "/etc/passwd")},
			[]string{`main.yaml:5:5: nested runbook "/etc/passwd" is outside the runbook's folder`}},
		{"backslash", map[string]string{"main.yaml": nests("main", "", `..\x.yaml`)},
			[]string{`uses a backslash; separate folders with /`}},
		{"expression", map[string]string{"main.yaml": strings.Replace(nests("main", "", "${{ params.where }}"), "steps:", "parameters:\n  - {name: where, type: string, default: x.yaml}\nsteps:", 1)},
			[]string{`is an expression; name the file`}},
		{"one path, two files", map[string]string{
			"main.yaml":   nests("main", "", "a/x.yaml", "b/x.yaml"),
			"a/x.yaml":    nests("ax", "", "leaf.yaml"),
			"b/x.yaml":    nests("bx", "", "leaf.yaml"),
			"a/leaf.yaml": nests("aleaf", ""),
			"b/leaf.yaml": nests("bleaf", ""),
		}, []string{`b/x.yaml:5:5: nested runbook "leaf.yaml" is b/leaf.yaml here but a/leaf.yaml elsewhere in this tree`}},
		{"too deep", chain, []string{`d8.yaml:5:5: runbooks nest more than 8 deep`}},
		{"too many", many, []string{fmt.Sprintf("the tree holds more than %d runbooks", runbooks.MaxTreeRunbooks)}},
		{"too large", map[string]string{
			"main.yaml": nests("main", "", "a.yaml", "b.yaml", "c.yaml"),
			"a.yaml":    pad + nests("a", ""),
			"b.yaml":    pad + nests("b", ""),
			"c.yaml":    pad + nests("c", ""),
		}, []string{`main.yaml:8:5: the runbooks nested so far come to`, `the limit for a runbook and those it nests is 4194304`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := "main.yaml"
			if _, ok := c.files[root]; !ok {
				root = "a.yaml"
				if _, ok := c.files[root]; !ok {
					root = "d0.yaml"
				}
			}
			tree, diags := runbooks.LoadTree(files(c.files), root, nil)
			assert.Nil(t, tree)
			require.True(t, diags.HasErrors())
			for _, w := range c.want {
				assert.Contains(t, diags.Error(), w)
			}
		})
	}
}

// TestLoaderNames: diagnostics and Source.File name files as the caller's Name says
// (the CLI joins the folder it opened).
func TestLoaderNames(t *testing.T) {
	fsys := files(map[string]string{
		"main.yaml":      nests("main", "", "sub/child.yaml"),
		"sub/child.yaml": nests("child", "", "gone.yaml"),
	})
	name := func(p string) string { return "/srv/runbooks/" + p }
	_, diags := runbooks.Loader{FS: fsys, Name: name}.Load("main.yaml")
	assert.Contains(t, diags.Error(), `/srv/runbooks/sub/child.yaml:5:5: nested runbook of step "s0"`)

	fsys["sub/gone.yaml"] = &fstest.MapFile{Data: []byte(nests("gone", ""))}
	tree, diags := runbooks.Loader{FS: fsys, Name: name}.Load("main.yaml")
	require.NoError(t, diags.Err())
	assert.Equal(t, "/srv/runbooks/sub/gone.yaml", tree.Nested()["gone.yaml"].Source.File)
}
