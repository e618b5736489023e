package convert_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/convert"
)

// converted converts the file at path with conv, and parses the runbook it writes with
// reg, requiring it free of errors; notes are the conversion's notes as text.
func converted(t *testing.T, conv func(string, []byte) (*convert.Result, error), path string, reg *runbooks.Registry) (*convert.Result, *runbooks.Runbook, []string) {
	t.Helper()
	res, err := conv(filepath.Base(path), fixture.Read(t, path))
	require.NoError(t, err)
	rb, diags := runbooks.Parse("converted.yaml", res.YAML, reg)
	require.False(t, diags.HasErrors(), "%s\n%s", diags.Error(), res.YAML)
	var notes []string
	for _, n := range res.Notes {
		notes = append(notes, n.String())
	}
	return res, rb, notes
}

// builtins is the registry of the builtin kinds.
func builtins(t *testing.T) *runbooks.Registry {
	t.Helper()
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	return reg
}

// paramsByName is a runbook's parameters by name.
func paramsByName(rb *runbooks.Runbook) map[string]runbooks.Parameter {
	params := map[string]runbooks.Parameter{}
	for _, p := range rb.Parameters {
		params[p.Name] = p
	}
	return params
}
