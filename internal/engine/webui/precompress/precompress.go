package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// immutable is the folder of SvelteKit's content-hashed build output: every build adds its
// own files there under new names.
const immutable = "_app/immutable/"

// nameToken matches what may be a file name inside a text file: "start.B8o-tLPq.js" in
// `import("/_app/immutable/entry/start.B8o-tLPq.js")`, "CWj6FrbW.js" in `from"./CWj6FrbW.js"`.
var nameToken = regexp.MustCompile(`[A-Za-z0-9_.\-]+\.[A-Za-z0-9]+`)

// relImport matches a relative module or style sheet specifier in quotes ("./x.js",
// '../assets/y.css'): each must name a file of the current build, which checks that
// nameToken found everything the build loads.
var relImport = regexp.MustCompile(`["'](\.\.?/[A-Za-z0-9_.\-/]+\.(?:js|mjs|css))["']`)

// textFile reports whether a file may reference others by name.
func textFile(name string) bool {
	switch path.Ext(name) {
	case ".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg":
		return true
	}
	return false
}

// currentBuild returns the files of the UI's current build in src, sorted: every file
// outside _app/immutable, and the files under it that those reference by name,
// transitively. A relative import that names no file is an error.
func currentBuild(src fs.FS) ([]string, error) {
	byName := map[string][]string{}
	all := map[string]bool{}
	var queue []string
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		all[p] = true
		if strings.HasPrefix(p, immutable) {
			byName[path.Base(p)] = append(byName[path.Base(p)], p)
		} else {
			queue = append(queue, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !all["index.html"] {
		return nil, errors.New("no index.html: give the ui/assets/local folder of the github.com/temporalio/ui-server/v2 module")
	}
	seen := map[string]bool{}
	for _, p := range queue {
		seen[p] = true
	}
	var missing []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if !textFile(p) {
			continue
		}
		b, err := fs.ReadFile(src, p)
		if err != nil {
			return nil, err
		}
		for _, tok := range nameToken.FindAll(b, -1) {
			for _, q := range byName[string(tok)] {
				if !seen[q] {
					seen[q] = true
					queue = append(queue, q)
				}
			}
		}
		for _, m := range relImport.FindAllSubmatch(b, -1) {
			if target := path.Join(path.Dir(p), string(m[1])); !all[target] {
				missing = append(missing, fmt.Sprintf("%s imports %s", p, m[1]))
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the UI references files it does not contain:\n  %s", strings.Join(missing, "\n  "))
	}
	files := make([]string, 0, len(seen))
	for p := range seen {
		files = append(files, p)
	}
	slices.Sort(files)
	return files, nil
}

type totals struct {
	files   int
	gzipped int64
}

// marker is a file every output folder holds; precompress replaces only a folder that
// holds it (or an empty one), so a wrong argument cannot delete anything else.
const marker = "index.html.gz"

// precompress writes each file of the current build in src to dst as NAME.gz (gzip,
// best compression, no name or time in the header, so the same input gives the same
// bytes), replacing what dst held.
func precompress(src fs.FS, dst string) (totals, error) {
	files, err := currentBuild(src)
	if err != nil {
		return totals{}, err
	}
	if err := clearOutput(dst); err != nil {
		return totals{}, err
	}
	var t totals
	for _, p := range files {
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return t, err
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(data); err != nil {
			return t, err
		}
		if err := zw.Close(); err != nil {
			return t, err
		}
		out := filepath.Join(dst, filepath.FromSlash(p)+".gz")
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return t, err
		}
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			return t, err
		}
		t.files++
		t.gzipped += int64(buf.Len())
	}
	return t, nil
}

// clearOutput empties dst, creating it if needed, after checking that it is empty or
// precompress's own output.
func clearOutput(dst string) error {
	entries, err := os.ReadDir(dst)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dst, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dst, marker)); err != nil {
		return fmt.Errorf("%s is not empty and holds no %s, so it is not precompress's output: remove it or give another folder", dst, marker)
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return os.MkdirAll(dst, 0o755)
}
