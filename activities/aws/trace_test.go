package aws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// stsSessionName is what STS accepts as a RoleSessionName: 2 to 64 characters of
// [\w+=,.@-] (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
var stsSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// TestAssumedRoleSessionNamesTheRunAndStep: CloudTrail records the role session name in
// every event's userIdentity, so the session a step assumes its role in says which run
// and step called; it used to be the constant "bcdr".
func TestAssumedRoleSessionNamesTheRunAndStep(t *testing.T) {
	var mu sync.Mutex
	var sessions []string
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "" { // STS, query protocol
			_ = r.ParseForm()
			require.Equal(t, "AssumeRole", r.Form.Get("Action"))
			mu.Lock()
			sessions = append(sessions, r.Form.Get("RoleSessionName"))
			mu.Unlock()
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>
<AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>%s</Expiration>
</Credentials><AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/bcdr-recovery/%s</Arn><AssumedRoleId>AROAEXAMPLE:%s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>sts-1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
				time.Now().Add(time.Hour).UTC().Format(time.RFC3339), r.Form.Get("RoleSessionName"), r.Form.Get("RoleSessionName"))
			return
		}
		writeJSON(w, 200, map[string]any{"Table": map[string]any{"TableName": "carts", "TableStatus": "ACTIVE",
			"Replicas": []any{map[string]any{"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"}}}})
	})
	ctx := testCtx(t)
	const role = "arn:aws:iam::111122223333:role/bcdr-recovery"
	for _, step := range []string{"replica_active", "replica_again"} {
		req := activities.Request{RunID: "dynamodb-global-table-switch-20261203T091000Z-4711", StepID: step,
			With: map[string]any{"table": "carts", "role_arn": role}}
		_, err := a.DynamoDBReplicaStatus(ctx, req)
		require.NoError(t, err)
	}
	require.Len(t, sessions, 2, "one session per step")
	for i, step := range []string{"replica_active", "replica_again"} {
		assert.Regexp(t, stsSessionName, sessions[i])
		assert.True(t, strings.HasPrefix(sessions[i], "dynamodb-global-table-switch-20261203T"), sessions[i])
		assert.True(t, strings.HasSuffix(sessions[i], "@"+step), sessions[i])
	}

	_, err := a.DynamoDBReplicaStatus(ctx, activities.Request{RunID: "drill-42", StepID: "check", With: map[string]any{"table": "carts", "role_arn": role}})
	require.NoError(t, err)
	assert.Equal(t, "drill-42@check", sessions[2], "a short run and step are the name as they are")
}

func TestSessionNameStaysWithinSTSLimits(t *testing.T) {
	long := "aws-region-failover-web-with-a-very-long-name-20261203T091000Z-314806"
	a := sessionName(long, "promote_db")
	b := sessionName(long+"7", "promote_db")
	for _, n := range []string{a, b, sessionName("run/1 (manual)", "step:1"), sessionName("", ""),
		sessionName(long, strings.Repeat("verify_the_application_", 5))} {
		assert.Regexp(t, stsSessionName, n)
	}
	assert.True(t, strings.HasSuffix(a, "@promote_db"), "the step stays whole: %s", a)
	assert.True(t, strings.HasPrefix(a, "aws-region-failover-web-with"), "the run's start stays: %s", a)
	assert.NotEqual(t, a, b, "runs that share a long prefix still get their own session")
	assert.Equal(t, "run-1--manual-@step-1", sessionName("run/1 (manual)", "step:1"))
}

// TestEveryChangeIsLoggedWithItsRequestID: each change call is logged once AWS answers,
// with the request id AWS returned (which CloudTrail records as requestID), the run and
// the step; reads are not logged, and neither are inputs.
func TestEveryChangeIsLoggedWithItsRequestID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		switch jsonTarget(r) {
		case "StartAutomationExecution":
			if body["DocumentName"] == "Missing-Doc" {
				w.Header().Set("X-Amzn-RequestId", "req-start-2")
				jsonError(w, 400, "InvalidDocument", "no such document")
				return
			}
			w.Header().Set("X-Amzn-RequestId", "req-start-1")
			writeJSON(w, 200, map[string]any{"AutomationExecutionId": "exec-1"})
		case "GetAutomationExecution":
			w.Header().Set("X-Amzn-RequestId", "req-get-1")
			writeJSON(w, 200, map[string]any{"AutomationExecution": map[string]any{"AutomationExecutionId": "exec-1", "AutomationExecutionStatus": "Success"}})
		}
	}))
	t.Cleanup(srv.Close)
	var buf bytes.Buffer
	a := New(Config{Region: awstest.Region, Endpoint: srv.URL, PollInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	ctx := testCtx(t)
	req := activities.Request{RunID: "run-77", StepID: "restart_app", With: map[string]any{"document_name": "Restart-App",
		"parameters": map[string]any{"Password": "hunter2"}}}
	_, err := a.SSMStartAutomation(ctx, req)
	require.NoError(t, err)
	req.With = map[string]any{"document_name": "Missing-Doc"}
	_, err = a.SSMStartAutomation(ctx, req)
	require.Error(t, err)

	var changes []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec["msg"] == "AWS change" {
			changes = append(changes, rec)
		}
	}
	require.Len(t, changes, 2, "the two starts, not the read: %s", buf.String())
	for i, want := range []struct{ id, outcome string }{{"req-start-1", "ok"}, {"req-start-2", "InvalidDocument"}} {
		assert.Equal(t, "SSM", changes[i]["service"])
		assert.Equal(t, "StartAutomationExecution", changes[i]["operation"])
		assert.Equal(t, awstest.Region, changes[i]["region"])
		assert.Equal(t, want.id, changes[i]["request_id"])
		assert.Equal(t, want.outcome, changes[i]["outcome"])
		assert.Equal(t, "run-77", changes[i]["run_id"])
		assert.Equal(t, "restart_app", changes[i]["step_id"])
	}
	assert.NotContains(t, buf.String(), "hunter2", "no input is logged")
}
