package runbooks

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bcdr/bcdr/runbooks/library"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Validate checks runbooks built in Go, placing problems with the Pos they carry.
func TestValidateGoRunbook(t *testing.T) {
	rb := &Runbook{
		APIVersion: APIVersion,
		Metadata:   Metadata{Name: "go"},
		Source:     Source{File: "built-in"},
		Steps: []Step{
			{ID: "a", Action: Action{Uses: "noop"}, Pos: Pos{Line: 3, Column: 5}},
			{ID: "b", Action: Action{Uses: "approval", With: map[string]any{"approvers": []any{"alice"}}}, Needs: []string{"a", "zz"}, Pos: Pos{Line: 7, Column: 5}},
		},
	}
	diags := Validate(rb, nil)
	require.Len(t, diags, 1)
	assert.Equal(t, `built-in:7:5: step "b" needs unknown step "zz" (did you mean "a"?)`, diags.Error())
	assert.Equal(t, []string{"alice"}, rb.Steps[1].Approval.Approvers, "Validate fills Step.Approval")
}

func TestParseRejectsOversizedInput(t *testing.T) {
	src := bytes.Repeat([]byte("#"), MaxSourceSize+1)
	rb, diags := Parse("big.yaml", src, nil)
	assert.Nil(t, rb)
	require.Len(t, diags, 1)
	assert.Contains(t, diags[0].Message, "the limit is 4194304 (4 MiB)")

	rb, diags = Load(fstest.MapFS{"big.yaml": {Data: src}}, "big.yaml", nil)
	assert.Nil(t, rb)
	assert.Contains(t, diags.Error(), "4 MiB")
}

func TestLoadMissingFile(t *testing.T) {
	rb, diags := Load(fstest.MapFS{}, "nope.yaml", nil)
	assert.Nil(t, rb)
	assert.True(t, diags.HasErrors())
	assert.Equal(t, "nope.yaml: the runbook file does not exist; check the path (the bundled runbooks are listed by 'ls runbooks/library/')", diags.Error())
}

func TestDiagnosticsFormat(t *testing.T) {
	ds := Diagnostics{
		{File: "b.yaml", Line: 2, Col: 1, Severity: SeverityError, Message: "second"},
		{File: "b.yaml", Line: 1, Col: 9, Severity: SeverityWarning, Message: "first"},
	}
	ds.Sort()
	assert.Equal(t, "b.yaml:1:9: warning: first\nb.yaml:2:1: second", ds.Error())
	assert.True(t, ds.HasErrors())
	assert.Error(t, ds.Err())
	assert.NoError(t, ds[:1].Err())
	assert.NoError(t, Diagnostics(nil).Err())
}

func TestParseComputesDigest(t *testing.T) {
	src := []byte("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: d}\nsteps: [{id: a, uses: noop}]\n")
	rb, diags := Parse("d.yaml", src, nil)
	require.Empty(t, diags)
	assert.Equal(t, "sha256:"+fmt.Sprintf("%x", sha256Sum(src)), rb.Source.Digest)
	assert.Equal(t, "d.yaml", rb.Source.File)
}

func TestLibraryIsEmbedded(t *testing.T) {
	onDisk, err := fs.Glob(os.DirFS("library"), "*.yaml")
	require.NoError(t, err)
	embedded, err := fs.Glob(library.FS, "*.yaml")
	require.NoError(t, err)
	assert.Equal(t, onDisk, embedded)
	rb, diags := Load(library.FS, "demo-failover.yaml", nil)
	require.Empty(t, diags, "the demo needs only the builtin kinds")
	assert.Equal(t, "demo-failover", rb.Metadata.Name)
}

func sha256Sum(b []byte) [32]byte {
	return sha256.Sum256(b)
}

func TestParseRejectsTooManySteps(t *testing.T) {
	src := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: many}\nsteps:\n" +
		strings.Repeat("  - {id: a, uses: noop}\n", MaxSteps+1)
	rb, diags := Parse("many.yaml", []byte(src), nil)
	assert.Nil(t, rb)
	require.Len(t, diags, 1, "nothing else is checked")
	assert.Equal(t, 5, diags[0].Line, "the first line of the steps list")
	assert.Contains(t, diags[0].Message, "the limit is 10000")
}
