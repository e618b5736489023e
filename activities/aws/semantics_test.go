package aws

// Tests of kinds that did something other than what AWS's API reference says the call
// does, each answered by a fake in the service's wire format, as the reference documents.

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
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
