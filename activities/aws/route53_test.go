package aws

import (
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
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
	a := newActions(t)
	c := route53.NewFromConfig(sdkConfig(t, awstest.Region))
	zone := createZone(t, c, "simple.example.com")
	ctx := testCtx(t)
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
	a := newActions(t)
	c := route53.NewFromConfig(sdkConfig(t, awstest.Region))
	zone := createZone(t, c, "failover.example.com")
	ctx := testCtx(t)
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

	// the health check's status
	res, err := a.Route53HealthCheckStatus(ctx, request(t, map[string]any{"health_check_id": hcID, "require_healthy": true}))
	require.NoError(t, err)
	assert.Equal(t, true, res["healthy"])
	assert.GreaterOrEqual(t, res["checkers"], 1)
	_, err = a.Route53HealthCheckStatus(ctx, request(t, map[string]any{"health_check_id": "00000000-0000-0000-0000-000000000000"}))
	requireErrorType(t, err, activities.ErrNotFound, "00000000-0000-0000-0000-000000000000")
}

func TestRoute53DeleteRecord(t *testing.T) {
	a := newActions(t)
	c := route53.NewFromConfig(sdkConfig(t, awstest.Region))
	zone := createZone(t, c, "delete.example.com")
	ctx := testCtx(t)
	_, err := a.Route53UpsertRecord(ctx, request(t, map[string]any{
		"hosted_zone_id": zone, "name": "old.delete.example.com", "type": "TXT", "values": []any{`"v=1"`},
	}))
	require.NoError(t, err)

	del := map[string]any{"hosted_zone_id": zone, "name": "old.delete.example.com", "type": "TXT"}
	res, err := a.Route53DeleteRecord(ctx, request(t, del))
	require.NoError(t, err)
	assert.Equal(t, true, res["deleted"])
	assert.Empty(t, recordSets(t, c, zone, "old.delete.example.com"))
	assert.Equal(t, []any{`"v=1"`}, res["previous"].(map[string]any)["values"])

	res, err = a.Route53DeleteRecord(ctx, request(t, del))
	require.NoError(t, err, "a record already gone is success")
	assert.Equal(t, false, res["deleted"])
}

func TestRoute53ErrorsNameTheResource(t *testing.T) {
	a := newActions(t)
	_, err := a.Route53UpsertRecord(testCtx(t), request(t, map[string]any{
		"hosted_zone_id": "ZNOSUCHZONE123", "name": "a.example.com", "type": "A", "values": []any{"10.0.0.1"},
	}))
	requireErrorType(t, err, activities.ErrNotFound, "ZNOSUCHZONE123", "a.example.com")
}
