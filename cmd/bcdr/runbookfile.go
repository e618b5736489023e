package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/bcdr/bcdr/runbooks"
)

// loadRunbook reads and validates a runbook file and every runbook it nests, keyed by
// the path its `runbook` steps name.
func loadRunbook(path string, reg *runbooks.Registry) (*runbooks.Runbook, map[string]runbooks.Runbook, error) {
	rb, err := parseFile(path, reg)
	if err != nil {
		return nil, nil, err
	}
	nested := map[string]runbooks.Runbook{}
	if err := loadNested(rb, filepath.Dir(path), reg, nested, map[string]bool{path: true}); err != nil {
		return nil, nil, err
	}
	return rb, nested, nil
}

func parseFile(path string, reg *runbooks.Registry) (*runbooks.Runbook, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rb, diags := runbooks.Parse(path, src, reg)
	if diags.HasErrors() {
		return nil, diags
	}
	return rb, nil
}

func loadNested(rb *runbooks.Runbook, dir string, reg *runbooks.Registry, into map[string]runbooks.Runbook, seen map[string]bool) error {
	for _, s := range rb.Steps {
		if s.Uses != runbooks.KindRunbook {
			continue
		}
		name, _ := s.With["path"].(string)
		if _, done := into[name]; done || name == "" {
			continue
		}
		full := filepath.Join(dir, name)
		if seen[full] {
			return fmt.Errorf("%s:%d:%d: runbook %q nests itself", rb.Source.File, s.Pos.Line, s.Pos.Column, name)
		}
		child, err := parseFile(full, reg)
		if err != nil {
			return fmt.Errorf("nested runbook of step %q: %w", s.ID, err)
		}
		into[name] = *child
		seen[full] = true
		if err := loadNested(child, filepath.Dir(full), reg, into, seen); err != nil {
			return err
		}
	}
	return nil
}
