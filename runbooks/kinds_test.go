package runbooks

import (
	"strings"
	"time"
)

// testKinds describes the AWS step kinds the library uses, loosely (every input and
// output is TypeAny), so that the library can be validated here.
//
// TODO: activities/aws has landed and library_aws_test.go validates the library against
// its real kinds; these stubs remain for the in-package tests (the package cannot import
// activities/aws, which imports it) and can go once nothing in package runbooks needs
// AWS kind names.
func testKinds() []Kind {
	stub := func(name string, sideEffects, rollbackable bool, inputs, outputs, iam []string) Kind {
		k := Kind{
			Name: name, Description: "test stub of " + name, Executor: ByActivity,
			SideEffects: sideEffects, Rollbackable: rollbackable, IAMActions: iam,
			DefaultEstimate: Duration(30 * time.Second),
		}
		for _, in := range append([]string{"region", "role_arn"}, inputs...) {
			k.Inputs = append(k.Inputs, Field{Name: in, Type: TypeAny})
		}
		for _, out := range outputs {
			k.Outputs = append(k.Outputs, Field{Name: out, Type: TypeAny})
		}
		switch { // as activities/aws derives them from the IAM actions
		case strings.HasPrefix(name, "aws.route53."):
			k.Plane, k.Home = PlaneControl, "us-east-1"
		case strings.HasPrefix(name, "aws.arc."):
			k.Plane, k.Home = PlaneData, HomeAnyRegion
		case strings.HasPrefix(name, "aws.s3.") && name != "aws.s3.verify_replication",
			name == "aws.dynamodb.get_marker", name == "aws.dynamodb.put_marker":
			k.Plane = PlaneData
		case strings.HasPrefix(name, "aws."):
			k.Plane = PlaneControl
		}
		return k
	}
	l := func(s ...string) []string { return s }
	return []Kind{
		stub("aws.route53.upsert_record", true, true,
			l("hosted_zone_id", "name", "type", "ttl", "values", "set_identifier", "weight", "failover", "alias_target", "health_check_id"),
			l("change_id", "previous_existed", "previous", "previous_values", "previous_alias_target", "previous_ttl"), l("route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets")),
		stub("aws.route53.restore_record", true, false, l("hosted_zone_id", "name", "type", "set_identifier", "previous_existed", "previous"),
			l("change_id", "action"), l("route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets")),
		stub("aws.route53.wait_insync", false, false, l("change_id"), l("status"), l("route53:GetChange")),
		stub("aws.route53.delete_record", true, true, l("hosted_zone_id", "name", "type", "set_identifier"),
			l("change_id", "deleted", "previous_existed", "previous"), l("route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets")),
		stub("aws.rds.promote_read_replica", true, false, l("db_instance_identifier", "backup_retention_period"),
			l("arn", "endpoint"), l("rds:PromoteReadReplica", "rds:DescribeDBInstances")),
		stub("aws.rds.wait_instance", false, false, l("db_instance_identifier", "status"),
			l("status", "endpoint"), l("rds:DescribeDBInstances")),
		stub("aws.rds.replica_lag", false, false, l("db_cluster_identifier", "metric", "max_lag_seconds"),
			l("lag_seconds"), l("cloudwatch:GetMetricData")),
		stub("aws.rds.failover_global_cluster", true, true,
			l("global_cluster_identifier", "target_db_cluster_identifier", "allow_data_loss"),
			l("previous_primary", "new_primary"), l("rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster", "rds:DescribeGlobalClusters")),
		stub("aws.autoscaling.set_capacity", true, true, l("group", "desired", "min", "max"),
			l("previous_desired", "previous_min", "previous_max"), l("autoscaling:UpdateAutoScalingGroup", "autoscaling:DescribeAutoScalingGroups")),
		stub("aws.autoscaling.wait_healthy", false, false, l("group", "min_healthy"),
			l("healthy"), l("autoscaling:DescribeAutoScalingGroups")),
		stub("aws.ecs.set_desired_count", true, true, l("cluster", "service", "desired_count", "wait"),
			l("previous_desired_count"), l("ecs:UpdateService", "ecs:DescribeServices")),
		stub("aws.appautoscaling.set_scalable_target", true, true,
			l("service_namespace", "resource_id", "scalable_dimension", "min", "max", "only_raise", "suspend_scale_in", "suspend_scale_out", "suspend_scheduled"),
			l("min", "max", "previous_min", "previous_max"), l("application-autoscaling:DescribeScalableTargets", "application-autoscaling:RegisterScalableTarget")),
		stub("aws.ecs.wait_stable", false, false, l("cluster", "service"), l("running_count"), l("ecs:DescribeServices")),
		stub("aws.s3.verify_replication", false, false, l("bucket", "prefix", "sample", "max_pending"),
			l("replicated", "pending", "failed", "destination_bucket"), l("s3:GetReplicationConfiguration", "s3:ListBucket", "s3:GetObject")),
		stub("aws.s3.put_marker", true, false, l("bucket", "key"), l("key", "written_at"), l("s3:PutObject")),
		stub("aws.s3.get_marker", false, false, l("bucket", "key", "wait"), l("found", "written_at", "lag_seconds"), l("s3:GetObject")),
		stub("aws.dynamodb.replica_status", false, false, l("table", "expect_regions"), l("status", "replicas"), l("dynamodb:DescribeTable")),
		stub("aws.rds.switchover_global_cluster", true, true, l("global_cluster_identifier", "target_db_cluster_identifier"),
			l("previous_primary", "new_primary"), l("rds:SwitchoverGlobalCluster", "rds:DescribeGlobalClusters")),
		stub("aws.rds.wait_cluster", false, false, l("db_cluster_identifier", "status", "writer_db_instance_identifier", "require_writer"),
			l("status", "writer", "endpoint"), l("rds:DescribeDBClusters")),
		stub("aws.dynamodb.put_marker", true, false, l("table", "key", "expire_after", "ttl_attribute"), l("key", "written_at"), l("dynamodb:PutItem")),
		stub("aws.dynamodb.get_marker", false, false, l("table", "key", "wait"), l("found", "written_at", "lag_seconds"), l("dynamodb:GetItem")),
		stub("aws.backup.start_restore", true, false, l("recovery_point_arn", "iam_role_arn", "resource_type", "metadata"),
			l("restore_job_id"), l("backup:StartRestoreJob", "iam:PassRole")),
		stub("aws.backup.wait_restore", false, false, l("restore_job_id"), l("status", "created_resource_arn"), l("backup:DescribeRestoreJob")),
		stub("aws.cloudwatch.alarm_state", false, false, l("alarm_name", "expect"), l("state"), l("cloudwatch:DescribeAlarms")),
		stub("aws.elbv2.wait_healthy_targets", false, false, l("target_group_arn", "count"), l("healthy"), l("elasticloadbalancing:DescribeTargetHealth")),
		stub("aws.rds.restore_instance_from_snapshot", true, false,
			l("db_instance_identifier", "db_snapshot_identifier", "source_db_instance_identifier", "snapshot_before",
				"db_subnet_group_name", "vpc_security_group_ids", "multi_az", "db_parameter_group_name", "option_group_name",
				"publicly_accessible", "deletion_protection"),
			l("db_instance_identifier", "endpoint"), l("rds:RestoreDBInstanceFromDBSnapshot", "rds:DescribeDBSnapshots")),
		stub("aws.arc.get_routing_control", false, false, l("routing_control_arn", "cluster_endpoints", "endpoint_timeout"),
			l("state", "name"), l("route53-recovery-cluster:GetRoutingControlState")),
		stub("aws.arc.set_routing_controls", true, true, l("cluster_endpoints", "states", "safety_rules_to_override", "endpoint_timeout"),
			l("previous_states", "changed"), l("route53-recovery-cluster:GetRoutingControlState", "route53-recovery-cluster:UpdateRoutingControlStates")),
		stub("aws.rds.delete_instance", true, false, l("db_instance_identifier", "skip_final_snapshot", "force"), l("deleted"), l("rds:DeleteDBInstance", "rds:DescribeDBInstances")),
	}
}
