package runbooks_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/librarytest"
	"github.com/bcdr/bcdr/runbooks"
)

// TestLibraryAgainstRealAWSKinds validates the library against the AWS kinds as
// activities/aws declares them, so a renamed or retyped input breaks here and not
// during an incident. (The package's own tests use loose stubs, see testKinds.)
func TestLibraryAgainstRealAWSKinds(t *testing.T) {
	reg := librarytest.Registry(t)
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

// TestS3ReplicationReportSaysWhatHappenedToTheCanary renders the report and evaluates
// the escalation of s3-replication-verification.yaml from get_marker's result for a
// canary that arrived in time, one that arrived late and one that never arrived.
func TestS3ReplicationReportSaysWhatHappenedToTheCanary(t *testing.T) {
	rb, diags := runbooks.Load(os.DirFS("library"), "s3-replication-verification.yaml", librarytest.Registry(t))
	require.Empty(t, diags, "%s", diags.Error())
	params, err := runbooks.ResolveParams(rb, nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		marker   map[string]any // get_marker's result
		report   string
		escalate bool
	}{
		{"in time", map[string]any{"found": true, "lag_seconds": 42.4}, "; the canary replicated in 42 s, within the 15m RPO.", false},
		{"late", map[string]any{"found": true, "lag_seconds": 905.0}, "; the canary replicated in 905 s, beyond the 15m RPO.", true},
		{"never", map[string]any{"found": false, "lag_seconds": nil}, "; the canary did not arrive within the 15m wait", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scope := runbooks.Scope{Params: params, Mode: "live", Steps: map[string]runbooks.StepScope{
				"replication": {Status: "succeeded", Outputs: map[string]any{"pending": 3, "failed": 0}},
			}}
			outputs, err := runbooks.DeriveOutputs(rb.Step("canary_arrived"), tc.marker, scope)
			require.NoError(t, err)
			scope.Steps["canary_arrived"] = runbooks.StepScope{Status: "succeeded", Outputs: outputs}

			msg, err := runbooks.Expand(rb.Step("report").With["message"], scope)
			require.NoError(t, err)
			assert.Contains(t, msg, "example-documents -> example-documents-dr: 3 pending, 0 failed"+tc.report)
			assert.NotContains(t, msg, "-1")
			escalate, err := runbooks.EvalBool(rb.Step("escalate").When, scope)
			require.NoError(t, err)
			assert.Equal(t, tc.escalate, escalate)
		})
	}
}
