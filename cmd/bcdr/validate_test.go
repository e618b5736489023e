package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestValidateNamesAMissingFileInTheUsersTerms: `bcdr validate nothere.yaml` printed
// "nothere.yaml:1:1: read runbook: openat nothere.yaml: no such file or directory", a
// place in a file that does not exist and Go's error text. It says the file does not
// exist and what to do; a folder given for a file likewise.
func TestValidateNamesAMissingFileInTheUsersTerms(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.dir, "rbs")
	assert.NoError(t, os.Mkdir(dir, 0o755))
	for _, tc := range []struct{ arg, want string }{
		{"nothere.yaml", "nothere.yaml: the runbook file does not exist; check the path (the bundled runbooks are listed by 'ls runbooks/library/')\n"},
		{filepath.Join(e.dir, "no", "such", "dir.yaml"), filepath.Join(e.dir, "no", "such", "dir.yaml") + ": the runbook file does not exist"},
		{dir, dir + ": this is a folder, not a runbook file; name a .yaml file in it"},
	} {
		out, errOut, code := e.cli("validate", tc.arg)
		assert.Equal(t, 1, code, tc.arg)
		assert.Contains(t, out, tc.want)
		for _, internal := range []string{"openat", "open ", "read runbook", ":1:1:", ":0:0:", "no such file or directory"} {
			assert.NotContains(t, out+errOut, internal, tc.arg)
		}
	}
}
