package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
)

// uiTree is a small SvelteKit build with the leftovers of an earlier one, laid out like
// the ui-server module's ui/assets/local.
func uiTree() fstest.MapFS {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"index.html":                          f(`<link rel="modulepreload" href="/_app/immutable/entry/start.Ab1-x.js"><script>import("/_app/immutable/entry/app.Cd2_y.js")</script>`),
		"favicon.ico":                         f("\x00\x01icon"),
		"_app/version.json":                   f(`{"version":"2"}`),
		"_app/immutable/entry/start.Ab1-x.js": f(`import{a}from"./../chunks/K1.js";`),
		"_app/immutable/entry/app.Cd2_y.js":   f(`const n=[()=>import("../nodes/0.Zz.js")];import"../assets/0.St.css";`),
		"_app/immutable/chunks/K1.js":         f(`export const a=1;`),
		"_app/immutable/nodes/0.Zz.js":        f(`import"../chunks/K2.js";`),
		"_app/immutable/chunks/K2.js":         f(`new URL("../assets/font.Ff.woff2",import.meta.url)`),
		"_app/immutable/assets/0.St.css":      f(`body{}`),
		"_app/immutable/assets/font.Ff.woff2": f("wOF2 font"),
		// An earlier build's files: nothing of the current build names them.
		"_app/immutable/entry/start.Old1.js": f(`import"../chunks/OldChunk.js";`),
		"_app/immutable/chunks/OldChunk.js":  f(`export const old=1;`),
	}
}

func TestCurrentBuildKeepsWhatIsReferencedAndDropsEarlierBuilds(t *testing.T) {
	files, err := currentBuild(uiTree())
	require.NoError(t, err)
	assert.Equal(t, []string{
		"_app/immutable/assets/0.St.css", "_app/immutable/assets/font.Ff.woff2",
		"_app/immutable/chunks/K1.js", "_app/immutable/chunks/K2.js",
		"_app/immutable/entry/app.Cd2_y.js", "_app/immutable/entry/start.Ab1-x.js",
		"_app/immutable/nodes/0.Zz.js", "_app/version.json", "favicon.ico", "index.html",
	}, files)
}

func TestCurrentBuildRefusesAMissingImport(t *testing.T) {
	tree := uiTree()
	delete(tree, "_app/immutable/chunks/K2.js")
	_, err := currentBuild(tree)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "_app/immutable/nodes/0.Zz.js imports ../chunks/K2.js")

	_, err = currentBuild(fstest.MapFS{"x.js": &fstest.MapFile{}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ui/assets/local")
}

func TestPrecompressWritesGzipThatInflatesToTheOriginal(t *testing.T) {
	tree := uiTree()
	dst := filepath.Join(t.TempDir(), "gz")
	n, err := precompress(tree, dst)
	require.NoError(t, err)
	assert.Equal(t, 10, n.files)
	for _, name := range []string{"index.html", "_app/immutable/chunks/K2.js", "favicon.ico"} {
		gz := fixture.Read(t, filepath.Join(dst, filepath.FromSlash(name)+".gz"))
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		require.NoError(t, err)
		plain, err := io.ReadAll(zr)
		require.NoError(t, err)
		assert.Equal(t, tree[name].Data, plain, name)
	}
	assert.NoFileExists(t, filepath.Join(dst, "_app/immutable/chunks/OldChunk.js.gz"))

	// The same input gives the same bytes (a warm build cache stays warm), and a second
	// run replaces the first's output.
	first := fixture.Read(t, filepath.Join(dst, "index.html.gz"))
	require.NoError(t, os.WriteFile(filepath.Join(dst, "stale.js.gz"), nil, 0o644))
	_, err = precompress(tree, dst)
	require.NoError(t, err)
	again := fixture.Read(t, filepath.Join(dst, "index.html.gz"))
	assert.Equal(t, first, again)
	assert.NoFileExists(t, filepath.Join(dst, "stale.js.gz"))
}

func TestPrecompressLeavesAForeignFolderAlone(t *testing.T) {
	dst := t.TempDir()
	keep := filepath.Join(dst, "notes.txt")
	require.NoError(t, os.WriteFile(keep, []byte("mine"), 0o644))
	_, err := precompress(uiTree(), dst)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not precompress's output")
	assert.FileExists(t, keep)
}
