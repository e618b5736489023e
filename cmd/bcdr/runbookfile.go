package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bcdr/bcdr/runbooks"
)

// loadRunbook reads and validates a runbook file and every runbook it nests, keyed by
// the path its `runbook` steps name. Nested runbooks are read only from inside the
// folder of the runbook given (paths that leave it, absolute paths and symbolic links
// that point outside are refused): a runbook from elsewhere cannot make bcdr read, and
// send to the engine, a file its author could not name.
func loadRunbook(path string, reg *runbooks.Registry) (*runbooks.Runbook, map[string]runbooks.Runbook, error) {
	rb, err := parseFile(path, reg)
	if err != nil {
		return nil, nil, err
	}
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	nested := map[string]runbooks.Runbook{}
	if err := loadNestedIn(rb, root, ".", reg, nested, map[string]bool{filepath.Base(path): true}); err != nil {
		return nil, nil, err
	}
	return rb, nested, nil
}

// loadNested loads the runbooks rb nests from inside dir, rb's folder; seen holds the
// paths of the runbooks on the way to rb.
func loadNested(rb *runbooks.Runbook, dir string, reg *runbooks.Registry, into map[string]runbooks.Runbook, seen map[string]bool) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	rel := map[string]bool{}
	for p := range seen {
		if r, err := filepath.Rel(dir, p); err == nil && filepath.IsLocal(r) {
			rel[r] = true
		}
	}
	return loadNestedIn(rb, root, ".", reg, into, rel)
}

func parseFile(path string, reg *runbooks.Registry) (*runbooks.Runbook, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseFrom(path, f, reg)
}

// parseFrom parses what r holds, reading no more than the parser accepts (a path may
// name /dev/zero).
func parseFrom(name string, r io.Reader, reg *runbooks.Registry) (*runbooks.Runbook, error) {
	src, err := io.ReadAll(io.LimitReader(r, runbooks.MaxSourceSize+1))
	if err != nil {
		return nil, err
	}
	rb, diags := runbooks.Parse(name, src, reg)
	if diags.HasErrors() {
		return nil, diags
	}
	return rb, nil
}

// loadNestedIn loads the runbooks rb nests; dir is rb's folder relative to root.
func loadNestedIn(rb *runbooks.Runbook, root *os.Root, dir string, reg *runbooks.Registry, into map[string]runbooks.Runbook, seen map[string]bool) error {
	for _, s := range rb.Steps {
		if s.Uses != runbooks.KindRunbook {
			continue
		}
		name, _ := s.With["path"].(string)
		if _, done := into[name]; done || name == "" {
			continue
		}
		at := fmt.Sprintf("%s:%d:%d", rb.Source.File, s.Pos.Line, s.Pos.Column)
		rel := filepath.Join(dir, name)
		if filepath.IsAbs(name) || !filepath.IsLocal(rel) {
			return fmt.Errorf("%s: nested runbook %q is outside the runbook's folder %s", at, name, root.Name())
		}
		if seen[rel] {
			return fmt.Errorf("%s: runbook %q nests itself", at, name)
		}
		f, err := root.Open(rel) // refuses symbolic links that leave the folder
		if err != nil {
			return fmt.Errorf("%s: nested runbook of step %q: %w", at, s.ID, err)
		}
		child, err := parseFrom(filepath.Join(root.Name(), rel), f, reg)
		f.Close()
		if err != nil {
			return fmt.Errorf("nested runbook of step %q: %w", s.ID, err)
		}
		into[name] = *child
		seen[rel] = true
		if err := loadNestedIn(child, root, filepath.Dir(rel), reg, into, seen); err != nil {
			return err
		}
	}
	return nil
}
