package main

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bcdr/bcdr/runbooks"
)

// loadRunbook reads and validates a runbook file and every runbook it nests, through the
// one runbook loader (runbooks.Loader). Nested runbooks are read only from inside the
// folder of the runbook given (paths that leave it, absolute paths and symbolic links
// that point outside are refused): a runbook from elsewhere cannot make bcdr read, and
// send to the engine, a file its author could not name. Problems name the files as
// given on the command line, with line and column.
func loadRunbook(path string, reg *runbooks.Registry) (*runbooks.Tree, error) {
	tree, diags := checkRunbook(path, reg)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	return tree, nil
}

// checkRunbook is loadRunbook returning every problem and warning (validate prints them
// all); the tree is nil when there is an error.
func checkRunbook(path string, reg *runbooks.Registry) (*runbooks.Tree, runbooks.Diagnostics) {
	dir, file := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, runbooks.Diagnostics{{File: path, Severity: runbooks.SeverityError, Message: runbooks.ReadProblem(err)}}
	}
	defer root.Close()
	return runbooks.Loader{FS: root.FS(), Registry: reg, Name: inFolder(dir, path)}.Load(file)
}

// inFolder names a file of dir as the command line would: path for the root, the
// folder joined in front of the others.
func inFolder(dir, path string) func(string) string {
	return func(p string) string {
		if p == filepath.Base(path) {
			return path
		}
		return filepath.Join(dir, filepath.FromSlash(p))
	}
}

// parseFile reads and validates one runbook file without the runbooks it nests (doc,
// the catalogue's listing).
func parseFile(path string, reg *runbooks.Registry) (*runbooks.Runbook, error) {
	rb, diags := runbooks.Load(osFile{}, path, reg)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	return rb, nil
}

// osFile opens any path of the operating system, as the command line names it (fs.FS
// forbids absolute and .. paths, which a user may rightly type).
type osFile struct{}

func (osFile) Open(name string) (fs.File, error) { return os.Open(name) }

// readTreeFiles returns the bytes of every nested runbook of tree, keyed by their path
// inside the root runbook's folder: what the API's start request carries as "nested".
func readTreeFiles(path string, tree *runbooks.Tree) (map[string]string, error) {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	out := map[string]string{}
	for _, n := range tree.Nodes()[1:] {
		b, err := fs.ReadFile(root.FS(), n.File)
		if err != nil {
			return nil, err
		}
		out[n.File] = string(b)
	}
	return out, nil
}
