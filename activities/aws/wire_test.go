package aws

// Tests of the actions whose AWS operations moto 5.2 lacks: Route 53 ARC routing
// controls, Aurora and DocumentDB global-cluster failover/switchover (and an RDS
// promotion's state change), SSM Automation, AWS Backup restore jobs, Elastic Disaster
// Recovery, Lambda function errors, DynamoDB replica descriptions. Each runs the real SDK
// client against an httptest server on 127.0.0.1 that answers in the service's wire format.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// wire starts an AWS look-alike and returns actions pointed at it. The credentials are
// the dummy ones TestMain puts in the environment.
func wire(t *testing.T, h http.HandlerFunc) (*Actions, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return New(Config{Region: awstest.Region, Endpoint: srv.URL, PollInterval: 10 * time.Millisecond}), srv
}

// jsonTarget is the operation of an AWS JSON protocol request (X-Amz-Target: Svc.Op).
func jsonTarget(r *http.Request) string {
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	return op
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-Errortype", code)
	writeJSON(w, status, map[string]any{"__type": code, "message": msg, "Message": msg})
}

// ---- Route 53 ARC (awsJson1_0, ToggleCustomerAPI)

func TestARCRoutingControls(t *testing.T) {
	const arn = "arn:aws:route53-recovery-control::123456789012:controlpanel/abc/routingcontrol/us-west-2-cell"
	cluster := awstest.NewARCCluster(map[string]string{arn: "Off"})
	a, good := wire(t, cluster.ServeHTTP)
	down := downEndpoint(t)
	eps := []any{
		map[string]any{"endpoint": down.URL, "region": "us-west-2"},
		map[string]any{"endpoint": good.URL, "region": "eu-west-1"},
	}
	ctx := testCtx(t)

	res, err := a.ARCGetRoutingControl(ctx, request(t, map[string]any{"routing_control_arn": arn, "cluster_endpoints": eps}))
	require.NoError(t, err, "a down endpoint is skipped")
	assert.Equal(t, "Off", res["state"])
	assert.Equal(t, "us-west-2-cell", res["name"])

	set := map[string]any{"routing_control_arn": arn, "cluster_endpoints": eps, "state": "On"}
	res, err = a.ARCSetRoutingControl(ctx, request(t, set))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"state": "On", "previous_state": "Off", "changed": true}, map[string]any(res))
	assert.Equal(t, "On", cluster.State(arn))
	assert.Equal(t, 1, cluster.Calls("UpdateRoutingControlState"))

	res, err = a.ARCSetRoutingControl(ctx, request(t, set))
	require.NoError(t, err, "already On: nothing to do")
	assert.Equal(t, false, res["changed"])
	assert.Equal(t, 1, cluster.Calls("UpdateRoutingControlState"), "no second update")

	_, err = a.ARCGetRoutingControl(ctx, request(t, map[string]any{"routing_control_arn": arn + "x", "cluster_endpoints": eps}))
	requireErrorType(t, err, activities.ErrNotFound, arn+"x")

	_, err = a.ARCGetRoutingControl(ctx, request(t, map[string]any{"routing_control_arn": arn,
		"cluster_endpoints": []any{map[string]any{"endpoint": down.URL, "region": "us-west-2"}}}))
	requireRetryable(t, err)
	assert.Contains(t, err.Error(), "no cluster endpoint answered")
}

// ---- RDS (awsQuery, XML)

// TestGlobalClusterFailoverAndSwitchover runs the Aurora and the DocumentDB kinds against
// awstest.RDS, which answers as the RDS API reference documents (moto has neither
// engine's operations). DocumentDB's global-cluster operations have the RDS wire shape
// (Action=FailoverGlobalCluster, Version 2014-10-31, signed as "rds",
// https://docs.aws.amazon.com/documentdb/latest/developerguide/API_FailoverGlobalCluster.html).
func TestGlobalClusterFailoverAndSwitchover(t *testing.T) {
	type kind = func(*Actions, context.Context, activities.Request) (activities.Result, error)
	for _, tc := range []struct {
		engine               string
		failover, switchover kind
	}{
		{"aurora", (*Actions).RDSFailoverGlobalCluster, (*Actions).RDSSwitchoverGlobalCluster},
		{"docdb", (*Actions).DocDBFailoverGlobalCluster, (*Actions).DocDBSwitchoverGlobalCluster},
	} {
		t.Run(tc.engine, func(t *testing.T) {
			const east = "arn:aws:rds:us-east-1:123456789012:cluster:shop-east"
			const west = "arn:aws:rds:us-west-2:123456789012:cluster:shop-west"
			g := awstest.NewRDS()
			g.AddGlobalCluster("shop", awstest.AuroraCluster{ARN: east, Instances: []string{"shop-east-1"}},
				awstest.AuroraCluster{ARN: west, Instances: []string{"shop-west-1"}})
			a, _ := wire(t, g.ServeHTTP)
			ctx := testCtx(t)
			count := func(op string) int {
				n := 0
				for _, c := range g.Calls() {
					if strings.Contains(c, " "+op) {
						n++
					}
				}
				return n
			}

			with := map[string]any{"global_cluster_identifier": "shop", "target_db_cluster_identifier": west, "allow_data_loss": true}
			res, err := tc.failover(a, ctx, request(t, with))
			require.NoError(t, err)
			assert.Equal(t, activities.Result{"new_primary": west, "previous_primary": east, "changed": true}, res)
			assert.Contains(t, g.Calls(), "us-west-2 FailoverGlobalCluster AllowDataLoss=true GlobalClusterIdentifier=shop TargetDbClusterIdentifier="+west,
				"called in the target's region, never in the lost one")
			assert.Equal(t, west, g.Writer("shop"), "waited until the failover finished")
			assert.GreaterOrEqual(t, count("DescribeGlobalClusters"), 5, "polled through pending and failing-over")

			res, err = tc.failover(a, ctx, request(t, with))
			require.NoError(t, err, "the target already writes: success, no second failover")
			assert.Equal(t, false, res["changed"])
			assert.Equal(t, 1, count("FailoverGlobalCluster"))

			// a failover without data loss is a switchover: AllowDataLoss is not sent
			with = map[string]any{"global_cluster_identifier": "shop", "target_db_cluster_identifier": east, "allow_data_loss": false}
			_, err = tc.failover(a, ctx, request(t, with))
			require.NoError(t, err)
			assert.Contains(t, g.Calls(), "us-east-1 FailoverGlobalCluster GlobalClusterIdentifier=shop TargetDbClusterIdentifier="+east)
			assert.Equal(t, east, g.Writer("shop"))

			// the switchover kind, back to west
			res, err = tc.switchover(a, ctx, request(t, map[string]any{"global_cluster_identifier": "shop", "target_db_cluster_identifier": west}))
			require.NoError(t, err)
			assert.Equal(t, east, res["previous_primary"])
			assert.Equal(t, west, g.Writer("shop"))
			assert.Equal(t, 1, count("SwitchoverGlobalCluster"))

			_, err = tc.switchover(a, ctx, request(t, map[string]any{"global_cluster_identifier": "gone", "target_db_cluster_identifier": west}))
			requireErrorType(t, err, activities.ErrNotFound, "gone")
			_, err = tc.failover(a, ctx, request(t, map[string]any{"global_cluster_identifier": "gone", "target_db_cluster_identifier": west, "allow_data_loss": true}))
			requireErrorType(t, err, activities.ErrNotFound, "gone")
			_, err = tc.switchover(a, ctx, request(t, map[string]any{"global_cluster_identifier": "shop", "target_db_cluster_identifier": west + "-x"}))
			requireErrorType(t, err, activities.ErrNotFound, west+"-x")
			_, err = tc.failover(a, ctx, request(t, map[string]any{"global_cluster_identifier": "shop", "target_db_cluster_identifier": west}))
			requireErrorType(t, err, activities.ErrValidation, "allow_data_loss")
		})
	}
}

// The promotion as RDS shows it: the replica goes modifying, then available without a
// source. moto skips these states (see TestRDSPromoteReadReplica).
func TestRDSPromoteReadReplicaLifecycle(t *testing.T) {
	var describes atomic.Int32
	var got awstest.CallLog
	promoted := false
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		op := r.Form.Get("Action")
		got.Add(op)
		w.Header().Set("Content-Type", "text/xml")
		switch op {
		case "DescribeDBInstances":
			n := describes.Add(1)
			status, source := "available", "<ReadReplicaSourceDBInstanceIdentifier>orders</ReadReplicaSourceDBInstanceIdentifier>"
			if promoted {
				status = "modifying"
				if n > 4 {
					status, source = "available", ""
				}
			}
			fmt.Fprintf(w, `<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance>
<DBInstanceIdentifier>orders-replica</DBInstanceIdentifier><DBInstanceStatus>%s</DBInstanceStatus>%s
<Endpoint><Address>orders-replica.abc.us-west-2.rds.amazonaws.com</Address><Port>5432</Port></Endpoint>
</DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>`, status, source)
		case "PromoteReadReplica":
			promoted = true
			fmt.Fprint(w, `<PromoteReadReplicaResponse><PromoteReadReplicaResult><DBInstance><DBInstanceIdentifier>orders-replica</DBInstanceIdentifier></DBInstance></PromoteReadReplicaResult></PromoteReadReplicaResponse>`)
		}
	})
	res, err := a.RDSPromoteReadReplica(testCtx(t), request(t, map[string]any{"db_instance_identifier": "orders-replica"}))
	require.NoError(t, err)
	assert.Equal(t, true, res["promoted"])
	assert.Equal(t, "available", res["status"])
	assert.Equal(t, "orders-replica.abc.us-west-2.rds.amazonaws.com", res["endpoint"])
	assert.Equal(t, 1, got.Count("PromoteReadReplica"))
	assert.GreaterOrEqual(t, describes.Load(), int32(5), "waited through modifying until the source was gone")
}

// ---- SSM Automation (awsJson1_1)

func TestSSMStartAutomation(t *testing.T) {
	var got awstest.CallLog
	var tokens []string
	var polls atomic.Int32
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		op := jsonTarget(r)
		got.Add(op)
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		switch op {
		case "StartAutomationExecution":
			tokens = append(tokens, body["ClientToken"].(string))
			if body["DocumentName"] == "Broken-Runbook" {
				writeJSON(w, 200, map[string]any{"AutomationExecutionId": "exec-broken"})
				return
			}
			assert.Equal(t, map[string]any{"InstanceId": []any{"i-1"}, "Regions": []any{"us-west-2", "eu-west-1"}}, body["Parameters"])
			writeJSON(w, 200, map[string]any{"AutomationExecutionId": "exec-1"})
		case "GetAutomationExecution":
			if body["AutomationExecutionId"] == "exec-broken" {
				writeJSON(w, 200, map[string]any{"AutomationExecution": map[string]any{
					"AutomationExecutionStatus": "Failed", "FailureMessage": "step restart failed"}})
				return
			}
			st := "InProgress"
			if polls.Add(1) > 2 {
				st = "Success"
			}
			writeJSON(w, 200, map[string]any{"AutomationExecution": map[string]any{
				"AutomationExecutionId": "exec-1", "AutomationExecutionStatus": st,
				"Outputs": map[string]any{"restart.Result": []any{"ok"}}}})
		}
	})
	ctx := testCtx(t)
	req := request(t, map[string]any{"document_name": "Restart-App", "parameters": map[string]any{"InstanceId": "i-1", "Regions": []any{"us-west-2", "eu-west-1"}}})
	res, err := a.SSMStartAutomation(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, "exec-1", res["execution_id"])
	assert.Equal(t, "Success", res["status"])
	assert.Equal(t, map[string]any{"restart.Result": []any{"ok"}}, res["outputs"])

	_, err = a.SSMStartAutomation(ctx, req)
	require.NoError(t, err)
	require.Len(t, tokens, 2)
	assert.Equal(t, tokens[0], tokens[1], "a retry sends the same client token, so SSM starts one execution")
	assert.Regexp(t, `^[0-9a-f-]{36}$`, tokens[0])

	_, err = a.SSMStartAutomation(ctx, request(t, map[string]any{"document_name": "Broken-Runbook"}))
	requireErrorType(t, err, activities.ErrFailed, "Broken-Runbook", "Failed", "step restart failed")
}

// ---- AWS Backup (restJson1)

func TestBackupStartAndWaitRestore(t *testing.T) {
	var tokens []string
	var polls atomic.Int32
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/restore-jobs":
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			tokens = append(tokens, body["IdempotencyToken"].(string))
			assert.Equal(t, "RDS", body["ResourceType"])
			writeJSON(w, 200, map[string]any{"RestoreJobId": "job-7"})
		case r.Method == http.MethodGet && r.URL.Path == "/restore-jobs/job-7":
			st := "RUNNING"
			if polls.Add(1) > 2 {
				st = "COMPLETED"
			}
			writeJSON(w, 200, map[string]any{"RestoreJobId": "job-7", "Status": st, "PercentDone": "50",
				"CreatedResourceArn": "arn:aws:rds:us-east-1:123456789012:db:scratch"})
		case r.Method == http.MethodGet && r.URL.Path == "/restore-jobs/job-bad":
			writeJSON(w, 200, map[string]any{"RestoreJobId": "job-bad", "Status": "FAILED", "StatusMessage": "subnet group not found"})
		default:
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			writeJSON(w, 404, map[string]any{"Code": "ResourceNotFoundException", "Message": "no such restore job " + r.URL.Path})
		}
	})
	ctx := testCtx(t)
	start := request(t, map[string]any{"recovery_point_arn": "arn:aws:backup:us-east-1:123456789012:recovery-point:rp-1",
		"iam_role_arn": "arn:aws:iam::123456789012:role/backup-restore", "resource_type": "RDS", "metadata": map[string]any{"DBInstanceIdentifier": "scratch"}})
	res, err := a.BackupStartRestore(ctx, start)
	require.NoError(t, err)
	assert.Equal(t, "job-7", res["restore_job_id"])
	_, err = a.BackupStartRestore(ctx, start)
	require.NoError(t, err)
	assert.Equal(t, tokens[0], tokens[1], "a retry sends the same idempotency token")

	res, err = a.BackupWaitRestore(ctx, request(t, map[string]any{"restore_job_id": "job-7"}))
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", res["status"])
	assert.Equal(t, "arn:aws:rds:us-east-1:123456789012:db:scratch", res["created_resource_arn"])

	_, err = a.BackupWaitRestore(ctx, request(t, map[string]any{"restore_job_id": "job-bad"}))
	requireErrorType(t, err, activities.ErrFailed, "job-bad", "subnet group not found")
	_, err = a.BackupWaitRestore(ctx, request(t, map[string]any{"restore_job_id": "job-none"}))
	requireErrorType(t, err, activities.ErrNotFound, "job-none")
}

// ---- Elastic Disaster Recovery (restJson1)

func TestDRSStartRecoveryAndWaitJob(t *testing.T) {
	var mu sync.Mutex
	var jobs []map[string]any
	var starts atomic.Int32
	var polls atomic.Int32
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/StartRecovery":
			starts.Add(1)
			assert.Equal(t, true, body["isDrill"])
			job := map[string]any{"jobID": "drsjob-1", "status": "PENDING", "type": "LAUNCH", "tags": body["tags"],
				"participatingServers": []any{map[string]any{"sourceServerID": "s-1", "launchStatus": "PENDING"}}}
			jobs = append(jobs, job)
			writeJSON(w, 201, map[string]any{"job": job})
		case "/DescribeJobs":
			filters, _ := body["filters"].(map[string]any)
			if ids, ok := filters["jobIDs"].([]any); ok && len(ids) == 1 && ids[0] == "drsjob-1" && len(jobs) > 0 {
				if polls.Add(1) > 2 {
					jobs[0]["status"] = "COMPLETED"
					jobs[0]["participatingServers"] = []any{map[string]any{"sourceServerID": "s-1", "launchStatus": "LAUNCHED", "recoveryInstanceID": "i-recovered"}}
				}
				writeJSON(w, 200, map[string]any{"items": []any{jobs[0]}})
				return
			}
			writeJSON(w, 200, map[string]any{"items": jobs})
		}
	})
	ctx := testCtx(t)
	start := request(t, map[string]any{"source_server_ids": []any{"s-1"}, "is_drill": true})
	res, err := a.DRSStartRecovery(ctx, start)
	require.NoError(t, err)
	assert.Equal(t, "drsjob-1", res["job_id"])
	res, err = a.DRSStartRecovery(ctx, start)
	require.NoError(t, err, "a retry adopts the job its token tags")
	assert.Equal(t, "drsjob-1", res["job_id"])
	assert.Equal(t, int32(1), starts.Load(), "one recovery started")

	res, err = a.DRSWaitJob(ctx, request(t, map[string]any{"job_id": "drsjob-1"}))
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", res["status"])
	assert.Equal(t, []any{"i-recovered"}, res["recovery_instance_ids"])

	_, err = a.DRSStartRecovery(ctx, request(t, map[string]any{"source_server_ids": []any{"s-1"}}))
	requireErrorType(t, err, activities.ErrValidation, "is_drill")
}

// ---- Lambda function errors (restJson1)

func TestLambdaInvokeFunctionErrorFailsTheStep(t *testing.T) {
	var clientContext string
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		clientContext = r.Header.Get("X-Amz-Client-Context")
		switch r.URL.Path {
		case "/2015-03-31/functions/failing/invocations":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			writeJSON(w, 200, map[string]any{"errorType": "KeyError", "errorMessage": "'region'", "stackTrace": []any{"secret internals"}})
		default:
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			writeJSON(w, 404, map[string]any{"Type": "User", "Message": "Function not found: " + r.URL.Path})
		}
	})
	ctx := testCtx(t)
	_, err := a.LambdaInvoke(ctx, request(t, map[string]any{"function_name": "failing"}))
	requireErrorType(t, err, activities.ErrFailed, "failing", "Unhandled", "KeyError", "'region'")
	assert.NotContains(t, err.Error(), "secret internals", "no stack trace in the step error")
	assert.NotEmpty(t, clientContext, "the function gets the run, step and idempotency key")

	_, err = a.LambdaInvoke(ctx, request(t, map[string]any{"function_name": "missing-fn"}))
	requireErrorType(t, err, activities.ErrNotFound, "missing-fn")
}

// ---- DynamoDB replicas (awsJson1_0)

func TestDynamoDBReplicaStatusOfAGlobalTable(t *testing.T) {
	a, _ := wire(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"Table": map[string]any{"TableName": "carts", "TableStatus": "ACTIVE",
			"Replicas": []any{
				map[string]any{"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"},
				map[string]any{"RegionName": "eu-west-1", "ReplicaStatus": "UPDATING"},
			}}})
	})
	ctx := testCtx(t)
	res, err := a.DynamoDBReplicaStatus(ctx, request(t, map[string]any{"table": "carts", "expect_regions": []any{"us-west-2"}}))
	require.NoError(t, err)
	assert.Equal(t, false, res["all_active"])
	assert.Len(t, res["replicas"], 2)
	_, err = a.DynamoDBReplicaStatus(ctx, request(t, map[string]any{"table": "carts", "expect_regions": []any{"eu-west-1"}}))
	requireErrorType(t, err, activities.ErrFailed, "carts", "eu-west-1 is UPDATING")
}

// TestRDSDeleteOfAPromotedReplica deletes a promoted read replica through awstest.RDS
// (the drill cleanup of rds-promote-read-replica): one DeleteDBInstance, then polls until
// the instance is gone, as API_DeleteDBInstance.html documents (deleting, then not found).
func TestRDSDeleteOfAPromotedReplica(t *testing.T) {
	g := awstest.NewRDS()
	g.AddReadReplica("us-west-2", "orders-drill", "arn:aws:rds:us-east-1:123456789012:db:orders")
	a, _ := wire(t, g.ServeHTTP)
	ctx := testCtx(t)
	_, err := a.RDSPromoteReadReplica(ctx, request(t, map[string]any{"region": "us-west-2", "db_instance_identifier": "orders-drill"}))
	require.NoError(t, err)
	with := map[string]any{"region": "us-west-2", "db_instance_identifier": "orders-drill", "skip_final_snapshot": true, "force": true, "wait": true}
	res, err := a.RDSDeleteInstance(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, true, res["deleted"])
	assert.Contains(t, g.Calls(), "us-west-2 DeleteDBInstance DBInstanceIdentifier=orders-drill DeleteAutomatedBackups=true SkipFinalSnapshot=true")
	res, err = a.RDSDeleteInstance(ctx, request(t, with))
	require.NoError(t, err, "a deleted instance is not an error")
	assert.Equal(t, false, res["deleted"])
}
