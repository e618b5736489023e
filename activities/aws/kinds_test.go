package aws

import (
	"context"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/runbooks"
)

// The kind names the runbook library and the brief refer to.
var wantKinds = []string{
	"aws.route53.upsert_record", "aws.route53.delete_record", "aws.route53.restore_record", "aws.route53.wait_insync", "aws.route53.health_check_status",
	"aws.arc.get_routing_control", "aws.arc.set_routing_control", "aws.arc.set_routing_controls",
	"aws.rds.promote_read_replica", "aws.rds.failover_global_cluster", "aws.rds.switchover_global_cluster",
	"aws.rds.detach_from_global_cluster", "aws.rds.failover_cluster", "aws.rds.restore_instance_from_snapshot", "aws.rds.restore_instance_to_point_in_time", "aws.rds.restore_cluster_to_point_in_time", "aws.rds.restore_cluster_from_snapshot",
	"aws.rds.delete_instance", "aws.rds.wait_instance", "aws.rds.wait_cluster", "aws.rds.replica_lag",
	"aws.autoscaling.set_capacity", "aws.autoscaling.wait_healthy",
	"aws.ecs.set_desired_count", "aws.appautoscaling.set_scalable_target", "aws.ecs.wait_stable", "aws.eks.scale_nodegroup",
	"aws.ec2.start_instances", "aws.ec2.stop_instances",
	"aws.elbv2.target_health", "aws.elbv2.wait_healthy_targets",
	"aws.s3.verify_replication", "aws.s3.put_marker", "aws.s3.get_marker",
	"aws.dynamodb.replica_status", "aws.dynamodb.put_marker", "aws.dynamodb.get_marker", "aws.dynamodb.restore_table_to_point_in_time",
	"aws.lambda.invoke", "aws.secretsmanager.promote_replica", "aws.elasticache.failover_global_datastore", "aws.docdb.failover_global_cluster", "aws.docdb.switchover_global_cluster", "aws.ssm.start_automation", "aws.ssm.get_parameter",
	"aws.cloudwatch.alarm_state", "aws.cloudwatch.alarms_ok",
	"aws.backup.start_restore", "aws.backup.wait_restore", "aws.drs.start_recovery", "aws.drs.wait_job",
}

func TestActionsListEveryKind(t *testing.T) {
	acts := New(Config{}).Actions()
	var names []string
	for _, a := range acts {
		names = append(names, a.Kind.Name)
		require.NotNil(t, a.Fn, a.Kind.Name)
	}
	want := append([]string{}, wantKinds...)
	sort.Strings(want)
	sort.Strings(names)
	assert.Equal(t, want, names)

	kinds := make([]runbooks.Kind, len(acts))
	for i, a := range acts {
		kinds[i] = a.Kind
	}
	_, err := runbooks.NewRegistry(kinds...)
	require.NoError(t, err, "the kinds register without clashes")
}

// The validator checks runbooks against the declared inputs, and Decode rejects unknown
// fields: the two must name exactly the same inputs.
func TestKindInputsMatchTheirStructs(t *testing.T) {
	iam := regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9*]+$`)
	for _, e := range New(Config{}).entries() {
		t.Run(e.kind.Name, func(t *testing.T) {
			declared := map[string]runbooks.Field{}
			for _, f := range e.kind.Inputs {
				_, dup := declared[f.Name]
				require.False(t, dup, "input %q declared twice", f.Name)
				declared[f.Name] = f
			}
			tags := jsonFields(e.inType)
			var undeclared, missing []string
			for name := range tags {
				if _, ok := declared[name]; !ok {
					undeclared = append(undeclared, name)
				}
			}
			for name := range declared {
				if _, ok := tags[name]; !ok {
					missing = append(missing, name)
				}
			}
			assert.Empty(t, undeclared, "struct fields the kind does not declare")
			assert.Empty(t, missing, "declared inputs the struct does not decode")

			assert.Equal(t, runbooks.ByActivity, e.kind.Executor)
			assert.NotEmpty(t, e.kind.Description)
			assert.NotEmpty(t, e.kind.Outputs)
			assert.NotZero(t, e.kind.DefaultEstimate)
			require.NotEmpty(t, e.kind.IAMActions)
			for _, a := range e.kind.IAMActions {
				assert.Regexp(t, iam, a)
			}
			if e.kind.Rollbackable {
				assert.True(t, e.kind.SideEffects, "only kinds that change the world roll back")
			}
			// required inputs missing: a validation error naming each one, before any call
			var req []string
			for _, f := range e.kind.Inputs {
				if f.Required {
					req = append(req, f.Name)
				}
			}
			if len(req) > 0 {
				_, err := e.fn(t.Context(), activities.Request{With: map[string]any{}})
				requireErrorType(t, err, activities.ErrValidation, req...)
			}
		})
	}
}

// jsonFields are the JSON names a struct decodes, through embedded structs.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k := range jsonFields(f.Type) {
				out[k] = true
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

func TestDecodeAppliesDefaultsAndChecksAllowedValues(t *testing.T) {
	in, err := route53UpsertRecordSpec.decode(map[string]any{
		"hosted_zone_id": "Z1", "name": "a.example.com", "type": "A", "values": []any{"10.0.0.1"},
	})
	require.NoError(t, err)
	assert.Equal(t, int64(60), in.TTL)
	assert.True(t, in.Wait)

	_, err = route53UpsertRecordSpec.decode(map[string]any{
		"hosted_zone_id": "Z1", "name": "a.example.com", "type": "A", "failover": "TERTIARY",
	})
	requireErrorType(t, err, activities.ErrValidation, "failover", "PRIMARY, SECONDARY")

	_, err = route53UpsertRecordSpec.decode(map[string]any{
		"hosted_zone_id": "Z1", "name": "a.example.com", "type": "A", "colour": "blue",
	})
	requireErrorType(t, err, activities.ErrValidation, "colour")
}

func TestRequestTokensAreStablePerStep(t *testing.T) {
	a := activities.Request{RunID: "r1", StepID: "s1"}
	b := activities.Request{RunID: "r1", StepID: "s2"}
	assert.Equal(t, requestToken(a, "x"), requestToken(a, "x"), "a retry sends the same token")
	assert.NotEqual(t, requestToken(a, "x"), requestToken(b, "x"))
	assert.NotEqual(t, requestToken(a, "x"), requestToken(a, "y"))
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, requestUUID(a, "x"))
}

func TestJitterStaysWithinTwentyPercent(t *testing.T) {
	for range 1000 {
		d := jitter(1000)
		require.GreaterOrEqual(t, int64(d), int64(800))
		require.LessOrEqual(t, int64(d), int64(1200))
	}
}

// TestInputRulesRefuseBeforeAnyCall: a rule a kind's declaration cannot say (give one of
// several inputs, a list not empty, a count not negative) refuses the step as a
// validation error naming the kind and the rule, before the step calls AWS.
func TestInputRulesRefuseBeforeAnyCall(t *testing.T) {
	var got awstest.CallLog
	a, srv := wire(t, func(w http.ResponseWriter, r *http.Request) {
		got.Add(r.Method + " " + r.URL.Path)
		jsonError(w, 500, "InternalFailure", "no call was expected")
	})
	endpoints := []any{map[string]any{"endpoint": srv.URL, "region": "us-west-2"}}
	for _, tc := range []struct {
		kind  string
		with  map[string]any
		words []string
	}{
		{"aws.ec2.start_instances", map[string]any{"instance_ids": []any{}}, []string{"instance_ids is empty"}},
		{"aws.ec2.stop_instances", map[string]any{"instance_ids": []any{}}, []string{"instance_ids is empty"}},
		{"aws.autoscaling.set_capacity", map[string]any{"group": "web"}, []string{"give desired, min or max"}},
		{"aws.eks.scale_nodegroup", map[string]any{"cluster": "c", "nodegroup": "ng"}, []string{"give desired, min or max"}},
		{"aws.ecs.set_desired_count", map[string]any{"cluster": "c", "service": "s", "desired_count": -1}, []string{"desired_count -1 is negative"}},
		{"aws.appautoscaling.set_scalable_target", map[string]any{"resource_id": "service/c/s"}, []string{"give min, max or a suspend_* input"}},
		{"aws.cloudwatch.alarms_ok", map[string]any{}, []string{"give alarm_names or alarm_name_prefix"}},
		{"aws.rds.replica_lag", map[string]any{}, []string{"give exactly one of db_instance_identifier and db_cluster_identifier"}},
		{"aws.rds.replica_lag", map[string]any{"db_instance_identifier": "r", "db_cluster_identifier": "c"}, []string{"give exactly one"}},
		{"aws.drs.start_recovery", map[string]any{"source_server_ids": []any{}, "is_drill": true}, []string{"source_server_ids is empty"}},
		{"aws.route53.restore_record", map[string]any{"hosted_zone_id": "Z1", "name": "a.example.com", "type": "A", "previous_existed": true},
			[]string{"a.example.com", "previous is not given"}},
		{"aws.arc.set_routing_controls", map[string]any{"cluster_endpoints": endpoints, "states": []any{}}, []string{"states is empty"}},
		{"aws.arc.set_routing_controls", map[string]any{"cluster_endpoints": endpoints,
			"states": []any{map[string]any{"routing_control_arn": cellEast, "state": "on"}}}, []string{"states[0]", "On or Off"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			var fn func(context.Context, activities.Request) (activities.Result, error)
			for _, e := range a.entries() {
				if e.kind.Name == tc.kind {
					fn = e.fn
				}
			}
			require.NotNil(t, fn, "kind %s", tc.kind)
			_, err := fn(testCtx(t), request(t, tc.with))
			requireErrorType(t, err, activities.ErrValidation, append([]string{tc.kind}, tc.words...)...)
			assert.Empty(t, got.Ops(), "no call to AWS")
		})
	}
}
