package workflows

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	awsact "github.com/bcdr/bcdr/activities/aws"
	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/runbooks"
)

// awsHarness is a harness whose worker runs the real AWS actions against the moto server
// at endpoint; kinds are theirs, for parseWith.
func awsHarness(t *testing.T, endpoint string) (*harness, []runbooks.Kind) {
	return actionsHarness(t, awsact.Config{Region: awstest.Region, Endpoint: endpoint, PollInterval: 100 * time.Millisecond}, 2*time.Minute)
}

// actionsHarness is a harness whose worker runs the real AWS actions made with cfg, each
// test run given timeout; kinds are theirs, for parseWith.
func actionsHarness(t testing.TB, cfg awsact.Config, timeout time.Duration) (*harness, []runbooks.Kind) {
	aws := awsact.New(cfg)
	var kinds []runbooks.Kind
	for _, a := range aws.Actions() {
		kinds = append(kinds, a.Kind)
	}
	h := newHarness(t)
	activities.Register(h.env, aws.Actions()...)
	h.env.SetTestTimeout(timeout)
	return h, kinds
}

// hostedZone creates the hosted zone name in moto's Route 53, with records in it, and
// returns its id.
func hostedZone(ctx context.Context, t testing.TB, r53 *route53.Client, name string, records ...r53types.Change) string {
	t.Helper()
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
		Name: awssdk.String(name), CallerReference: awssdk.String(t.Name()),
	})
	require.NoError(t, err)
	id := strings.TrimPrefix(awssdk.ToString(zone.HostedZone.Id), "/hostedzone/")
	if len(records) > 0 {
		_, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
			HostedZoneId: awssdk.String(id), ChangeBatch: &r53types.ChangeBatch{Changes: records},
		})
		require.NoError(t, err)
	}
	return id
}

// TestDrillFailingMidwayTearsDownItsLedgerInAWS runs a drill with the real AWS actions
// against moto: two drill steps restore database copies from snapshots, the third step
// fails, and the cleanup ledger deletes both copies, checked in moto's inventory.
func TestDrillFailingMidwayTearsDownItsLedgerInAWS(t *testing.T) {
	endpoint := awstest.StartMoto(t)
	ctx := context.Background()
	db := rds.NewFromConfig(awstest.SDKConfig(t, endpoint, awstest.Region))
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

	h, kinds := awsHarness(t, endpoint)
	rb := parseWith(t, bare+`steps:
  - id: restore_billing
    uses: aws.rds.promote_read_replica
    with: {db_instance_identifier: billing-replica}
    drill:
      uses: aws.rds.restore_instance_from_snapshot
      with: {source_db_instance_identifier: billing-db, allow_default_network: true}
      cleanup:
        uses: aws.rds.delete_instance
        with: {db_instance_identifier: "${{ steps.restore_billing.outputs.db_instance_identifier }}"}
  - id: restore_orders
    uses: aws.rds.promote_read_replica
    needs: restore_billing
    with: {db_instance_identifier: orders-replica}
    drill:
      uses: aws.rds.restore_instance_from_snapshot
      with: {source_db_instance_identifier: orders-db, allow_default_network: true}
      cleanup:
        uses: aws.rds.delete_instance
        with: {db_instance_identifier: "${{ steps.restore_orders.outputs.db_instance_identifier }}"}
  - id: smoke_test
    uses: test.step
    needs: restore_orders
    with: {label: smoke, fail: true}
    retry: {attempts: 1}
    drill: {live: true} # test.step counts as acting; the smoke test runs in the drill
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

// TestRollbackRestoresRoute53RecordsInAWS runs a live recovery that upserts two records,
// one over an existing record and one new, deletes a third, then fails with on_error:
// rollback. The rollbacks (restore_record, from the upserts' and the delete's outputs)
// put the old records back and delete the new one, checked in moto.
func TestRollbackRestoresRoute53RecordsInAWS(t *testing.T) {
	endpoint := awstest.StartMoto(t)
	ctx := context.Background()
	r53 := route53.NewFromConfig(awstest.SDKConfig(t, endpoint, awstest.Region))
	zoneID := hostedZone(ctx, t, r53, "rollback.example.com",
		cname("db.rollback.example.com.", "primary.example.com"), cname("old.rollback.example.com.", "legacy.example.com"))

	h, kinds := awsHarness(t, endpoint)
	step := func(id, kind, name, more string) string {
		return fmt.Sprintf(`
  - id: %[1]s
    uses: aws.route53.%[4]s
    with: {hosted_zone_id: %[3]s, name: %[2]s, type: CNAME%[5]s}
    rollback:
      uses: aws.route53.restore_record
      with:
        hosted_zone_id: %[3]s
        name: %[2]s
        type: CNAME
        previous_existed: ${{ steps.%[1]s.outputs.previous_existed }}
        previous: ${{ steps.%[1]s.outputs.previous }}`, id, name, zoneID, kind, more)
	}
	upsert := ", values: [dr.example.com]"
	rb := parseWith(t, bare+"steps:"+step("move_db", "upsert_record", "db.rollback.example.com", upsert)+
		step("add_api", "upsert_record", "api.rollback.example.com", upsert)+
		step("drop_old", "delete_record", "old.rollback.example.com", "")+`
  - id: verify
    uses: test.step
    needs: [move_db, add_api, drop_old]
    with: {label: verify, fail: true}
    retry: {attempts: 1}
    on_error: rollback
`, kinds...)
	st, err := h.run(t, rb)
	require.Error(t, err)
	assert.Equal(t, RunFailed, st.State)
	assert.ElementsMatch(t, []string{"move_db", "add_api", "drop_old"}, st.Rollbacks)
	assert.Equal(t, true, st.Step("drop_old").Outputs["deleted"])
	for _, id := range []string{"move_db", "add_api", "drop_old"} {
		s := st.Step(id)
		require.NotNil(t, s.Rollback, id)
		assert.Empty(t, s.Rollback.Error, id)
	}

	out, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: awssdk.String(zoneID)})
	require.NoError(t, err)
	records := map[string]string{}
	for _, rs := range out.ResourceRecordSets {
		if rs.Type == r53types.RRTypeCname {
			records[awssdk.ToString(rs.Name)] = awssdk.ToString(rs.ResourceRecords[0].Value)
		}
	}
	assert.Equal(t, map[string]string{"db.rollback.example.com.": "primary.example.com", "old.rollback.example.com.": "legacy.example.com"},
		records, "the old records are back and the new one is gone")
}

// cname is a change that creates a CNAME record.
func cname(name, value string) r53types.Change {
	return r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
		Name: awssdk.String(name), Type: r53types.RRTypeCname, TTL: awssdk.Int64(30),
		ResourceRecords: []r53types.ResourceRecord{{Value: awssdk.String(value)}},
	}}
}
