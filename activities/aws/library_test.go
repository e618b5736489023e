package aws

// Tests of the library's use of the AWS kinds: the runbooks, loaded against the kinds as
// declared here, ask the kinds for what the recovery needs.

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
)

// TestLibraryStepsAskForWhatTheRecoveryNeeds: a step of a library runbook uses the kind
// and gives it the input the recovery depends on.
func TestLibraryStepsAskForWhatTheRecoveryNeeds(t *testing.T) {
	for _, tc := range []struct {
		name, runbook, step, uses, input string
		want                             any
	}{
		// db_writable used to wait for an instance of the DR cluster to be available, which
		// it was all along, as a reader (see TestRDSWaitClusterForAWriterWaitsForThePromotion).
		{"region failover waits for the DR cluster's writer", "aws-region-failover-web.yaml",
			"db_writable", "aws.rds.wait_cluster", "require_writer", true},
		// replica_active named no region, so it passed whatever the secondary replica's state.
		{"global table switch checks the replica it switches to", "dynamodb-global-table-switch.yaml",
			"replica_active", "aws.dynamodb.replica_status", "expect_regions", []any{"${{ params.secondary_region }}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := libraryRunbook(t, tc.runbook).Step(tc.step)
			require.NotNil(t, st)
			assert.Equal(t, tc.uses, st.Uses)
			assert.Equal(t, tc.want, st.With[tc.input])
		})
	}
}

// libraryRunbook loads a runbook of the library against the AWS kinds as declared here.
func libraryRunbook(t *testing.T, name string) *runbooks.Runbook {
	t.Helper()
	var kinds []runbooks.Kind
	for _, a := range New(Config{}).Actions() {
		kinds = append(kinds, a.Kind)
	}
	reg, err := runbooks.DefaultRegistry(kinds...)
	require.NoError(t, err)
	rb, diags := runbooks.Load(os.DirFS("../../runbooks/library"), name, reg)
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	return rb
}

// TestRegionFailoverRollbackOfTheDatabaseStaysOutOfTheFailedRegion: the live rollback of
// promote_db used to call RDS in the primary region, the one the runbook evacuates, and
// to fail the database back into it.
func TestRegionFailoverRollbackOfTheDatabaseStaysOutOfTheFailedRegion(t *testing.T) {
	rb := libraryRunbook(t, "aws-region-failover-web.yaml")
	st := rb.Step("promote_db")
	require.NotNil(t, st)
	require.NotNil(t, st.Rollback)
	assert.Equal(t, "aws.rds.switchover_global_cluster", st.Rollback.Uses, "a fallback that loses nothing and needs the old primary healthy")
	assert.Equal(t, "${{ params.dr_region }}", st.Rollback.With["region"])
}
