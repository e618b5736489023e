package catalogue_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/runbooks"
)

// samplePath is the sample catalogue of the library: Driftwood Outfitters, a
// fictional online shop of 20 services.
const samplePath = "../runbooks/library/catalogue/driftwood-outfitters.yaml"

// libraryRegistry holds the builtin kinds and the real AWS kinds, as the CLI's does.
func libraryRegistry(t testing.TB) *runbooks.Registry {
	var kinds []runbooks.Kind
	for _, a := range aws.New(aws.Config{}).Actions() {
		kinds = append(kinds, a.Kind)
	}
	reg, err := runbooks.DefaultRegistry(kinds...)
	require.NoError(t, err)
	return reg
}

// registryLoader loads runbooks relative to dir with reg.
func registryLoader(dir string, reg *runbooks.Registry) catalogue.LoadFunc {
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

// loadSample checks the sample catalogue and its runbooks.
func loadSample(t testing.TB) (*catalogue.Catalogue, catalogue.Runbooks, *runbooks.Registry) {
	reg := libraryRegistry(t)
	src, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	c, rbs, diags := catalogue.Check(samplePath, src, registryLoader(filepath.Dir(samplePath), reg))
	require.Empty(t, diags, "%s", diags.Error())
	return c, rbs, reg
}
