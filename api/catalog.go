package api

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing/fstest"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/library"
)

// Catalog is the runbooks the server can start by name: those in the runbook folders
// (drills.runbook_dirs), then the library. A runbook's name is its file name without
// ".yaml".
type Catalog struct {
	reg  *runbooks.Registry
	fsys []fs.FS
}

// NewCatalog returns the catalog of the folders and the library.
func NewCatalog(reg *runbooks.Registry, dirs ...string) *Catalog {
	c := &Catalog{reg: reg}
	for _, d := range dirs {
		c.fsys = append(c.fsys, os.DirFS(d))
	}
	c.fsys = append(c.fsys, library.FS)
	return c
}

var runbookName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// Entry describes a runbook of the catalog.
type Entry struct {
	Name    string            `json:"name"`
	Title   string            `json:"runbook"` // metadata.name
	Service string            `json:"service,omitempty"`
	Tier    int               `json:"tier,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
	Digest  string            `json:"digest,omitempty"` // of the file: a run of it proves the service
	Error   string            `json:"error,omitempty"`  // the file does not validate
}

// Entries lists the catalog, each name once (a folder's runbook hides the library's).
func (c *Catalog) Entries() []Entry {
	var out []Entry
	c.each(func(name string, rb *runbooks.Runbook, diags runbooks.Diagnostics) {
		e := Entry{Name: name}
		if rb != nil {
			e.Title, e.Service, e.Tier, e.Labels, e.Digest = rb.Metadata.Name, rb.Metadata.Service, rb.Metadata.Tier, rb.Metadata.Labels, rb.Source.Digest
		} else {
			e.Error = diags.Error()
		}
		out = append(out, e)
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// each loads every runbook of the catalog, each name once (a folder's runbook hides the
// library's); rb is nil when the file does not validate.
func (c *Catalog) each(f func(name string, rb *runbooks.Runbook, diags runbooks.Diagnostics)) {
	seen := map[string]bool{}
	for _, fsys := range c.fsys {
		files, _ := fs.Glob(fsys, "*.yaml")
		for _, file := range files {
			name := strings.TrimSuffix(file, ".yaml")
			if seen[name] {
				continue
			}
			seen[name] = true
			rb, diags := runbooks.Load(fsys, file, c.reg)
			f(name, rb, diags)
		}
	}
}

// Runbooks returns the catalog's runbooks that validate, by name: the runbooks a
// portfolio without a catalogue takes its services from (catalogue.FromRunbooks).
func (c *Catalog) Runbooks() catalogue.Runbooks {
	out := catalogue.Runbooks{}
	c.each(func(name string, rb *runbooks.Runbook, _ runbooks.Diagnostics) {
		if rb != nil {
			out[name] = rb
		}
	})
	return out
}

// Labels returns the labels of the runbook whose metadata.name is name (for routing
// notifications), or nil.
func (c *Catalog) Labels(name string) map[string]string {
	for _, e := range c.Entries() {
		if e.Title == name || e.Name == name {
			return e.Labels
		}
	}
	return nil
}

// errNoRunbook is returned by Load for a name the catalog does not hold.
var errNoRunbook = errors.New("no such runbook")

// Load is Tree in the form the trigger code still takes: the root runbook and the nested
// ones by the path their steps name.
//
// Deprecated: use Tree.
func (c *Catalog) Load(name string) (*runbooks.Runbook, map[string]runbooks.Runbook, error) {
	tree, err := c.Tree(name)
	if err != nil {
		return nil, nil, err
	}
	return tree.Root.Runbook, tree.Nested(), nil
}

// Tree parses the named runbook and the runbooks it nests, through the one runbook
// loader: nested runbooks come from the same folder (or the library) as the runbook.
func (c *Catalog) Tree(name string) (*runbooks.Tree, error) {
	if !runbookName.MatchString(name) {
		return nil, fmt.Errorf("%q: %w", name, errNoRunbook)
	}
	for _, fsys := range c.fsys {
		file := name + ".yaml"
		if _, err := fs.Stat(fsys, file); err != nil {
			continue
		}
		tree, diags := runbooks.LoadTree(fsys, file, c.reg)
		if err := diags.Err(); err != nil {
			return nil, err
		}
		return tree, nil
	}
	return nil, fmt.Errorf("%q: %w", name, errNoRunbook)
}

// LoadSource parses an uploaded runbook and the runbooks it nests. nested holds the
// sources of the nested runbooks keyed by their path inside the uploaded runbook's
// folder (for a runbook the upload nests directly, the path its step names). The upload
// is read as a folder of its own: nothing else on the server is read.
func LoadSource(filename string, src []byte, nested map[string]string, reg *runbooks.Registry) (*runbooks.Tree, error) {
	filename = path.Base(filename)
	if !fs.ValidPath(filename) || filename == "." {
		filename = "upload.yaml"
	}
	files := fstest.MapFS{filename: {Data: src}}
	for _, k := range slices.Sorted(maps.Keys(nested)) {
		p := path.Clean(k)
		if !fs.ValidPath(p) || p == filename {
			return nil, badRequest("nested."+k, "a nested runbook's key is its path inside the uploaded runbook's folder, like sub/child.yaml")
		}
		files[p] = &fstest.MapFile{Data: []byte(nested[k])}
	}
	tree, diags := runbooks.LoadTree(files, filename, reg)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	return tree, nil
}
