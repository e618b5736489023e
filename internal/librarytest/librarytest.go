// Package librarytest loads the runbook library's sample catalogue (Driftwood
// Outfitters) with its runbooks and the real AWS step kinds, for the tests of the
// packages that read it.
package librarytest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/runbooks"
)

// SamplePath is the sample catalogue, relative to the repository's root.
const SamplePath = "runbooks/library/catalogue/driftwood-outfitters.yaml"

// Registry holds the builtin kinds and the real AWS kinds, as the CLI's does.
func Registry(t testing.TB) *runbooks.Registry {
	t.Helper()
	var kinds []runbooks.Kind
	for _, a := range aws.New(aws.Config{}).Actions() {
		kinds = append(kinds, a.Kind)
	}
	reg, err := runbooks.DefaultRegistry(kinds...)
	require.NoError(t, err)
	return reg
}

// Loader loads runbooks relative to dir with reg.
func Loader(dir string, reg *runbooks.Registry) catalogue.LoadFunc {
	return func(path string) (*runbooks.Runbook, error) {
		src, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			return nil, err
		}
		rb, diags := runbooks.Parse(path, src, reg)
		if diags.HasErrors() {
			return nil, diags
		}
		return rb, nil
	}
}

// Sample checks the catalogue at path (the sample, SamplePath, seen from the test's
// folder) and its runbooks, and fails the test on any problem, warnings included.
func Sample(t testing.TB, path string) (*catalogue.Catalogue, catalogue.Runbooks, *runbooks.Registry) {
	t.Helper()
	reg := Registry(t)
	src := fixture.Read(t, path)
	c, rbs, diags := catalogue.Check(path, src, Loader(filepath.Dir(path), reg))
	require.Empty(t, diags, "%s", diags.Error())
	return c, rbs, reg
}
