package aws

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGlobalTableSwitchChecksTheReplicaItSwitchesTo: replica_active named no region, so it
// passed whatever the secondary replica's state.
func TestGlobalTableSwitchChecksTheReplicaItSwitchesTo(t *testing.T) {
	rb := libraryRunbook(t, "dynamodb-global-table-switch.yaml")
	st := rb.Step("replica_active")
	require.NotNil(t, st)
	assert.Equal(t, []any{"${{ params.secondary_region }}"}, st.With["expect_regions"])
}
