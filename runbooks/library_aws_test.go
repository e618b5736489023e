package runbooks_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws"
	"github.com/bcdr/bcdr/runbooks"
)

// TestLibraryAgainstRealAWSKinds validates the library against the AWS kinds as
// activities/aws declares them, so a renamed or retyped input breaks here and not
// during an incident. (The package's own tests use loose stubs, see testKinds.)
func TestLibraryAgainstRealAWSKinds(t *testing.T) {
	var kinds []runbooks.Kind
	for _, a := range aws.New(aws.Config{}).Actions() {
		kinds = append(kinds, a.Kind)
	}
	reg, err := runbooks.DefaultRegistry(kinds...)
	require.NoError(t, err)
	files, err := filepath.Glob("library/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rb, diags := runbooks.Load(os.DirFS("library"), filepath.Base(f), reg)
			assert.Empty(t, diags, "%s", diags.Error())
			assert.NotNil(t, rb)
		})
	}
}
