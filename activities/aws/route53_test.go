package aws

import (
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
)

func createZone(t *testing.T, c *route53.Client, name string) string {
	t.Helper()
	out, err := c.CreateHostedZone(testCtx(t), &route53.CreateHostedZoneInput{
		Name: awssdk.String(name), CallerReference: awssdk.String(name),
	})
	require.NoError(t, err)
	return zoneID(awssdk.ToString(out.HostedZone.Id))
}

func recordSets(t *testing.T, c *route53.Client, zone, name string) []r53types.ResourceRecordSet {
	t.Helper()
	out, err := c.ListResourceRecordSets(testCtx(t), &route53.ListResourceRecordSetsInput{HostedZoneId: awssdk.String(zone)})
	require.NoError(t, err)
	var sets []r53types.ResourceRecordSet
	for _, rs := range out.ResourceRecordSets {
		if awssdk.ToString(rs.Name) == fqdn(name) {
			sets = append(sets, rs)
		}
	}
	return sets
}

func recordValues(rs r53types.ResourceRecordSet) []string {
	var v []string
	for _, r := range rs.ResourceRecords {
		v = append(v, awssdk.ToString(r.Value))
	}
	return v
}

func TestRoute53UpsertRecordSimple(t *testing.T) {
	a, c, ctx := rig(t, route53.NewFromConfig)
	zone := createZone(t, c, "simple.example.com")
	with := map[string]any{"hosted_zone_id": zone, "name": "api.simple.example.com", "type": "A", "ttl": 30, "values": []any{"10.0.0.1"}}

	res, err := a.Route53UpsertRecord(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, true, res["changed"])
	assert.Equal(t, false, res["previous_existed"])
	assert.Equal(t, "INSYNC", res["status"], "waits until the change is INSYNC")
	assert.NotEmpty(t, res["change_id"])
	sets := recordSets(t, c, zone, "api.simple.example.com")
	require.Len(t, sets, 1)
	assert.Equal(t, []string{"10.0.0.1"}, recordValues(sets[0]))
	assert.Equal(t, int64(30), awssdk.ToInt64(sets[0].TTL))

	// the same upsert again (a retry) changes nothing
	res, err = a.Route53UpsertRecord(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, false, res["changed"])
	assert.Equal(t, "", res["change_id"])

	// a new value: the previous record comes back for the rollback
	with["values"] = []any{"10.0.0.2"}
	res, err = a.Route53UpsertRecord(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, true, res["changed"])
	assert.Equal(t, []any{"10.0.0.1"}, res["previous_values"])
	assert.Equal(t, int64(30), res["previous_ttl"])
	prev := res["previous"].(map[string]any)
	assert.Equal(t, "simple", prev["routing"])
	assert.Equal(t, []string{"10.0.0.2"}, recordValues(recordSets(t, c, zone, "api.simple.example.com")[0]))

	// the rollback: upsert the previous record as it was
	_, err = a.Route53UpsertRecord(ctx, request(t, prev))
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.1"}, recordValues(recordSets(t, c, zone, "api.simple.example.com")[0]))

	// wait_insync on the change id
	res2, err := a.Route53WaitInsync(ctx, request(t, map[string]any{"change_id": res["change_id"]}))
	require.NoError(t, err)
	assert.Equal(t, "INSYNC", res2["status"])
}

func TestRoute53UpsertRecordFailoverAndWeighted(t *testing.T) {
	a, c, ctx := rig(t, route53.NewFromConfig)
	zone := createZone(t, c, "failover.example.com")
	hc, err := c.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{
		CallerReference: awssdk.String(t.Name()),
		HealthCheckConfig: &r53types.HealthCheckConfig{
			Type: r53types.HealthCheckTypeHttps, FullyQualifiedDomainName: awssdk.String("primary.example.com"),
			Port: awssdk.Int32(443), ResourcePath: awssdk.String("/healthz"),
		},
	})
	require.NoError(t, err)
	hcID := awssdk.ToString(hc.HealthCheck.Id)

	for _, r := range []map[string]any{
		{"set_identifier": "primary", "failover": "PRIMARY", "values": []any{"10.1.0.1"}, "health_check_id": hcID},
		{"set_identifier": "secondary", "failover": "SECONDARY", "values": []any{"10.2.0.1"}},
	} {
		r["hosted_zone_id"], r["name"], r["type"] = zone, "www.failover.example.com", "A"
		_, err := a.Route53UpsertRecord(ctx, request(t, r))
		require.NoError(t, err)
	}
	sets := recordSets(t, c, zone, "www.failover.example.com")
	require.Len(t, sets, 2)
	byID := map[string]r53types.ResourceRecordSet{}
	for _, rs := range sets {
		byID[awssdk.ToString(rs.SetIdentifier)] = rs
	}
	assert.Equal(t, r53types.ResourceRecordSetFailoverPrimary, byID["primary"].Failover)
	assert.Equal(t, hcID, awssdk.ToString(byID["primary"].HealthCheckId))
	assert.Equal(t, r53types.ResourceRecordSetFailoverSecondary, byID["secondary"].Failover)

	_, err = a.Route53UpsertRecord(ctx, request(t, map[string]any{
		"hosted_zone_id": zone, "name": "w.failover.example.com", "type": "CNAME", "routing": "weighted",
		"set_identifier": "blue", "weight": 200, "values": []any{"blue.example.com"},
	}))
	require.NoError(t, err)
	w := recordSets(t, c, zone, "w.failover.example.com")
	require.Len(t, w, 1)
	assert.Equal(t, int64(200), awssdk.ToInt64(w[0].Weight))

	// a failover record without its role is a validation error, before any call
	_, err = a.Route53UpsertRecord(ctx, request(t, map[string]any{
		"hosted_zone_id": zone, "name": "x.failover.example.com", "type": "A", "routing": "failover", "values": []any{"10.0.0.9"},
	}))
	requireErrorType(t, err, activities.ErrValidation, "x.failover.example.com", "set_identifier")

	// the health check's status, as Route 53 publishes it (see TestRoute53HealthCheckStatusReadsWhatRoute53Uses)
	_, err = cloudwatchClient(t).PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: awssdk.String("AWS/Route53"),
		MetricData: []cwtypes.MetricDatum{{MetricName: awssdk.String("HealthCheckStatus"), Value: awssdk.Float64(1), Timestamp: awssdk.Time(time.Now()),
			Dimensions: []cwtypes.Dimension{{Name: awssdk.String("HealthCheckId"), Value: awssdk.String(hcID)}}}}})
	require.NoError(t, err)
	res, err := a.Route53HealthCheckStatus(ctx, request(t, map[string]any{"health_check_id": hcID, "require_healthy": true}))
	require.NoError(t, err)
	assert.Equal(t, true, res["healthy"])
	assert.Equal(t, "HTTPS", res["type"])
	_, err = a.Route53HealthCheckStatus(ctx, request(t, map[string]any{"health_check_id": "00000000-0000-0000-0000-000000000000"}))
	requireErrorType(t, err, activities.ErrNotFound, "00000000-0000-0000-0000-000000000000")
}

func TestRoute53DeleteRecord(t *testing.T) {
	a, c, ctx := rig(t, route53.NewFromConfig)
	zone := createZone(t, c, "delete.example.com")
	_, err := a.Route53UpsertRecord(ctx, request(t, map[string]any{
		"hosted_zone_id": zone, "name": "old.delete.example.com", "type": "TXT", "values": []any{`"v=1"`},
	}))
	require.NoError(t, err)

	del := map[string]any{"hosted_zone_id": zone, "name": "old.delete.example.com", "type": "TXT"}
	res, err := a.Route53DeleteRecord(ctx, request(t, del))
	require.NoError(t, err)
	assert.Equal(t, true, res["deleted"])
	assert.Empty(t, recordSets(t, c, zone, "old.delete.example.com"))
	assert.Equal(t, true, res["previous_existed"])
	assert.Equal(t, []any{`"v=1"`}, res["previous"].(map[string]any)["values"])

	gone, err := a.Route53DeleteRecord(ctx, request(t, del))
	require.NoError(t, err, "a record already gone is success")
	assert.Equal(t, false, gone["deleted"])
	assert.Equal(t, false, gone["previous_existed"])
	assert.Nil(t, gone["previous"])

	// the delete's rollback, as a runbook writes it, puts the record back
	out, err := a.Route53RestoreRecord(ctx, request(t, restoreWith(del, res)))
	require.NoError(t, err)
	assert.Equal(t, "upsert", out["action"])
	sets := recordSets(t, c, zone, "old.delete.example.com")
	require.Len(t, sets, 1)
	assert.Equal(t, []string{`"v=1"`}, recordValues(sets[0]))
}

// restoreWith is the rollback of an upsert or a delete as a runbook writes it: the
// record's name and the step's previous_existed and previous outputs.
func restoreWith(with map[string]any, res activities.Result) map[string]any {
	w := map[string]any{"previous_existed": res["previous_existed"], "previous": res["previous"]}
	for _, k := range []string{"hosted_zone_id", "name", "type", "set_identifier"} {
		if v, ok := with[k]; ok {
			w[k] = v
		}
	}
	return w
}

// upsertNew upserts a CNAME name -> dr.example.com that did not exist, in a new zone of
// the name's parent domain; it returns the zone and the inputs of the upsert's rollback.
func upsertNew(t *testing.T, a *Actions, c *route53.Client, name string) (zone string, rollback map[string]any) {
	t.Helper()
	_, parent, _ := strings.Cut(name, ".")
	zone = createZone(t, c, parent)
	upsert := map[string]any{"hosted_zone_id": zone, "name": name, "type": "CNAME", "values": []any{"dr.example.com"}}
	res, err := a.Route53UpsertRecord(testCtx(t), request(t, upsert))
	require.NoError(t, err)
	require.Equal(t, false, res["previous_existed"])
	require.Len(t, recordSets(t, c, zone, name), 1)
	return zone, restoreWith(upsert, res)
}

func TestRoute53RestoreRecordDeletesARecordThatDidNotExist(t *testing.T) {
	a, c, ctx := rig(t, route53.NewFromConfig)
	zone, rollback := upsertNew(t, a, c, "api.new.restore.example.com")

	out, err := a.Route53RestoreRecord(ctx, request(t, rollback))
	require.NoError(t, err)
	assert.Equal(t, "delete", out["action"])
	assert.Equal(t, true, out["changed"])
	assert.Equal(t, "INSYNC", out["status"])
	assert.NotEmpty(t, out["change_id"])
	assert.Empty(t, recordSets(t, c, zone, "api.new.restore.example.com"), "the record the upsert created is gone")

	// the rollback again (a retry after a lost response): nothing to do, no error
	out, err = a.Route53RestoreRecord(ctx, request(t, rollback))
	require.NoError(t, err)
	assert.Equal(t, "none", out["action"])
	assert.Equal(t, false, out["changed"])
	assert.Equal(t, "", out["change_id"])
}

func TestRoute53RestoreRecordPutsTheOldRecordBack(t *testing.T) {
	a, c, ctx := rig(t, route53.NewFromConfig)
	zone := createZone(t, c, "old.restore.example.com")
	name := "w.old.restore.example.com"
	old := map[string]any{"hosted_zone_id": zone, "name": name, "type": "A", "routing": "weighted",
		"set_identifier": "blue", "weight": 200, "ttl": 30, "values": []any{"10.0.0.1"}}
	_, err := a.Route53UpsertRecord(ctx, request(t, old))
	require.NoError(t, err)
	upsert := map[string]any{"hosted_zone_id": zone, "name": name, "type": "A", "routing": "weighted",
		"set_identifier": "blue", "weight": 0, "ttl": 60, "values": []any{"10.0.0.2"}}
	res, err := a.Route53UpsertRecord(ctx, request(t, upsert))
	require.NoError(t, err)
	require.Equal(t, true, res["previous_existed"])
	sets := recordSets(t, c, zone, name)
	require.Len(t, sets, 1)
	require.Equal(t, []string{"10.0.0.2"}, recordValues(sets[0]))
	require.Equal(t, int64(0), awssdk.ToInt64(sets[0].Weight))

	rollback := restoreWith(upsert, res)
	for i, want := range []string{"upsert", "none"} { // the second is a retried rollback
		out, err := a.Route53RestoreRecord(ctx, request(t, rollback))
		require.NoError(t, err, "rollback %d", i+1)
		assert.Equal(t, want, out["action"], "rollback %d", i+1)
		sets := recordSets(t, c, zone, name)
		require.Len(t, sets, 1)
		assert.Equal(t, []string{"10.0.0.1"}, recordValues(sets[0]))
		assert.Equal(t, int64(30), awssdk.ToInt64(sets[0].TTL))
		assert.Equal(t, int64(200), awssdk.ToInt64(sets[0].Weight), "the whole record comes back, not only its values")
	}
}

func TestRoute53RestoreRecordRefusesAPreviousStateThatDoesNotFit(t *testing.T) {
	a := newActions(t)
	zone := "ZRESTORECHECK1"
	other := map[string]any{"hosted_zone_id": zone, "name": "other.example.com.", "type": "A", "routing": "simple", "ttl": 60, "values": []any{"10.0.0.1"}}
	for _, tc := range []struct {
		name  string
		with  map[string]any
		words []string
	}{
		{"existed without the record", map[string]any{"previous_existed": true}, []string{"previous is not given"}},
		{"a record that did not exist", map[string]any{"previous_existed": false, "previous": other}, []string{"previous_existed is false"}},
		{"another record", map[string]any{"previous_existed": true, "previous": other}, []string{"a.example.com", "other.example.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.with["hosted_zone_id"], tc.with["name"], tc.with["type"] = zone, "a.example.com", "A"
			_, err := a.Route53RestoreRecord(testCtx(t), request(t, tc.with))
			requireErrorType(t, err, activities.ErrValidation, tc.words...)
		})
	}
}

func TestRoute53ErrorsNameTheResource(t *testing.T) {
	a := newActions(t)
	_, err := a.Route53UpsertRecord(testCtx(t), request(t, map[string]any{
		"hosted_zone_id": "ZNOSUCHZONE123", "name": "a.example.com", "type": "A", "values": []any{"10.0.0.1"},
	}))
	requireErrorType(t, err, activities.ErrNotFound, "ZNOSUCHZONE123", "a.example.com")
}
