package api

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

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
	Error   string            `json:"error,omitempty"` // the file does not validate
}

// Entries lists the catalog, each name once (a folder's runbook hides the library's).
func (c *Catalog) Entries() []Entry {
	seen := map[string]bool{}
	var out []Entry
	for _, fsys := range c.fsys {
		files, _ := fs.Glob(fsys, "*.yaml")
		for _, f := range files {
			name := strings.TrimSuffix(f, ".yaml")
			if seen[name] {
				continue
			}
			seen[name] = true
			e := Entry{Name: name}
			if rb, diags := runbooks.Load(fsys, f, c.reg); rb != nil {
				e.Title, e.Service, e.Tier, e.Labels = rb.Metadata.Name, rb.Metadata.Service, rb.Metadata.Tier, rb.Metadata.Labels
			} else {
				e.Error = diags.Error()
			}
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
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

// Load parses the named runbook and the runbooks it nests.
func (c *Catalog) Load(name string) (*runbooks.Runbook, map[string]runbooks.Runbook, error) {
	if !runbookName.MatchString(name) {
		return nil, nil, fmt.Errorf("%q: %w", name, errNoRunbook)
	}
	for _, fsys := range c.fsys {
		file := name + ".yaml"
		if _, err := fs.Stat(fsys, file); err != nil {
			continue
		}
		read := func(p string) ([]byte, error) { return fs.ReadFile(fsys, p) }
		return loadTree(file, read, c.reg)
	}
	return nil, nil, fmt.Errorf("%q: %w", name, errNoRunbook)
}

// LoadSource parses an uploaded runbook; nested holds the sources of the runbooks its
// `runbook` steps name, keyed by the path they name.
func LoadSource(filename string, src []byte, nested map[string]string, reg *runbooks.Registry) (*runbooks.Runbook, map[string]runbooks.Runbook, error) {
	files := map[string][]byte{filename: src}
	for k, v := range nested {
		files[path.Clean(k)] = []byte(v)
	}
	read := func(p string) ([]byte, error) {
		if b, ok := files[p]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("%s: not uploaded (send it in \"nested\")", p)
	}
	return loadTree(filename, read, reg)
}

// loadTree parses a runbook and, depth first, every runbook it nests. Nested runbooks are
// keyed by the path their step names, which is resolved beside the naming runbook.
func loadTree(file string, read func(string) ([]byte, error), reg *runbooks.Registry) (*runbooks.Runbook, map[string]runbooks.Runbook, error) {
	parse := func(p string) (*runbooks.Runbook, error) {
		src, err := read(p)
		if err != nil {
			return nil, err
		}
		rb, diags := runbooks.Parse(p, src, reg)
		if diags.HasErrors() {
			return nil, diags
		}
		return rb, nil
	}
	root, err := parse(file)
	if err != nil {
		return nil, nil, err
	}
	nested := map[string]runbooks.Runbook{}
	var walk func(rb *runbooks.Runbook, dir string, depth int) error
	walk = func(rb *runbooks.Runbook, dir string, depth int) error {
		for _, s := range rb.Steps {
			name, _ := s.With["path"].(string)
			if s.Uses != runbooks.KindRunbook || name == "" {
				continue
			}
			if _, done := nested[name]; done {
				continue
			}
			if depth > 8 {
				return fmt.Errorf("%s:%d:%d: runbooks nest more than 8 deep", rb.Source.File, s.Pos.Line, s.Pos.Column)
			}
			full := path.Join(dir, name)
			if !fs.ValidPath(full) {
				return fmt.Errorf("%s:%d:%d: nested runbook %q is outside the runbook folder", rb.Source.File, s.Pos.Line, s.Pos.Column, name)
			}
			child, err := parse(full)
			if err != nil {
				return fmt.Errorf("nested runbook of step %q: %w", s.ID, err)
			}
			nested[name] = *child
			if err := walk(child, path.Dir(full), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, path.Dir(file), 0); err != nil {
		return nil, nil, err
	}
	return root, nested, nil
}
