package aws

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// TestDocDBFailoverGlobalCluster: DocumentDB's FailoverGlobalCluster has the RDS wire
// shape (Action=FailoverGlobalCluster, Version 2014-10-31, signed as "rds",
// https://docs.aws.amazon.com/documentdb/latest/developerguide/API_FailoverGlobalCluster.html),
// so the RDS fake that follows the API reference answers it; moto has neither.
func TestDocDBFailoverGlobalCluster(t *testing.T) {
	const east = "arn:aws:rds:us-east-1:123456789012:cluster:catalog-east"
	const west = "arn:aws:rds:us-west-2:123456789012:cluster:catalog-west"
	g := awstest.NewRDS()
	g.AddGlobalCluster("catalog", awstest.AuroraCluster{ARN: east, Instances: []string{"catalog-east-1"}},
		awstest.AuroraCluster{ARN: west, Instances: []string{"catalog-west-1"}})
	a, _ := wire(t, g.ServeHTTP)
	ctx := testCtx(t)

	with := map[string]any{"global_cluster_identifier": "catalog", "target_db_cluster_identifier": west, "allow_data_loss": true}
	res, err := a.DocDBFailoverGlobalCluster(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, activities.Result{"new_primary": west, "previous_primary": east, "changed": true}, res)
	assert.Contains(t, g.Calls(), "us-west-2 FailoverGlobalCluster AllowDataLoss=true GlobalClusterIdentifier=catalog TargetDbClusterIdentifier="+west,
		"called in the target's region, never in the lost one")
	assert.Equal(t, west, g.Writer("catalog"), "waited through pending and failing-over")
	res, err = a.DocDBFailoverGlobalCluster(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, false, res["changed"], "already the primary: no second failover")

	res, err = a.DocDBSwitchoverGlobalCluster(ctx, request(t, map[string]any{"global_cluster_identifier": "catalog", "target_db_cluster_identifier": east}))
	require.NoError(t, err)
	assert.Equal(t, west, res["previous_primary"])
	assert.Equal(t, east, g.Writer("catalog"))
	n := 0
	for _, c := range g.Calls() {
		if strings.Contains(c, " FailoverGlobalCluster") || strings.Contains(c, " SwitchoverGlobalCluster") {
			n++
		}
	}
	assert.Equal(t, 2, n)

	_, err = a.DocDBFailoverGlobalCluster(ctx, request(t, map[string]any{"global_cluster_identifier": "gone", "target_db_cluster_identifier": west, "allow_data_loss": true}))
	requireErrorType(t, err, activities.ErrNotFound, "gone")
}
