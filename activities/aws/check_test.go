package aws

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

func TestEveryAWSKindHasAReadinessCheck(t *testing.T) {
	a := New(Config{})
	checks := a.Checkers()
	for _, e := range a.entries() {
		assert.Contains(t, checks, e.kind.Name, "kind %s has no readiness check", e.kind.Name)
	}
	kinds := map[string]bool{}
	for _, e := range a.entries() {
		kinds[e.kind.Name] = true
	}
	for name := range checks {
		assert.True(t, kinds[name], "a check for %s, a kind that does not exist", name)
	}
}

// checkEnv is moto behind the fakes of what moto lacks: Service Quotas and IAM's policy
// simulator.
type checkEnv struct {
	a      *Actions
	quotas *awstest.Quotas
	sim    *awstest.Simulator
	reg    *runbooks.Registry
}

func newCheckEnv(t *testing.T) *checkEnv {
	quotas := awstest.NewQuotas(map[string]float64{})
	sim := awstest.NewSimulator(map[string][]string{})
	ep := awstest.Split(t, motoEndpoint(t), map[string]http.Handler{"servicequotas": quotas, "iam": sim})
	a := New(Config{Region: awstest.Region, Endpoint: ep})
	var kinds []runbooks.Kind
	for _, e := range a.entries() {
		kinds = append(kinds, e.kind)
	}
	reg, err := runbooks.DefaultRegistry(kinds...)
	require.NoError(t, err)
	return &checkEnv{a: a, quotas: quotas, sim: sim, reg: reg}
}

// check runs the target checks (and permissions, when perms) of a one-step runbook.
func (e *checkEnv) check(t *testing.T, uses string, with string, perms bool) []readiness.Finding {
	t.Helper()
	src := fmt.Sprintf("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: check}\nobjectives: {rpo: 1h}\nsteps:\n  - id: step\n    uses: %s\n    with: %s\n", uses, with)
	rb, diags := runbooks.Parse("check.yaml", []byte(src), e.reg)
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	o := readiness.Options{Kinds: e.a.Checkers()}
	if perms {
		o.Kinds = map[string]readiness.Checker{uses: func(context.Context, readiness.Target) []readiness.Finding { return nil }}
		o.Every = []readiness.Checker{e.a.Permissions()}
	}
	rep, err := readiness.Check(testCtx(t), rb, e.reg, o)
	require.NoError(t, err)
	return rep.Findings
}

// only returns the findings of one check, as "result: reason".
func only(fs []readiness.Finding, check string) []string {
	var out []string
	for _, f := range fs {
		if f.Check == check {
			out = append(out, string(f.Result)+": "+f.Reason)
		}
	}
	return out
}

func TestCheckECSServiceAndFargateQuota(t *testing.T) {
	e := newCheckEnv(t)
	c := ecs.NewFromConfig(sdkConfig(t, awstest.Region))
	ctx := testCtx(t)
	cluster := unique(t, "cl")
	_, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String(cluster)})
	require.NoError(t, err)
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: awssdk.String(cluster), Cpu: awssdk.String("512"), Memory: awssdk.String("1024"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, NetworkMode: ecstypes.NetworkModeAwsvpc,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: awssdk.String("api"), Image: awssdk.String("api:1")}},
	})
	require.NoError(t, err)
	_, err = c.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: awssdk.String(cluster), ServiceName: awssdk.String("api"), LaunchType: ecstypes.LaunchTypeFargate,
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: awssdk.Int32(1),
	})
	require.NoError(t, err)

	e.quotas.Set("fargate/L-3032A538", 10)
	fs := e.check(t, "aws.ecs.set_desired_count", fmt.Sprintf("{cluster: %s, service: api, desired_count: 8}", cluster), false)
	require.Len(t, only(fs, "target"), 1)
	assert.Contains(t, only(fs, "target")[0], fmt.Sprintf(`ready: ECS service "api" in cluster %q is ACTIVE: `, cluster))
	assert.Equal(t, []string{`ready: ECS service "api" at 8 tasks of 0.5 vCPU needs 4 vCPUs of the quota "Fargate On-Demand vCPU resource count" in us-east-1 (10; other workloads count too)`},
		only(fs, "capacity"))

	e.quotas.Set("fargate/L-3032A538", 3)
	fs = e.check(t, "aws.ecs.set_desired_count", fmt.Sprintf("{cluster: %s, service: api, desired_count: 8}", cluster), false)
	assert.Equal(t, readiness.NotReady, readiness.Worst(fs))
	assert.Contains(t, only(fs, "capacity")[0], `needs 4 vCPUs but the quota "Fargate On-Demand vCPU resource count" in us-east-1 is 3: request an increase`)

	fs = e.check(t, "aws.ecs.set_desired_count", fmt.Sprintf("{cluster: %s, service: nope, desired_count: 8}", cluster), false)
	assert.Equal(t, readiness.NotReady, readiness.Worst(fs))
	assert.Contains(t, only(fs, "target")[0], `ECS service "nope" not found in cluster`)

	fs = e.check(t, "aws.ecs.wait_stable", "{cluster: no-such-cluster, service: api}", false)
	assert.Equal(t, []string{`not ready: ECS cluster "no-such-cluster" not found`}, only(fs, "target"))
}

func TestCheckAutoScalingGroupMaxAndEC2Quota(t *testing.T) {
	e := newCheckEnv(t)
	cfg := sdkConfig(t, awstest.Region)
	ec, as := ec2.NewFromConfig(cfg), autoscaling.NewFromConfig(cfg)
	ctx := testCtx(t)
	name := unique(t, "asg")
	lt, err := ec.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: awssdk.String(name),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: awssdk.String(anyImage(t, ec)), InstanceType: ec2types.InstanceTypeT3Micro},
	})
	require.NoError(t, err)
	_, err = as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: awssdk.String(name), MinSize: awssdk.Int32(0), MaxSize: awssdk.Int32(2), DesiredCapacity: awssdk.Int32(0),
		AvailabilityZones: []string{"us-east-1a"},
		LaunchTemplate:    &astypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId},
	})
	require.NoError(t, err)
	e.quotas.Set("ec2/L-1216C47A", 32)

	fs := e.check(t, "aws.autoscaling.set_capacity", fmt.Sprintf("{group: %s, desired: 4}", name), false)
	assert.Contains(t, only(fs, "target"), fmt.Sprintf(`not ready: desired 4 is more than the max size 2 of Auto Scaling group %q: AWS would refuse it; raise the max (the step's max input)`, name))
	assert.Contains(t, only(fs, "target")[1], "version 1 exists (t3.micro)")

	fs = e.check(t, "aws.autoscaling.set_capacity", fmt.Sprintf("{group: %s, desired: 4, max: 4}", name), false)
	assert.Equal(t, readiness.Ready, readiness.Worst(fs), "%v", fs)
	assert.Contains(t, only(fs, "capacity")[0], `at 4 × t3.micro needs 8 vCPUs of the quota "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" in us-east-1 (32`)

	e.quotas.Set("ec2/L-1216C47A", 5)
	fs = e.check(t, "aws.autoscaling.set_capacity", fmt.Sprintf("{group: %s, desired: 4, max: 4}", name), false)
	assert.Contains(t, only(fs, "capacity")[0], "not ready: ")
	assert.Contains(t, only(fs, "capacity")[0], "needs 8 vCPUs but the quota")

	_, err = ec.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId})
	require.NoError(t, err)
	fs = e.check(t, "aws.autoscaling.set_capacity", fmt.Sprintf("{group: %s, desired: 1}", name), false)
	assert.Equal(t, readiness.NotReady, readiness.Worst(fs), "%v", fs)
	assert.Contains(t, strings.Join(only(fs, "target"), "\n"), *lt.LaunchTemplate.LaunchTemplateId)

	fs = e.check(t, "aws.autoscaling.set_capacity", "{group: no-such-group, desired: 1}", false)
	assert.Equal(t, []string{`not ready: Auto Scaling group "no-such-group" not found`}, only(fs, "target"))
}

func TestCheckRoute53ZoneAndRecord(t *testing.T) {
	e := newCheckEnv(t)
	c := route53.NewFromConfig(sdkConfig(t, awstest.Region))
	domain := unique(t, "z") + ".example.com"
	zone := createZone(t, c, domain)
	_, err := c.ChangeResourceRecordSets(testCtx(t), &route53.ChangeResourceRecordSetsInput{HostedZoneId: awssdk.String(zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: awssdk.String("api." + domain), Type: r53types.RRTypeCname, TTL: awssdk.Int64(30),
			ResourceRecords: []r53types.ResourceRecord{{Value: awssdk.String("primary.example.net")}}}}}}})
	require.NoError(t, err)

	up := func(name string) string {
		return fmt.Sprintf(`{hosted_zone_id: %s, name: %s, type: CNAME, ttl: 30, values: [dr.example.net]}`, zone, name)
	}
	assert.Equal(t, []string{fmt.Sprintf(`ready: CNAME record "api.%s" exists in hosted zone %q`, domain, zone)},
		only(e.check(t, "aws.route53.upsert_record", up("api."+domain), false), "target"))
	assert.Equal(t, []string{fmt.Sprintf(`warning: hosted zone %q exists but has no CNAME record "www.%s": the step would create it`, zone, domain)},
		only(e.check(t, "aws.route53.upsert_record", up("www."+domain), false), "target"))
	fs := e.check(t, "aws.route53.upsert_record", `{hosted_zone_id: ZNOSUCHZONE1234, name: api.example.com, type: CNAME, ttl: 30, values: [x.example.net]}`, false)
	assert.Equal(t, readiness.NotReady, readiness.Worst(fs))
	assert.Contains(t, only(fs, "target")[0], `hosted zone "ZNOSUCHZONE1234"`)
}

func TestCheckRDSReplicaAndSnapshotAge(t *testing.T) {
	e := newCheckEnv(t)
	c := rds.NewFromConfig(sdkConfig(t, awstest.Region))
	ctx := testCtx(t)
	primary := unique(t, "pri")
	createInstance(t, c, primary)
	_, err := c.CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{
		DBInstanceIdentifier: awssdk.String(primary + "-r"), SourceDBInstanceIdentifier: awssdk.String(primary)})
	require.NoError(t, err)

	assert.Equal(t, []string{fmt.Sprintf(`ready: DB instance "%s-r" is an available read replica of %q`, primary, primary)},
		only(e.check(t, "aws.rds.promote_read_replica", fmt.Sprintf("{db_instance_identifier: %s-r}", primary), false), "target"))
	assert.Equal(t, []string{fmt.Sprintf(`not ready: DB instance %q is not a read replica (already promoted?): there is nothing to promote`, primary)},
		only(e.check(t, "aws.rds.promote_read_replica", fmt.Sprintf("{db_instance_identifier: %s}", primary), false), "target"))
	assert.Equal(t, []string{`not ready: DB instance "gone" not found`},
		only(e.check(t, "aws.rds.promote_read_replica", "{db_instance_identifier: gone}", false), "target"))

	named := fmt.Sprintf("{db_snapshot_identifier: %s-s}", primary)
	fs := only(e.check(t, "aws.rds.restore_instance_from_snapshot", named, false), "target")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], fmt.Sprintf(`not ready: describe DB snapshot "%s-s": `, primary))
	assert.Contains(t, fs[0], "not found")
	_, err = c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: awssdk.String(primary), DBSnapshotIdentifier: awssdk.String(primary + "-s")})
	require.NoError(t, err)
	fs = only(e.check(t, "aws.rds.restore_instance_from_snapshot", named, false), "target")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], fmt.Sprintf(`ready: DB snapshot "%s-s" is `, primary))
	assert.Contains(t, fs[0], "old, within the RPO 1h0m0s")
	pitr := only(e.check(t, "aws.rds.restore_instance_to_point_in_time", fmt.Sprintf("{source_db_instance_identifier: %s, use_latest_restorable_time: true, allow_default_network: true}", primary), false), "target")
	require.Len(t, pitr, 1)
	assert.NotContains(t, pitr[0], "not ready", "moto keeps automated backups of a new instance")
	pitr = only(e.check(t, "aws.rds.restore_instance_to_point_in_time", "{source_db_instance_identifier: gone, use_latest_restorable_time: true, allow_default_network: true}", false), "target")
	assert.Equal(t, []string{`not ready: DB instance "gone" not found`}, pitr)
	// the newest of the instance's snapshots (moto also takes an automated one)
	fs = only(e.check(t, "aws.rds.restore_instance_from_snapshot", fmt.Sprintf("{source_db_instance_identifier: %s}", primary), false), "target")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], "old, within the RPO 1h0m0s")
}

func TestCheckPermissionsSimulatesTheStepsRole(t *testing.T) {
	e := newCheckEnv(t)
	role := "arn:aws:iam::123456789012:role/bcdr-recovery"
	step := fmt.Sprintf("{cluster: api-dr, service: api, desired_count: 4, region: us-west-2, role_arn: %q}", role)
	svc := "arn:aws:ecs:us-west-2:123456789012:service/api-dr/api"

	e.sim.Grant(role, "ecs:DescribeServices "+svc)
	fs := e.check(t, "aws.ecs.set_desired_count", step, true)
	assert.Equal(t, []string{fmt.Sprintf("not ready: %s may not call ecs:UpdateService on %s (implicitDeny): grant it (bcdr iam-policy prints the policy)", role, svc)},
		only(fs, "permissions"))

	e.sim.Grant(role, "ecs:* arn:aws:ecs:us-west-2:123456789012:service/*")
	fs = e.check(t, "aws.ecs.set_desired_count", step, true)
	assert.Equal(t, []string{fmt.Sprintf("ready: %s may call ecs:DescribeServices, ecs:UpdateService", role)}, only(fs, "permissions"))

	// a role in another region's resources is denied: the ARN names the step's region
	e.sim.Grant(role, "ecs:* arn:aws:ecs:us-east-1:123456789012:service/*")
	fs = e.check(t, "aws.ecs.set_desired_count", step, true)
	assert.Len(t, only(fs, "permissions"), 2)

	fs = e.check(t, "aws.ecs.set_desired_count", strings.Replace(step, "bcdr-recovery", "no-such-role", 1), true)
	assert.Equal(t, readiness.NotReady, readiness.Worst(fs), "%v", fs)
	assert.Contains(t, only(fs, "permissions")[0], "no-such-role cannot be found")
}

func TestCheckThatCannotReadIsCannotCheck(t *testing.T) {
	denied := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(403)
		fmt.Fprint(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: iam:SimulatePrincipalPolicy</Message></Error><RequestId>x</RequestId></ErrorResponse>`)
	})
	ep := awstest.Split(t, motoEndpoint(t), map[string]http.Handler{"iam": denied, "autoscaling": denied})
	a := New(Config{Region: awstest.Region, Endpoint: ep})
	e := &checkEnv{a: a, reg: newCheckEnv(t).reg}

	fs := e.check(t, "aws.autoscaling.set_capacity", "{group: web, desired: 1, role_arn: 'arn:aws:iam::123456789012:role/r'}", true)
	require.Len(t, only(fs, "permissions"), 1)
	assert.Contains(t, only(fs, "permissions")[0], "cannot check: access denied to the check's read")
	fs = e.check(t, "aws.autoscaling.set_capacity", "{group: web, desired: 1}", false)
	assert.Equal(t, readiness.CannotCheck, readiness.Worst(fs), "%v", fs)
	assert.False(t, readiness.Worst(fs).Passes())
}

func TestRestorePointOlderThanTheRPOIsNotReady(t *testing.T) {
	rb := &runbooks.Runbook{Objectives: runbooks.Objectives{RPO: runbooks.Duration(time.Hour)}}
	f := fresh(readiness.Target{Runbook: rb}, `DB snapshot "s"`, time.Now().Add(-3*time.Hour))
	assert.Equal(t, readiness.NotReady, f.Result)
	assert.Equal(t, `DB snapshot "s" is 3h0m0s old, older than the runbook's RPO 1h0m0s: restoring it would lose more data than allowed`, f.Reason)
	f = fresh(readiness.Target{Runbook: rb}, `DB snapshot "s"`, time.Now().Add(-10*time.Minute))
	assert.Equal(t, readiness.Ready, f.Result)
}

// TestCheckRoutingControlsOnTheWire: a routing control that exists is ready and
// nothing is updated; one the cluster does not know is not ready; a cluster whose every
// endpoint is down is not ready. ARC's data plane (awstest.ARCCluster) speaks
// awsJson1_0 (ToggleCustomerAPI): GetRoutingControlState answers {RoutingControlArn,
// RoutingControlState, RoutingControlName}, ResourceNotFoundException for an unknown ARN
// (https://docs.aws.amazon.com/routing-control/latest/APIReference/API_GetRoutingControlState.html).
func TestCheckRoutingControlsOnTheWire(t *testing.T) {
	const arn = "arn:aws:route53-recovery-control::123456789012:controlpanel/abc/routingcontrol/us-west-2-cell"
	cluster := awstest.NewARCCluster(map[string]string{arn: "Off"})
	a, srv := wire(t, cluster.ServeHTTP)
	down := downEndpoint(t)
	var kinds []runbooks.Kind
	for _, e := range a.entries() {
		kinds = append(kinds, e.kind)
	}
	reg, err := runbooks.DefaultRegistry(kinds...)
	require.NoError(t, err)
	e := &checkEnv{a: a, reg: reg}
	eps := fmt.Sprintf("[{endpoint: %q, region: us-west-2}]", srv.URL)

	fs := e.check(t, "aws.arc.set_routing_control", fmt.Sprintf("{routing_control_arn: %q, cluster_endpoints: %s, state: 'On'}", arn, eps), false)
	assert.Equal(t, []string{fmt.Sprintf(`ready: routing control %q (us-west-2-cell) is Off; the step sets it On`, arn)}, only(fs, "target"))
	fs = e.check(t, "aws.arc.set_routing_controls", fmt.Sprintf("{states: [{routing_control_arn: %q, state: 'On'}, {routing_control_arn: %q, state: 'Off'}], cluster_endpoints: %s}", arn, arn+"x", eps), false)
	require.Len(t, only(fs, "target"), 2)
	assert.Contains(t, only(fs, "target")[1], "not ready: ")
	assert.Contains(t, only(fs, "target")[1], arn+"x")
	assert.Zero(t, cluster.Calls("UpdateRoutingControlState")+cluster.Calls("UpdateRoutingControlStates"), "a check never updates")

	fs = e.check(t, "aws.arc.set_routing_control", fmt.Sprintf("{routing_control_arn: %q, cluster_endpoints: [{endpoint: %q, region: us-west-2}], state: 'On'}", arn, down.URL), false)
	assert.Equal(t, readiness.NotReady, readiness.Worst(fs), "%v", fs)
	assert.Contains(t, only(fs, "target")[0], "no cluster endpoint answered")
}

// TestPermissionsOfTheWorkersOwnRole: a step without a role is simulated as the role
// behind the worker's assumed-role session (sts:GetCallerIdentity,
// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
func TestPermissionsOfTheWorkersOwnRole(t *testing.T) {
	sim := awstest.NewSimulator(map[string][]string{"arn:aws:iam::111122223333:role/bcdr-worker": {"ecs:* *"}})
	var stsCalls int
	identity := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stsCalls++
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:sts::111122223333:assumed-role/bcdr-worker/i-0abc</Arn><UserId>AROAEXAMPLE:i-0abc</UserId>`+
			`<Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	})
	ep := awstest.Split(t, motoEndpoint(t), map[string]http.Handler{"iam": sim, "sts": identity})
	e := &checkEnv{a: New(Config{Region: awstest.Region, Endpoint: ep}), reg: newCheckEnv(t).reg}
	fs := e.check(t, "aws.ecs.set_desired_count", "{cluster: c, service: s, desired_count: 1}", true)
	assert.Equal(t, []string{"ready: arn:aws:iam::111122223333:role/bcdr-worker may call ecs:DescribeServices, ecs:UpdateService"}, only(fs, "permissions"))
	assert.Equal(t, 1, stsCalls)
	assert.Equal(t, 2, sim.Calls(), "one simulation per action")
}

func TestCheckDynamoDBPointInTimeRestore(t *testing.T) {
	e := newCheckEnv(t)
	c := dynamodb.NewFromConfig(sdkConfig(t, awstest.Region))
	ctx := testCtx(t)
	table := unique(t, "tbl")
	_, err := c.CreateTable(ctx, awstest.KeyTable(table))
	require.NoError(t, err)
	step := fmt.Sprintf("{source_table: %s, target_table: %s-restored, use_latest_restorable_time: true}", table, table)
	assert.Equal(t, []string{fmt.Sprintf(`not ready: DynamoDB table %q does not have point-in-time recovery enabled: there is no point in time to restore`, table)},
		only(e.check(t, "aws.dynamodb.restore_table_to_point_in_time", step, false), "target"))

	_, err = c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: awssdk.String(table),
		PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: awssdk.Bool(true)}})
	require.NoError(t, err)
	fs := only(e.check(t, "aws.dynamodb.restore_table_to_point_in_time", step, false), "target")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], fmt.Sprintf(`ready: the latest restorable time of DynamoDB table %q is `, table))
	assert.Contains(t, fs[0], "within the RPO 1h0m0s")

	fs = only(e.check(t, "aws.dynamodb.restore_table_to_point_in_time", "{source_table: no-such-table, target_table: x, use_latest_restorable_time: true}", false), "target")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], "not ready: ")
	assert.Contains(t, fs[0], "no-such-table")
}

func TestCheckAuroraClusterSnapshotRestore(t *testing.T) {
	e := newCheckEnv(t)
	c := rds.NewFromConfig(sdkConfig(t, awstest.Region))
	ctx := testCtx(t)
	cluster := unique(t, "aur")
	createCluster(t, c, cluster, "")
	// every snapshot (moto, like RDS, takes an automated one at creation) is newer than
	// the first bad write: nothing safe to restore
	before := fmt.Sprintf("{source_db_cluster_identifier: %s, snapshot_before: '2020-01-01T00:00:00Z', writer_db_instance_class: db.r6g.large}", cluster)
	assert.Equal(t, []string{fmt.Sprintf(`not ready: no available snapshot of DB cluster %q taken before 2020-01-01T00:00:00Z`, cluster)},
		only(e.check(t, "aws.rds.restore_cluster_from_snapshot", before, false), "target"))

	_, err := c.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: awssdk.String(cluster),
		DBClusterSnapshotIdentifier: awssdk.String(cluster + "-s")})
	require.NoError(t, err)
	fs := only(e.check(t, "aws.rds.restore_cluster_from_snapshot", fmt.Sprintf("{db_cluster_snapshot_identifier: %s-s, writer_db_instance_class: db.r6g.large}", cluster), false), "target")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], fmt.Sprintf(`ready: DB cluster snapshot "%s-s" is `, cluster))
	assert.Contains(t, fs[0], "within the RPO 1h0m0s")

	fs = only(e.check(t, "aws.rds.restore_cluster_from_snapshot", "{db_cluster_snapshot_identifier: gone, writer_db_instance_class: db.r6g.large}", false), "target")
	assert.Equal(t, []string{`not ready: no available snapshot named "gone"`}, fs)
}

// TestCheckOfARestoreWhoseSourceComesFromAnEarlierStep: a point-in-time restore of a
// cluster an earlier step names (its source_db_cluster_identifier a step output) has
// nothing to read before the run, and says so naming that input (it named the new
// cluster's db_cluster_identifier, which the step gives as a literal).
func TestCheckOfARestoreWhoseSourceComesFromAnEarlierStep(t *testing.T) {
	e := newCheckEnv(t)
	src := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: check}\nobjectives: {rpo: 1h}\nsteps:\n" +
		"  - id: find\n    uses: noop\n    outputs: {cluster: \"'payments-aurora'\"}\n" +
		"  - id: step\n    uses: aws.rds.restore_cluster_to_point_in_time\n    needs: [find]\n" +
		"    with: {source_db_cluster_identifier: '${{ steps.find.outputs.cluster }}', db_cluster_identifier: restored," +
		" use_latest_restorable_time: true, writer_db_instance_class: db.r6g.large, allow_default_network: true}\n"
	rb, diags := runbooks.Parse("check.yaml", []byte(src), e.reg)
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	rep, err := readiness.Check(testCtx(t), rb, e.reg, readiness.Options{Kinds: e.a.Checkers()})
	require.NoError(t, err)
	var step []readiness.Finding
	for _, f := range rep.Findings {
		if f.Step == "step" {
			step = append(step, f)
		}
	}
	assert.Equal(t, []string{"ready: source_db_cluster_identifier comes from an earlier step during the run: nothing to check before"},
		only(step, "target"))
}
