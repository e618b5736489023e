package workflows

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/internal/faultproxy"
	"github.com/bcdr/bcdr/internal/librarytest"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/library"
)

// The region-outage test for the library's two database failovers, as for the ECS and
// DynamoDB ones in outage_test.go: aws-region-failover-web (an Aurora global database)
// and rds-promote-read-replica run live with us-east-1 down, their approvals and manual
// steps driven as people would, and complete within their RTO; written the old way (the
// name moved with Route 53's API) they do not. RDS is answered by awstest.RDS, which
// follows the RDS API reference where moto lacks (FailoverGlobalCluster) or misstates
// (a secondary cluster's writer, PromoteReadReplica) the operations; everything else is
// moto's, all behind the fault proxy.

const (
	writesUSE1  = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/writes-use1"
	globalDB    = "storefront-global"
	clusterUSE1 = "arn:aws:rds:us-east-1:123456789012:cluster:storefront-east"
	clusterUSW2 = "arn:aws:rds:us-west-2:123456789012:cluster:storefront-dr"
)

// dbOutageCloud is the DR side of a service in moto (us-west-2) and the fakes beside it.
type dbOutageCloud struct {
	proxy     *faultproxy.Proxy
	arc       *awstest.ARCCluster
	rds       *awstest.RDS
	zoneID    string
	endpoints string
	moto      drClients
}

// drClients is the SDK's view of moto in the DR region, for the setup and the checks.
type drClients struct {
	ec2 *ec2.Client
	as  *autoscaling.Client
	ecs *ecs.Client
	cw  *cloudwatch.Client
	r53 *route53.Client
	aas *applicationautoscaling.Client
}

func newDBOutageCloud(ctx context.Context, t testing.TB) *dbOutageCloud {
	moto := awstest.StartMoto(t)
	c := &dbOutageCloud{
		arc: awstest.NewARCCluster(map[string]string{cellUSE1: "On", cellUSW2: "Off", writesUSE1: "On"}),
		rds: awstest.NewRDS(),
	}
	c.proxy, c.endpoints = outageFront(t, moto, map[string]http.Handler{"route53-recovery-cluster": c.arc, "rds": c.rds})

	cfg := awstest.SDKConfig(t, moto, outageDR)
	c.moto = drClients{ec2: ec2.NewFromConfig(cfg), as: autoscaling.NewFromConfig(cfg), ecs: ecs.NewFromConfig(cfg),
		// moto 5.2 does not speak CloudWatch's CBOR protocol, the SDK's default: JSON
		cw: cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
			o.Protocol = awsjson.New11(schemas.GraniteServiceVersion20100801)
		}), r53: route53.NewFromConfig(cfg), aas: applicationautoscaling.NewFromConfig(cfg)}
	c.zoneID = hostedZone(ctx, t, c.moto.r53, "example.com")
	return c
}

// alarm creates a CloudWatch alarm in the DR region in the given state.
func (c *dbOutageCloud) alarm(ctx context.Context, t testing.TB, name string, state cwtypes.StateValue) {
	_, err := c.moto.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: awssdk.String(name), Namespace: awssdk.String("Test"), MetricName: awssdk.String(name),
		Statistic: cwtypes.StatisticAverage, Period: awssdk.Int32(60), EvaluationPeriods: awssdk.Int32(1),
		Threshold: awssdk.Float64(1), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	})
	require.NoError(t, err)
	_, err = c.moto.cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: awssdk.String(name), StateValue: state, StateReason: awssdk.String("test")})
	require.NoError(t, err)
}

// ---- aws-region-failover-web

// storefront builds the web service's pilot light in us-west-2 (an Auto Scaling group
// and an ECS service at zero, the alarms the runbook reads) and its Aurora global
// database, written in us-east-1.
func (c *dbOutageCloud) storefront(ctx context.Context, t testing.TB) {
	images, err := c.moto.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	require.NoError(t, err)
	require.NotEmpty(t, images.Images)
	lt, err := c.moto.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: awssdk.String("storefront-dr-web"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: images.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro},
	})
	require.NoError(t, err)
	_, err = c.moto.as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: awssdk.String("storefront-dr-web"), MinSize: awssdk.Int32(0), MaxSize: awssdk.Int32(2),
		DesiredCapacity: awssdk.Int32(0), AvailabilityZones: []string{outageDR + "a"},
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId},
	})
	require.NoError(t, err)
	_, err = c.moto.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String("storefront-dr")})
	require.NoError(t, err)
	td, err := c.moto.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: awssdk.String("storefront-api"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: awssdk.String("api"), Image: awssdk.String("storefront-api:1"), Memory: awssdk.Int32(256),
		}},
	})
	require.NoError(t, err)
	_, err = c.moto.ecs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: awssdk.String("storefront-dr"), ServiceName: awssdk.String("storefront-api"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: awssdk.Int32(0),
	})
	require.NoError(t, err)
	_, err = c.moto.aas.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: awssdk.String("service/storefront-dr/storefront-api"),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: awssdk.Int32(0), MaxCapacity: awssdk.Int32(1),
	})
	require.NoError(t, err)
	// the DR region's canary sees the primary down; the DR database's lag is fine
	c.alarm(ctx, t, "storefront-primary-region-health", cwtypes.StateValueAlarm)
	c.alarm(ctx, t, "storefront-dr-aurora-replication-lag", cwtypes.StateValueOk)
	c.rds.AddGlobalCluster(globalDB,
		awstest.AuroraCluster{ARN: clusterUSE1, Instances: []string{"storefront-east-1", "storefront-east-2"}},
		awstest.AuroraCluster{ARN: clusterUSW2, Instances: []string{"storefront-dr-1", "storefront-dr-2"}})
}

func (c *dbOutageCloud) storefrontParams() map[string]string {
	return map[string]string{
		"primary_region": outagePrimary, "dr_region": outageDR, "hosted_zone_id": c.zoneID,
		"record_name": "www.example.com", "dr_alb_dns": "storefront-dr.us-west-2.elb.amazonaws.com",
		"dr_alb_zone_id": "Z1H1FL5HABSF5", "global_cluster": globalDB, "dr_cluster_arn": clusterUSW2,
		"arc_cluster_endpoints": c.endpoints, "primary_cell_control": cellUSE1, "dr_cell_control": cellUSW2,
		"primary_writes_control": writesUSE1, "asg_capacity": "2", "ecs_count": "2",
	}
}

// only keeps the parameters rb declares (the old designs have no ARC parameters).
func only(rb *runbooks.Runbook, given map[string]string) map[string]string {
	out := map[string]string{}
	for _, p := range rb.Parameters {
		if v, ok := given[p.Name]; ok {
			out[p.Name] = v
		}
	}
	return out
}

// webFailoverUnderOutage builds the storefront's DR side and runs the runbook load returns
// live with us-east-1 down, the incident commander approving a minute into the run;
// latencies (nil in tests) are the AWS operations' durations. Only the run calls through
// the proxy (the setup talks to moto directly).
func webFailoverUnderOutage(t testing.TB, load func() (*runbooks.Runbook, error), trafficSwitch string, latencies map[faultproxy.Op]time.Duration) (*dbOutageCloud, Status, time.Duration, func() error) {
	ctx := context.Background()
	c := newDBOutageCloud(ctx, t)
	c.storefront(ctx, t)
	h, _ := outageAWSHarness(t, c.proxy.URL, outageDR)
	registerWebAnswering(h, `{"region":"`+outageDR+`"}`)
	rb, err := load()
	require.NoError(t, err)
	given := c.storefrontParams()
	if trafficSwitch != "" {
		given["traffic_switch"] = trafficSwitch
	}
	approve := h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve",
		By: Actor{Name: "irene", Groups: []string{"incident-commanders"}}, Comment: "us-east-1 is down"})
	if latencies != nil {
		// an operation's duration is then its call's latency (AWS spends it in the states
		// the fake shows a look at a time): the fake's states last one look each, so its
		// polls add one poll interval, not several
		c.rds.Looks = 0
	}
	c.proxy.SetLatencies(latencies)
	st, took := runUnderOutage(t, c.proxy, outagePrimary, rb, h, only(rb, given))
	return c, st, took, approve
}

func fromLibrary(t testing.TB, name string) func() (*runbooks.Runbook, error) {
	return func() (*runbooks.Runbook, error) {
		rb, diags := runbooks.Load(library.FS, name, librarytest.Registry(t))
		require.Empty(t, diags, "%s", diags.Error())
		return rb, nil
	}
}

func fromEvacuationFixtures(t *testing.T, name string) func() (*runbooks.Runbook, error) {
	return func() (*runbooks.Runbook, error) {
		rb, diags := runbooks.Load(os.DirFS("../runbooks/testdata/evacuation"), name, librarytest.Registry(t))
		require.NotNil(t, rb, "%s", diags.Error())
		return rb, nil
	}
}

// TestWebFailoverCompletesWithItsPrimaryRegionDown runs aws-region-failover-web live with
// us-east-1 down: the writers are fenced, the DR compute scaled, the Aurora global
// database failed over to us-west-2 (with data loss allowed, through us-west-2's RDS
// endpoint) and the traffic switched on ARC, within the runbook's RTO; nothing waits on
// us-east-1 or Route 53's API.
func TestWebFailoverCompletesWithItsPrimaryRegionDown(t *testing.T) {
	c, st, took, approved := webFailoverUnderOutage(t, fromLibrary(t, "aws-region-failover-web.yaml"), "arc", nil)
	require.Equal(t, RunSucceeded, st.State, "%s", st.Error)
	require.NoError(t, approved(), "the approval was taken")
	assert.LessOrEqual(t, took, time.Hour, "within the RTO (1h)")
	assert.Equal(t, "Off", c.arc.State(writesUSE1), "the writers were fenced")
	assert.Equal(t, "On", c.arc.State(cellUSW2), "traffic goes to us-west-2")
	assert.Equal(t, "Off", c.arc.State(cellUSE1))
	assert.Equal(t, clusterUSW2, c.rds.Writer(globalDB), "the DR cluster writes")
	assert.Contains(t, c.rds.Calls(), outageDR+" FailoverGlobalCluster AllowDataLoss=true GlobalClusterIdentifier="+globalDB+" TargetDbClusterIdentifier="+clusterUSW2)
	assert.Equal(t, StepSucceeded, st.Step("db_writable").Status)
	targets, err := c.moto.aas.DescribeScalableTargets(context.Background(), &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{"service/storefront-dr/storefront-api"}})
	require.NoError(t, err)
	require.Len(t, targets.ScalableTargets, 1)
	assert.EqualValues(t, 2, awssdk.ToInt32(targets.ScalableTargets[0].MinCapacity), "the API service's range holds the full capacity")
	assert.EqualValues(t, 2, awssdk.ToInt32(targets.ScalableTargets[0].MaxCapacity))
	assert.Equal(t, StepSkipped, st.Step("switch_dns").Status, "the DNS API fallback is off the live path")
	assertFencedBefore(t, c.proxy, "FailoverGlobalCluster")
	assert.Positive(t, c.proxy.Counts()[faultproxy.Outage], "calls met the outage")
	assertNoRoute53Calls(t, c.proxy)
	t.Logf("web failover under a us-east-1 outage: %s wall clock (RTO 1h; the run's own clock, with the approval at 1 min: %s); calls that met the outage: %d",
		took.Round(time.Millisecond), st.RTOActual, c.proxy.Counts()[faultproxy.Outage])
}

// TestWebFailoverTheOldWayFailsWithItsPrimaryRegionDown is the test's proof that it can
// fail: the runbook as it was (the impact read in us-east-1, the name moved with Route
// 53's API) and today's with traffic_switch: dns do not complete.
func TestWebFailoverTheOldWayFailsWithItsPrimaryRegionDown(t *testing.T) {
	t.Run("the old runbook", func(t *testing.T) {
		c, st, took, _ := webFailoverUnderOutage(t, fromEvacuationFixtures(t, "old-aws-region-failover-web.yaml"), "", nil)
		t.Logf("stopped after %s: %s", took.Round(time.Millisecond), st.Error)
		assert.NotEqual(t, RunSucceeded, st.State, "us-east-1 did not answer: the failover cannot complete")
		assert.NotEqual(t, StepSucceeded, st.Step("switch_dns").Status)
		assert.Positive(t, c.proxy.Counts()[faultproxy.Outage])
		assert.Equal(t, "On", c.arc.State(cellUSE1), "nothing moved")
	})
	t.Run("traffic_switch dns", func(t *testing.T) {
		c, st, took, approved := webFailoverUnderOutage(t, fromLibrary(t, "aws-region-failover-web.yaml"), "dns", nil)
		t.Logf("stopped after %s: %s", took.Round(time.Millisecond), st.Error)
		require.NoError(t, approved(), "the approval was taken")
		assert.NotEqual(t, RunSucceeded, st.State, "Route 53's API did not answer: the switch cannot complete")
		assert.Equal(t, StepFailed, st.Step("switch_dns").Status)
		assert.Equal(t, "On", c.arc.State(cellUSE1), "traffic did not move")
		assert.Positive(t, route53Outages(c.proxy), "the calls to Route 53's API met the outage")
	})
}

// ---- rds-promote-read-replica

func rdsPromotionUnderOutage(t *testing.T, trafficSwitch string) (*dbOutageCloud, Status, time.Duration) {
	ctx := context.Background()
	c := newDBOutageCloud(ctx, t)
	c.rds.AddReadReplica(outageDR, "orders-replica", "arn:aws:rds:us-east-1:123456789012:db:orders")
	c.alarm(ctx, t, "orders-db-replica-lag", cwtypes.StateValueOk)
	h, _ := outageAWSHarness(t, c.proxy.URL, outageDR)
	registerWebAnswering(h, `{"db":"ok"}`)
	rb, err := fromLibrary(t, "rds-promote-read-replica.yaml")()
	require.NoError(t, err)
	// two approvers from the two groups (quorum 2), then whoever is on call recycles the
	// pools: the test clock reaches these while the run waits for them
	dba := h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve",
		By: Actor{Name: "carol", Groups: []string{"dba"}}, Comment: "the source is gone"})
	ic := h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve",
		By: Actor{Name: "irene", Groups: []string{"incident-commanders"}}, Comment: "accept the lag"})
	pools := h.update(10*time.Minute, UpdateComplete, DecisionRequest{Step: "restart_pools",
		By: Actor{Name: "olga", Groups: []string{"orders-oncall"}}, Comment: "rolled out"})
	st, took := runUnderOutage(t, c.proxy, outagePrimary, rb, h, map[string]string{
		"primary_region": outagePrimary, "region": outageDR, "replica_id": "orders-replica",
		"hosted_zone_id": c.zoneID, "arc_cluster_endpoints": c.endpoints,
		"primary_db_control": cellUSE1, "dr_db_control": cellUSW2, "primary_writes_control": writesUSE1,
		"traffic_switch": trafficSwitch,
	})
	require.NoError(t, dba())
	require.NoError(t, ic())
	if st.State == RunSucceeded {
		require.NoError(t, pools())
	}
	return c, st, took
}

// TestRDSPromotionCompletesWithItsPrimaryRegionDown runs rds-promote-read-replica live
// with us-east-1 (the source instance's region) down: two approvers approve, the writers
// are fenced, the replica in us-west-2 is promoted through us-west-2's RDS endpoint and
// waited for until it is no longer a replica, the database name moves on ARC, and the
// on-call engineer recycles the pools; nothing waits on us-east-1 or Route 53's API.
func TestRDSPromotionCompletesWithItsPrimaryRegionDown(t *testing.T) {
	c, st, took := rdsPromotionUnderOutage(t, "arc")
	require.Equal(t, RunSucceeded, st.State, "%s", st.Error)
	assert.LessOrEqual(t, took, 30*time.Minute, "within the RTO (30m)")
	assert.Equal(t, "Off", c.arc.State(writesUSE1), "the writers were fenced")
	assert.Equal(t, "On", c.arc.State(cellUSW2), "the name answers with the promoted instance")
	assert.Equal(t, "Off", c.arc.State(cellUSE1))
	assert.Empty(t, c.rds.ReplicaSource(outageDR, "orders-replica"), "promoted")
	assert.Contains(t, c.rds.Calls(), outageDR+" PromoteReadReplica BackupRetentionPeriod=7 DBInstanceIdentifier=orders-replica")
	assert.Len(t, st.Step("approve").Decisions, 2, "both approvers")
	assertFencedBefore(t, c.proxy, "PromoteReadReplica")
	assert.Equal(t, StepSucceeded, st.Step("restart_pools").Status)
	assert.Equal(t, StepSkipped, st.Step("move_cname").Status, "the DNS API fallback is off the live path")
	assert.Positive(t, c.proxy.Counts()[faultproxy.Outage], "calls met the outage")
	assertNoRoute53Calls(t, c.proxy)
	t.Logf("read replica promotion under a us-east-1 outage: %s wall clock (RTO 30m; the run's own clock, with the people's decisions: %s); calls that met the outage: %d",
		took.Round(time.Millisecond), st.RTOActual, c.proxy.Counts()[faultproxy.Outage])
}

// TestRDSPromotionTheOldWayFailsWithItsPrimaryRegionDown: with the name moved through
// Route 53's API (traffic_switch: dns, the design before ARC) the promotion happens but
// the name cannot move, so the run does not complete.
func TestRDSPromotionTheOldWayFailsWithItsPrimaryRegionDown(t *testing.T) {
	c, st, _ := rdsPromotionUnderOutage(t, "dns")
	assert.NotEqual(t, RunSucceeded, st.State, "Route 53's API did not answer: the name cannot move")
	assert.Equal(t, StepFailed, st.Step("move_cname").Status)
	assert.Equal(t, "On", c.arc.State(cellUSE1), "the name did not move")
	assert.Positive(t, route53Outages(c.proxy), "the calls to Route 53's API met the outage")
}

// assertFencedBefore checks on the wire that the write fence (the first ARC update) was
// answered, and read back, before the promotion was asked for.
func assertFencedBefore(t *testing.T, p *faultproxy.Proxy, promotion string) {
	t.Helper()
	var fenced, readBack, promoted time.Time
	for _, e := range p.Log() {
		switch {
		case e.Service == "route53-recovery-cluster" && strings.HasPrefix(e.Action, "UpdateRoutingControlState") && e.Status == 200 && fenced.IsZero():
			fenced = e.Done
		case e.Service == "route53-recovery-cluster" && e.Action == "GetRoutingControlState" && e.Status == 200 && !fenced.IsZero() && readBack.IsZero():
			readBack = e.Done
		case e.Action == promotion && promoted.IsZero():
			promoted = e.At
		}
	}
	require.False(t, promoted.IsZero(), "the promotion was asked for")
	require.False(t, fenced.IsZero(), "the fence was set")
	require.False(t, readBack.IsZero(), "the fence was read back")
	assert.True(t, readBack.Before(promoted), "the fence was verified before the promotion")
}
