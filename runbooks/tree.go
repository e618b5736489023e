package runbooks

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// Limits of a runbook tree (a runbook and the runbooks its `runbook` steps nest).
const (
	// MaxNestingDepth is how deep runbooks may nest: the root is at depth 0.
	MaxNestingDepth = 8
	// MaxTreeRunbooks is the most runbooks a tree may hold, the root included.
	MaxTreeRunbooks = 64
	// MaxTreeSize bounds the sum of the sizes of a tree's files: a run carries the
	// whole tree in its input.
	MaxTreeSize = MaxSourceSize
)

// Tree is a runbook and every runbook it nests, each parsed and validated, read by
// LoadTree under one set of rules.
type Tree struct {
	// Root is the runbook that was asked for.
	Root *Node
	// nodes holds every node once, the root first, then in the order they were read.
	nodes []*Node
	// byPath holds each nested runbook by the path its `runbook` steps name.
	byPath map[string]*Node
}

// Node is one runbook of a tree.
type Node struct {
	// File is the runbook's path in the file system it was read from.
	File string
	// Runbook is the parsed runbook; Runbook.Source carries its digest.
	Runbook *Runbook
	// Children are the runbooks its `runbook` steps run, in step order.
	Children []Child
}

// Child is a `runbook` step and the runbook it runs.
type Child struct {
	Step string // the step's id
	Path string // the path the step names, relative to the naming runbook's folder
	Node *Node
}

// Runbooks returns every runbook of the tree once: the root first, then the nested ones
// in the order they were read.
func (t *Tree) Runbooks() []*Runbook {
	out := make([]*Runbook, len(t.nodes))
	for i, n := range t.nodes {
		out[i] = n.Runbook
	}
	return out
}

// Nodes returns every node of the tree once, the root first.
func (t *Tree) Nodes() []*Node { return slices.Clone(t.nodes) }

// Nested returns the nested runbooks keyed by the path their `runbook` steps name, the
// form a run's input carries them in (the workflow looks a child up by that path).
// LoadTree refuses a tree where one path names two different files, so each key means
// one runbook.
func (t *Tree) Nested() map[string]Runbook {
	out := make(map[string]Runbook, len(t.byPath))
	for p, n := range t.byPath {
		out[p] = *n.Runbook
	}
	return out
}

// MergeNested adds t's root and nested runbooks to into: the root under key, the
// nested ones under the paths their steps name. A path already in into that names
// another runbook (by digest) is an error, since a run looks children up by path.
func (t *Tree) MergeNested(into map[string]Runbook, key string) error {
	into[key] = *t.Root.Runbook
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for k := range t.byPath {
			if !yield(k) {
				return
			}
		}
	}) {
		rb := *t.byPath[p].Runbook
		if have, ok := into[p]; ok && have.Source.Digest != rb.Source.Digest {
			return fmt.Errorf("runbook %s nests %q, a path that names another runbook in this run (%s); rename one", t.Root.Runbook.Source.File, p, have.Source.File)
		}
		into[p] = rb
	}
	return nil
}

// Services returns the services the tree's runbooks declare, each once, in order of
// first appearance; a runbook of no service gives "".
func (t *Tree) Services() []string { return Services(t.Runbooks()) }

// Services returns the services runbooks declare, each once, in order of first
// appearance; a runbook of no service gives "".
func Services(rbs []*Runbook) []string {
	var out []string
	for _, rb := range rbs {
		if s := rb.Metadata.Service; !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Loader reads runbook trees from a file system.
type Loader struct {
	// FS holds the runbooks. A nested runbook is read only from inside it: paths that
	// leave it are refused (give an os.Root's FS to refuse symbolic links that leave a
	// folder, too).
	FS fs.FS
	// Registry holds the step kinds the runbooks may use; nil means the builtins.
	Registry *Registry
	// Name turns a path in FS into the name diagnostics and Source.File give (the
	// folder the CLI opened, joined in front). nil leaves paths as they are.
	Name func(path string) string
}

// LoadTree reads the runbook at path in fsys and every runbook it nests, with the
// builtin step kinds or those of reg. See Loader.Load.
func LoadTree(fsys fs.FS, path string, reg *Registry) (*Tree, Diagnostics) {
	return Loader{FS: fsys, Registry: reg}.Load(path)
}

// Load reads the runbook at p and, depth first, every runbook its `runbook` steps name
// (resolved beside the naming runbook). It reports every problem it finds, each with
// its place: a nested runbook's own errors at their file:line:col, and at the naming
// step's place a path that leaves the folder, is an expression, is missing, nests
// deeper than MaxNestingDepth, closes a cycle (the message names it), or names a
// different file than the same path does elsewhere in the tree; a tree over
// MaxTreeRunbooks runbooks or MaxTreeSize bytes. The tree is nil when there is an error.
func (l Loader) Load(p string) (*Tree, Diagnostics) {
	ld := &treeLoad{l: l, files: map[string]*Node{}, byPath: map[string]*Node{}, pathFile: map[string]string{}}
	if l.Name == nil {
		ld.l.Name = func(s string) string { return s }
	}
	if !fs.ValidPath(p) {
		ld.errorAt(p, Pos{}, "runbook path %q is not a path inside the folder", p)
		return nil, ld.result()
	}
	root := ld.read(p, "", Pos{}, "")
	if root == nil {
		return nil, ld.result()
	}
	ld.walk(root, []string{p})
	if ld.diags.HasErrors() {
		return nil, ld.result()
	}
	return &Tree{Root: root, nodes: ld.nodes, byPath: ld.byPath}, ld.result()
}

type treeLoad struct {
	l        Loader
	diags    Diagnostics
	files    map[string]*Node  // by path in FS
	nodes    []*Node           // in reading order
	byPath   map[string]*Node  // by the path steps name
	pathFile map[string]string // the file each named path resolved to first
	size     int
	tooBig   bool
}

func (ld *treeLoad) result() Diagnostics {
	ld.diags.Sort()
	return ld.diags
}

func (ld *treeLoad) errorAt(file string, p Pos, format string, args ...any) {
	ld.diags = append(ld.diags, Diagnostic{File: ld.l.Name(file), Line: max(p.Line, 1), Col: max(p.Column, 1),
		Severity: SeverityError, Message: fmt.Sprintf(format, args...)})
}

// read parses the file at p; from, at and step place the step that names it (from is
// "" for the root).
func (ld *treeLoad) read(p, from string, at Pos, step string) *Node {
	src, err := yamlnode.ReadFile(ld.l.FS, p, MaxSourceSize)
	if err != nil {
		if from == "" {
			// The file as a whole: no line or column in it.
			ld.diags = append(ld.diags, Diagnostic{File: ld.l.Name(p), Severity: SeverityError, Message: ReadProblem(err)})
		} else {
			ld.errorAt(from, at, "nested runbook of step %q (%s): %s", step, ld.l.Name(p), nestedReadProblem(err))
		}
		return nil
	}
	ld.size += len(src)
	if ld.size > MaxTreeSize && !ld.tooBig && from != "" {
		ld.tooBig = true
		ld.errorAt(from, at, "the runbooks nested so far come to %d bytes; the limit for a runbook and those it nests is %d (%d MiB)", ld.size, MaxTreeSize, MaxTreeSize>>20)
		return nil
	}
	rb, diags := Parse(ld.l.Name(p), src, ld.l.Registry)
	ld.diags = append(ld.diags, diags...)
	if rb == nil {
		if from != "" {
			ld.errorAt(from, at, "nested runbook of step %q (%s) is invalid; its errors are listed under its name", step, ld.l.Name(p))
		}
		return nil
	}
	n := &Node{File: p, Runbook: rb}
	ld.files[p] = n
	ld.nodes = append(ld.nodes, n)
	return n
}

// walk loads the children of n; chain is the files from the root to n.
func (ld *treeLoad) walk(n *Node, chain []string) {
	dir := path.Dir(n.File)
	for _, s := range n.Runbook.Steps {
		if s.Uses != KindRunbook {
			continue
		}
		name, _ := s.With["path"].(string)
		at := s.Pos
		file, ok := ld.resolve(n.File, at, dir, name)
		if !ok {
			continue
		}
		if i := slices.Index(chain, file); i >= 0 {
			if i == len(chain)-1 {
				ld.errorAt(n.File, at, "runbook %q nests itself", name)
			} else {
				cycle := append(slices.Clone(chain[i:]), file)
				for j := range cycle {
					cycle[j] = ld.l.Name(cycle[j])
				}
				ld.errorAt(n.File, at, "runbooks nest in a cycle: %s; a runbook cannot run itself, even through others", strings.Join(cycle, " -> "))
			}
			continue
		}
		if prev, ok := ld.pathFile[name]; ok && prev != file {
			ld.errorAt(n.File, at, "nested runbook %q is %s here but %s elsewhere in this tree; a run finds nested runbooks by the path their step names, so give the two different paths", name, ld.l.Name(file), ld.l.Name(prev))
			continue
		}
		if len(chain) > MaxNestingDepth {
			ld.errorAt(n.File, at, "runbooks nest more than %d deep; flatten the tree", MaxNestingDepth)
			continue
		}
		child := ld.files[file]
		if child == nil {
			if len(ld.nodes) >= MaxTreeRunbooks {
				ld.errorAt(n.File, at, "the tree holds more than %d runbooks; the limit keeps a run's input small", MaxTreeRunbooks)
				return
			}
			if child = ld.read(file, n.File, at, s.ID); child == nil {
				continue
			}
			ld.pathFile[name] = file
			ld.byPath[name] = child
			n.Children = append(n.Children, Child{Step: s.ID, Path: name, Node: child})
			ld.walk(child, append(chain, file))
			continue
		}
		ld.pathFile[name] = file
		ld.byPath[name] = child
		n.Children = append(n.Children, Child{Step: s.ID, Path: name, Node: child})
	}
}

// resolve checks the path a `runbook` step names and returns the file it means.
func (ld *treeLoad) resolve(from string, at Pos, dir, name string) (string, bool) {
	bad := func(format string, args ...any) (string, bool) {
		ld.errorAt(from, at, format, args...)
		return "", false
	}
	switch {
	case name == "":
		return bad("a runbook step names no path")
	case strings.Contains(name, "${{"):
		return bad("nested runbook path %q is an expression; name the file, so that it is read and checked before the run starts", name)
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return bad("nested runbook path %q holds a control character", name)
	case strings.Contains(name, `\`):
		return bad("nested runbook %q uses a backslash; separate folders with /", name)
	case strings.HasPrefix(name, "/"):
		return bad("nested runbook %q is outside the runbook's folder; name it relative to the runbook", name)
	}
	file := path.Join(dir, name)
	if !fs.ValidPath(file) {
		return bad("nested runbook %q is outside the runbook's folder; name it relative to the runbook", name)
	}
	return file, true
}
