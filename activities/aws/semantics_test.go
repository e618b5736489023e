package aws

// Tests of kinds that did something other than what AWS's API reference says the call
// does, each answered by a fake in the service's wire format, as the reference documents.

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// TestSSMAutomationParametersKeepTheirNumbers: Automation parameters are strings
// (StartAutomationExecution, Parameters: map of string to list of strings,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartAutomationExecution.html);
// a YAML number 1000000 must arrive as "1000000", not "1e+06", which an Integer parameter refuses.
func TestSSMAutomationParametersKeepTheirNumbers(t *testing.T) {
	var params map[string]any
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		params, _ = body["Parameters"].(map[string]any)
		writeJSON(w, 200, map[string]any{"AutomationExecutionId": "exec-9"})
	})
	_, err := a.SSMStartAutomation(testCtx(t), request(t, map[string]any{"document_name": "Resize", "wait": false,
		"parameters": map[string]any{"MaxRows": 1000000.0, "Ratio": 0.25, "Sizes": []any{2048.0, 1e7}, "Tags": map[string]any{"team": "dba"}}}))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"MaxRows": []any{"1000000"}, "Ratio": []any{"0.25"}, "Sizes": []any{"2048", "10000000"}, "Tags": []any{`{"team":"dba"}`},
	}, params)
}

// TestLambdaEventInvocationCarriesItsIDsInTheEvent: "Lambda passes the ClientContext
// object to your function for synchronous invocations only"
// (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html), so an Event
// invocation's function never saw its idempotency key.
func TestLambdaEventInvocationCarriesItsIDsInTheEvent(t *testing.T) {
	var event map[string]any
	var invocationType, clientContext string
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		invocationType = r.Header.Get("X-Amz-Invocation-Type")
		clientContext = r.Header.Get("X-Amz-Client-Context")
		event = nil
		_ = json.NewDecoder(r.Body).Decode(&event)
		if invocationType == "Event" {
			w.WriteHeader(http.StatusAccepted) // queued: no payload
			return
		}
		writeJSON(w, 200, map[string]any{"ok": true})
	})
	ctx := testCtx(t)
	req := request(t, map[string]any{"function_name": "drain-queue", "invocation_type": "Event", "payload": map[string]any{"queue": "orders"}})
	res, err := a.LambdaInvoke(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, 202, res["status_code"])
	assert.Equal(t, "Event", invocationType)
	assert.Equal(t, "orders", event["queue"], "the event as written")
	ids, ok := event["bcdr"].(map[string]any)
	require.True(t, ok, "the event carries bcdr's ids: %v", event)
	assert.Equal(t, req.RunID, ids["bcdr_run_id"])
	assert.Equal(t, req.StepID, ids["bcdr_step_id"])
	assert.Equal(t, requestToken(req, "lambda"), ids["bcdr_idempotency_key"])

	// a synchronous invocation keeps its event as written: the ids go in the client context
	_, err = a.LambdaInvoke(ctx, request(t, map[string]any{"function_name": "drain-queue", "payload": map[string]any{"queue": "orders"}}))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"queue": "orders"}, event)
	cc, err := base64.StdEncoding.DecodeString(clientContext)
	require.NoError(t, err)
	assert.Contains(t, string(cc), "bcdr_idempotency_key")

	_, err = a.LambdaInvoke(ctx, request(t, map[string]any{"function_name": "drain-queue", "invocation_type": "Event", "payload": []any{"a"}}))
	requireErrorType(t, err, activities.ErrValidation, "drain-queue", "JSON object", "a list")
}

// TestRoute53UpsertKeepsWhatItIsNotGiven: "UPSERT: If a resource record set does exist,
// Route 53 updates it with the values in the request"
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_Change.html), so an upsert
// that named no health check detached a failover record's, and an alias that did not
// repeat evaluate_target_health stopped evaluating its target.
func TestRoute53UpsertKeepsWhatItIsNotGiven(t *testing.T) {
	a := newActions(t)
	c := route53.NewFromConfig(sdkConfig(t, awstest.Region))
	zone := createZone(t, c, "keep.example.com")
	ctx := testCtx(t)
	hc, err := c.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: awssdk.String("keep-primary"),
		HealthCheckConfig: &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeHttps, FullyQualifiedDomainName: awssdk.String("p.example.com"), Port: awssdk.Int32(443)}})
	require.NoError(t, err)
	hcID := awssdk.ToString(hc.HealthCheck.Id)
	_, err = c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: awssdk.String(zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: awssdk.String("api.keep.example.com"), Type: r53types.RRTypeA, SetIdentifier: awssdk.String("primary"),
			Failover: r53types.ResourceRecordSetFailoverPrimary, HealthCheckId: awssdk.String(hcID), TTL: awssdk.Int64(60),
			ResourceRecords: []r53types.ResourceRecord{{Value: awssdk.String("10.1.0.1")}}}}}}})
	require.NoError(t, err)

	upsert := map[string]any{"hosted_zone_id": zone, "name": "api.keep.example.com", "type": "A", "set_identifier": "primary",
		"failover": "PRIMARY", "values": []any{"10.1.0.2"}}
	_, err = a.Route53UpsertRecord(ctx, request(t, upsert))
	require.NoError(t, err)
	rs := recordSets(t, c, zone, "api.keep.example.com")
	require.Len(t, rs, 1)
	assert.Equal(t, "10.1.0.2", awssdk.ToString(rs[0].ResourceRecords[0].Value))
	assert.Equal(t, hcID, awssdk.ToString(rs[0].HealthCheckId), "the failover record keeps its health check")

	upsert["detach_health_check"] = true
	_, err = a.Route53UpsertRecord(ctx, request(t, upsert))
	require.NoError(t, err)
	assert.Empty(t, awssdk.ToString(recordSets(t, c, zone, "api.keep.example.com")[0].HealthCheckId), "detached when asked")

	// an alias keeps evaluate_target_health unless the step gives it
	alias := func(dns string, evaluate any) map[string]any {
		target := map[string]any{"dns_name": dns, "hosted_zone_id": "Z35SXDOTRQ7X7K"}
		if evaluate != nil {
			target["evaluate_target_health"] = evaluate
		}
		return map[string]any{"hosted_zone_id": zone, "name": "www.keep.example.com", "type": "A", "alias_target": target}
	}
	_, err = a.Route53UpsertRecord(ctx, request(t, alias("lb-1.us-east-1.elb.amazonaws.com", true)))
	require.NoError(t, err)
	_, err = a.Route53UpsertRecord(ctx, request(t, alias("lb-2.us-east-1.elb.amazonaws.com", nil)))
	require.NoError(t, err)
	www := recordSets(t, c, zone, "www.keep.example.com")
	require.Len(t, www, 1)
	assert.Contains(t, awssdk.ToString(www[0].AliasTarget.DNSName), "lb-2")
	assert.True(t, www[0].AliasTarget.EvaluateTargetHealth, "still evaluates its target")
}

// TestRoute53LatencyRecordIsPutBackAsItWas: a latency (or geolocation, multivalue, CIDR,
// geoproximity) record was read back as "simple", so its rollback could not put it back.
func TestRoute53LatencyRecordIsPutBackAsItWas(t *testing.T) {
	a := newActions(t)
	c := route53.NewFromConfig(sdkConfig(t, awstest.Region))
	zone := createZone(t, c, "latency.example.com")
	ctx := testCtx(t)
	_, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: awssdk.String(zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: awssdk.String("api.latency.example.com"), Type: r53types.RRTypeA, SetIdentifier: awssdk.String("usw2"),
			Region: r53types.ResourceRecordSetRegionUsWest2, TTL: awssdk.Int64(60),
			ResourceRecords: []r53types.ResourceRecord{{Value: awssdk.String("10.2.0.1")}}}}}}})
	require.NoError(t, err)

	res, err := a.Route53UpsertRecord(ctx, request(t, map[string]any{"hosted_zone_id": zone, "name": "api.latency.example.com",
		"type": "A", "set_identifier": "usw2", "latency_region": "us-west-2", "values": []any{"10.2.0.9"}}))
	require.NoError(t, err)
	prev := res["previous"].(map[string]any)
	assert.Equal(t, "latency", prev["routing"])
	assert.Equal(t, "us-west-2", prev["latency_region"])

	_, err = a.Route53RestoreRecord(ctx, request(t, map[string]any{"hosted_zone_id": zone, "name": "api.latency.example.com",
		"type": "A", "set_identifier": "usw2", "previous_existed": true, "previous": prev}))
	require.NoError(t, err, "the rollback puts the latency record back")
	rs := recordSets(t, c, zone, "api.latency.example.com")
	require.Len(t, rs, 1)
	assert.Equal(t, r53types.ResourceRecordSetRegionUsWest2, rs[0].Region)
	assert.Equal(t, "10.2.0.1", awssdk.ToString(rs[0].ResourceRecords[0].Value))

	_, err = a.Route53UpsertRecord(ctx, request(t, map[string]any{"hosted_zone_id": zone, "name": "eu.latency.example.com",
		"type": "A", "routing": "latency", "set_identifier": "euw1", "values": []any{"10.3.0.1"}}))
	requireErrorType(t, err, activities.ErrValidation, "latency record", "latency_region")
}
