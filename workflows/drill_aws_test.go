package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	awsact "github.com/bcdr/bcdr/activities/aws"
	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/runbooks"
)

// TestDrillFailingMidwayTearsDownItsLedgerInAWS runs a drill with the real AWS actions
// against moto: two drill steps restore database copies from snapshots, the third step
// fails, and the cleanup ledger deletes both copies, checked in moto's inventory.
func TestDrillFailingMidwayTearsDownItsLedgerInAWS(t *testing.T) {
	endpoint := awstest.StartMoto(t)
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(awstest.Region))
	require.NoError(t, err)
	db := rds.NewFromConfig(cfg, func(o *rds.Options) { o.BaseEndpoint = awssdk.String(endpoint) })
	for _, id := range []string{"billing-db", "orders-db"} {
		_, err := db.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: awssdk.String(id), DBInstanceClass: awssdk.String("db.t3.micro"),
			Engine: awssdk.String("postgres"), AllocatedStorage: awssdk.Int32(20),
			MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("not-a-secret-1"),
		})
		require.NoError(t, err)
		_, err = db.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{
			DBInstanceIdentifier: awssdk.String(id), DBSnapshotIdentifier: awssdk.String(id + "-nightly"),
		})
		require.NoError(t, err)
	}

	aws := awsact.New(awsact.Config{Region: awstest.Region, Endpoint: endpoint, PollInterval: 100 * time.Millisecond})
	var kinds []runbooks.Kind
	for _, a := range aws.Actions() {
		kinds = append(kinds, a.Kind)
	}
	h := newHarness(t)
	activities.Register(h.env, aws.Actions()...)
	h.env.SetTestTimeout(2 * time.Minute)
	rb := parseWith(t, bare+`steps:
  - id: restore_billing
    uses: aws.rds.promote_read_replica
    with: {db_instance_identifier: billing-replica}
    drill:
      uses: aws.rds.restore_instance_from_snapshot
      with: {source_db_instance_identifier: billing-db}
      cleanup:
        uses: aws.rds.delete_instance
        with: {db_instance_identifier: "${{ steps.restore_billing.outputs.db_instance_identifier }}"}
  - id: restore_orders
    uses: aws.rds.promote_read_replica
    needs: restore_billing
    with: {db_instance_identifier: orders-replica}
    drill:
      uses: aws.rds.restore_instance_from_snapshot
      with: {source_db_instance_identifier: orders-db}
      cleanup:
        uses: aws.rds.delete_instance
        with: {db_instance_identifier: "${{ steps.restore_orders.outputs.db_instance_identifier }}"}
  - id: smoke_test
    uses: test.step
    needs: restore_orders
    with: {label: smoke, fail: true}
    retry: {attempts: 1}
`, kinds...)
	st, err := h.run(t, rb, func(in *Input) { in.Mode = ModeDrill })
	require.Error(t, err)
	assert.Equal(t, RunFailed, st.State)
	assert.Empty(t, st.Leftovers)
	for _, id := range []string{"restore_billing", "restore_orders"} {
		s := st.Step(id)
		require.NotNil(t, s.Cleanup, id)
		assert.Empty(t, s.Cleanup.Error, id)
		assert.True(t, strings.HasPrefix(s.Outputs["db_instance_identifier"].(string), "bcdr-"), "the drill created a copy")
	}

	out, err := db.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
	require.NoError(t, err)
	var left []string
	for _, i := range out.DBInstances {
		left = append(left, awssdk.ToString(i.DBInstanceIdentifier))
	}
	assert.ElementsMatch(t, []string{"billing-db", "orders-db"}, left, "nothing the drill created is left in AWS")
}
