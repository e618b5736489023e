package workflows

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	awsact "github.com/bcdr/bcdr/activities/aws"
	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/internal/faultproxy"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/library"
)

// The region-outage test: the library's ECS failover runs live with the real AWS actions
// while us-east-1 is down. Between the actions and AWS (moto, and a fake ARC cluster,
// which moto lacks) sits internal/faultproxy in outage mode: every call signed for
// us-east-1, and every call to Route 53's control plane (which lives there), is held and
// dropped without an answer. The runbook must complete within its RTO; the same runbook
// written the old way (Route 53's API to move the name) must not.

const (
	outagePrimary = "us-east-1"
	outageDR      = "us-west-2"
	cellUSE1      = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/checkout-use1"
	cellUSW2      = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/checkout-usw2"
)

// outageCloud is the checkout service's DR side in moto, an ARC cluster whose endpoints in
// us-east-1 and us-west-2 both lead to the fake, and the proxy in front of all of it.
type outageCloud struct {
	proxy     *faultproxy.Proxy
	arc       *awstest.ARCCluster
	r53       *route53.Client
	aas       *applicationautoscaling.Client
	zoneID    string
	tgARN     string
	endpoints string        // arc_cluster_endpoints
	took      time.Duration // the last run's wall-clock duration
}

func newOutageCloud(ctx context.Context, t testing.TB) *outageCloud {
	moto := awstest.StartMoto(t)
	c := &outageCloud{arc: awstest.NewARCCluster(map[string]string{cellUSE1: "On", cellUSW2: "Off"})}
	c.proxy, c.endpoints = outageFront(t, moto, map[string]http.Handler{"route53-recovery-cluster": c.arc})

	cfg := awstest.SDKConfig(t, moto, outageDR)
	e, lb, ec := ec2.NewFromConfig(cfg), elbv2.NewFromConfig(cfg), ecs.NewFromConfig(cfg)
	c.r53 = route53.NewFromConfig(cfg)

	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: awssdk.String("10.20.0.0/16")})
	require.NoError(t, err)
	tg, err := lb.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
		Name: awssdk.String("checkout-dr"), Protocol: elbv2types.ProtocolEnumHttp, Port: awssdk.Int32(80),
		VpcId: vpc.Vpc.VpcId, TargetType: elbv2types.TargetTypeEnumInstance,
	})
	require.NoError(t, err)
	c.tgARN = awssdk.ToString(tg.TargetGroups[0].TargetGroupArn)
	images, err := e.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	require.NoError(t, err)
	require.NotEmpty(t, images.Images)
	run, err := e.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: images.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: awssdk.Int32(2), MaxCount: awssdk.Int32(2),
	})
	require.NoError(t, err)
	var targets []elbv2types.TargetDescription
	for _, in := range run.Instances {
		targets = append(targets, elbv2types.TargetDescription{Id: in.InstanceId, Port: awssdk.Int32(80)})
	}
	_, err = lb.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: awssdk.String(c.tgARN), Targets: targets})
	require.NoError(t, err)

	_, err = ec.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String("shop-dr")})
	require.NoError(t, err)
	td, err := ec.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: awssdk.String("checkout"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: awssdk.String("app"), Image: awssdk.String("checkout:1"), Memory: awssdk.Int32(256),
		}},
	})
	require.NoError(t, err)
	_, err = ec.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: awssdk.String("shop-dr"), ServiceName: awssdk.String("checkout"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: awssdk.Int32(0),
	})
	require.NoError(t, err)
	// the DR service scales with Application Auto Scaling, within its pilot light's range
	_, err = applicationautoscaling.NewFromConfig(cfg).RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: awssdk.String("service/shop-dr/checkout"),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: awssdk.Int32(0), MaxCapacity: awssdk.Int32(1),
	})
	require.NoError(t, err)
	c.aas = applicationautoscaling.NewFromConfig(cfg)

	c.zoneID = hostedZone(ctx, t, c.r53, "internal.example", cname("checkout.internal.example.", "checkout-use1.elb.amazonaws.com"))
	return c
}

// outageFront starts the fault proxy in front of moto and fakes (by service), and gives the
// ARC cluster's regional endpoints through it, each named by its region (the host name of
// a real one carries it; here the path does, which the actions read the same way).
func outageFront(t testing.TB, moto string, fakes map[string]http.Handler) (*faultproxy.Proxy, string) {
	split := awstest.Split(t, moto, fakes)
	p, err := faultproxy.Start(faultproxy.Options{Target: split, Hold: 300 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p, p.URL + "/route53-recovery-cluster." + outagePrimary + ".amazonaws.com/v1," +
		p.URL + "/route53-recovery-cluster." + outageDR + ".amazonaws.com/v1"
}

// assertNoRoute53Calls checks that no call went to Route 53's control plane (which lives
// in us-east-1).
func assertNoRoute53Calls(t testing.TB, p *faultproxy.Proxy) {
	t.Helper()
	for _, e := range p.Log() {
		assert.NotEqual(t, "route53", e.Service, "no call to Route 53's control plane: %s", e.Action)
	}
}

// route53Outages counts the calls to Route 53's API that met the outage.
func route53Outages(p *faultproxy.Proxy) int {
	n := 0
	for _, e := range p.Log() {
		if e.Service == "route53" && e.Fault == faultproxy.Outage {
			n++
		}
	}
	return n
}

func (c *outageCloud) params() map[string]string {
	return map[string]string{
		"primary_region": outagePrimary, "dr_region": outageDR,
		"ecs_cluster": "shop-dr", "ecs_service": "checkout", "ecs_count": "2",
		"target_group_arn": c.tgARN, "hosted_zone_id": c.zoneID,
		"record_name": "checkout.internal.example", "dr_endpoint": "checkout-usw2.elb.amazonaws.com",
		"health_url":            "https://checkout.internal.example/healthz",
		"arc_cluster_endpoints": c.endpoints, "primary_cell_control": cellUSE1, "dr_cell_control": cellUSW2,
	}
}

// outageRun runs rb live with us-east-1 down and returns its record.
func outageRun(t testing.TB, c *outageCloud, rb *runbooks.Runbook, h *harness) Status {
	given := c.params()
	var names []string
	for _, p := range rb.Parameters {
		names = append(names, p.Name)
	}
	for k := range given {
		if !contains(names, k) {
			delete(given, k) // the old design has no ARC parameters
		}
	}
	st, took := runUnderOutage(t, c.proxy, outagePrimary, rb, h, given)
	c.took = took
	return st
}

// runUnderOutage takes region down and runs rb live with the given parameters; it
// returns the run's record and its wall-clock duration.
func runUnderOutage(t testing.TB, p *faultproxy.Proxy, region string, rb *runbooks.Runbook, h *harness, given map[string]string) (Status, time.Duration) {
	params, err := runbooks.ResolveParams(rb, given)
	require.NoError(t, err)
	p.SetOutage(region)
	began := time.Now()
	st, _ := h.run(t, *rb, func(in *Input) { in.Mode, in.Params = ModeLive, params })
	// the test environment's clock stands still while activities run, so the run's own
	// RTO misses the time spent on AWS calls: the wall clock has it
	return st, time.Since(began)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func outageHarness(t testing.TB, c *outageCloud) (*harness, []runbooks.Kind) {
	h, kinds := outageAWSHarness(t, c.proxy.URL, outageDR)
	var w web
	w.register(h)
	return h, kinds
}

// outageAWSHarness is a test environment whose activities are the real AWS actions, calling
// endpoint (the fault proxy) with region as their default region.
func outageAWSHarness(t testing.TB, endpoint, region string) (*harness, []runbooks.Kind) {
	// the ARC endpoints are listed primary region first: every ARC call meets the outage
	h, kinds := actionsHarness(t, awsact.Config{Region: region, Endpoint: endpoint, PollInterval: 100 * time.Millisecond,
		ARCEndpointsAsListed: true}, 5*time.Minute)
	return h, kinds
}

// loadLibrary loads the library runbook name with the builtin kinds and kinds, and
// requires it to be free of problems.
func loadLibrary(t testing.TB, name string, kinds []runbooks.Kind) *runbooks.Runbook {
	t.Helper()
	reg, err := runbooks.DefaultRegistry(kinds...)
	require.NoError(t, err)
	rb, diags := runbooks.Load(library.FS, name, reg)
	require.Empty(t, diags, "%s", diags.Error())
	return rb
}

func TestECSFailoverCompletesWithItsPrimaryRegionDown(t *testing.T) {
	ctx := context.Background()
	c := newOutageCloud(ctx, t)
	h, kinds := outageHarness(t, c)
	rb := loadLibrary(t, "ecs-service-region-failover.yaml", kinds)

	st := outageRun(t, c, rb, h)
	require.Equal(t, RunSucceeded, st.State, "%s", st.Error)
	assert.LessOrEqual(t, c.took, rb.Objectives.RTO.Std(), "within the RTO")
	assert.Equal(t, "On", c.arc.State(cellUSW2), "traffic goes to us-west-2")
	assert.Equal(t, "Off", c.arc.State(cellUSE1))
	assert.Equal(t, StepSkipped, st.Step("switch_dns").Status, "the DNS API fallback is off the live path")
	assertNoRoute53Calls(t, c.proxy)
	// Application Auto Scaling keeps the service within its scalable target's range: a
	// range still at the pilot light's (max 1) would take the 2 tasks back to 1
	targets, err := c.aas.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{"service/shop-dr/checkout"}})
	require.NoError(t, err)
	require.Len(t, targets.ScalableTargets, 1)
	assert.EqualValues(t, 2, awssdk.ToInt32(targets.ScalableTargets[0].MinCapacity), "scale-in cannot undo the failover")
	assert.GreaterOrEqual(t, awssdk.ToInt32(targets.ScalableTargets[0].MaxCapacity), int32(2), "the range holds the full capacity")
	t.Logf("failover under a us-east-1 outage: %s wall clock (RTO %s); calls that met the outage: %d",
		c.took.Round(time.Millisecond), rb.Objectives.RTO, c.proxy.Counts()[faultproxy.Outage])
}

// TestECSFailoverTheOldWayFailsWithItsPrimaryRegionDown is the test's proof that it can
// fail: the same failover moving the name with Route 53's API does not complete.
func TestECSFailoverTheOldWayFailsWithItsPrimaryRegionDown(t *testing.T) {
	ctx := context.Background()
	c := newOutageCloud(ctx, t)
	h, kinds := outageHarness(t, c)
	reg, err := runbooks.DefaultRegistry(kinds...)
	require.NoError(t, err)
	rb, diags := runbooks.Load(os.DirFS("../runbooks/testdata/evacuation"), "old-ecs-service-region-failover.yaml", reg)
	require.NotNil(t, rb, "%s", diags.Error())

	st := outageRun(t, c, rb, h)
	assert.NotEqual(t, RunSucceeded, st.State, "Route 53's API did not answer: the failover cannot complete")
	assert.NotEqual(t, StepSucceeded, st.Step("switch_dns").Status)
	assert.Positive(t, c.proxy.Counts()[faultproxy.Outage], "its calls met the outage")
	assert.Equal(t, "On", c.arc.State(cellUSE1), "nothing moved")
}

// TestDynamoDBSwitchCompletesWithItsPrimaryRegionDown runs the library's DynamoDB global
// table switch live with us-east-1 down: the canary in the primary cannot be written (the
// run goes on without an RPO), the writers are fenced and the API name moved on ARC, the
// secondary's API scaled in us-west-2; nothing waits on us-east-1 or Route 53's API.
// With traffic_switch: dns (the old way, Route 53's API) the same runbook fails.
func TestDynamoDBSwitchCompletesWithItsPrimaryRegionDown(t *testing.T) {
	t.Run("arc", func(t *testing.T) { dynamoDBSwitchUnderOutage(t, "arc") })
	t.Run("dns, the old way", func(t *testing.T) { dynamoDBSwitchUnderOutage(t, "dns") })
}

func dynamoDBSwitchUnderOutage(t *testing.T, trafficSwitch string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	moto := awstest.StartMoto(t)
	cloud := newSessionsCloud(ctx, t, moto)
	const writes = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/sessions-writes"
	cluster := awstest.NewARCCluster(map[string]string{cellUSE1: "On", cellUSW2: "Off", writes: "On"})
	p, endpoints := outageFront(t, moto, map[string]http.Handler{"route53-recovery-cluster": cluster})

	h, kinds := outageAWSHarness(t, p.URL, sessionsSecondary)
	registerSecondaryWeb(h)
	rb := loadLibrary(t, "dynamodb-global-table-switch.yaml", kinds)
	params, err := runbooks.ResolveParams(rb, map[string]string{
		"primary_region": sessionsPrimary, "secondary_region": sessionsSecondary, "ecs_count": "3",
		"hosted_zone_id": cloud.zoneID, "secondary_api_dns": "sessions-dr.us-west-2.elb.amazonaws.com",
		"arc_cluster_endpoints": endpoints, "primary_api_control": cellUSE1, "secondary_api_control": cellUSW2,
		"primary_writes_control": writes, "traffic_switch": trafficSwitch,
	})
	require.NoError(t, err)
	approve := h.update(time.Minute, UpdateApprove, DecisionRequest{Step: "approve", By: Actor{Name: "irene", Groups: []string{"incident-commanders"}}, Comment: "go"})

	p.SetOutage(sessionsPrimary)
	began := time.Now()
	st, _ := h.run(t, *rb, func(in *Input) { in.Mode, in.Params = ModeLive, params })
	took := time.Since(began)
	require.NoError(t, approve())
	if trafficSwitch == "dns" {
		assert.NotEqual(t, RunSucceeded, st.State, "Route 53's API did not answer: the switch cannot complete")
		assert.Equal(t, StepFailed, st.Step("switch_dns").Status)
		assert.Equal(t, "On", cluster.State(cellUSE1), "traffic did not move")
		return
	}
	require.Equal(t, RunSucceeded, st.State, "%s", st.Error)
	assert.LessOrEqual(t, took, rb.Objectives.RTO.Std(), "within the RTO")
	assert.Equal(t, StepFailed, st.Step("canary").Status, "the primary region does not answer")
	assert.Equal(t, "Off", cluster.State(writes), "the writers were fenced")
	assert.Equal(t, "On", cluster.State(cellUSW2))
	assert.Equal(t, "Off", cluster.State(cellUSE1))
	assert.EqualValues(t, 3, cloud.desiredCount(ctx, t, sessionsSecondary, "sessions-api"))
	min, max := cloud.scalableRange(ctx, t)
	assert.EqualValues(t, 3, min, "the secondary API's range holds the full capacity")
	assert.EqualValues(t, 3, max)
	assert.Equal(t, StepSkipped, st.Step("switch_dns").Status)
	assert.Positive(t, p.Counts()[faultproxy.Outage])
	assertNoRoute53Calls(t, p)
	t.Logf("switch under a us-east-1 outage: %s wall clock (RTO %s); calls that met the outage: %d",
		took.Round(time.Millisecond), rb.Objectives.RTO, p.Counts()[faultproxy.Outage])
}

// registerSecondaryWeb answers the run's health checks from the secondary region (where
// traffic now goes) and takes its notifications.
func registerSecondaryWeb(h *harness) {
	registerWebAnswering(h, `{"region":"`+sessionsSecondary+`"}`)
}

// registerWebAnswering answers the run's health checks with 200 and body, and takes its
// notifications.
func registerWebAnswering(h *harness, body string) {
	byName := map[string]runbooks.Kind{}
	for _, k := range runbooks.Builtins() {
		byName[k.Name] = k
	}
	activities.Register(h.env,
		activities.Action{Kind: byName[runbooks.KindHTTPCheck], Fn: func(context.Context, activities.Request) (activities.Result, error) {
			return activities.Result{"status": 200, "latency_ms": 3.0, "body": body}, nil
		}},
		activities.Action{Kind: byName[runbooks.KindNotify], Fn: func(context.Context, activities.Request) (activities.Result, error) {
			return activities.Result{}, nil
		}},
	)
}

// TestECSFailoverDrillPutsTheAutoScalingRangeBack: the drill raises the DR service's
// Application Auto Scaling range with its scale-up, and puts both back as they were.
func TestECSFailoverDrillPutsTheAutoScalingRangeBack(t *testing.T) {
	ctx := context.Background()
	c := newOutageCloud(ctx, t)
	h, kinds := outageHarness(t, c)
	rb := loadLibrary(t, "ecs-service-region-failover.yaml", kinds)
	params, err := runbooks.ResolveParams(rb, c.params())
	require.NoError(t, err)
	st, _ := h.run(t, *rb, func(in *Input) { in.Mode, in.Params = ModeDrill, params })
	require.Equal(t, RunSucceeded, st.State, "%s", st.Error)
	out := st.Step("scale_range").Outputs
	assert.EqualValues(t, 2, out["min"], "the drill raised the range")
	assert.EqualValues(t, 2, out["max"])
	assert.EqualValues(t, 0, out["previous_min"])
	assert.EqualValues(t, 1, out["previous_max"])
	targets, err := c.aas.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{"service/shop-dr/checkout"}})
	require.NoError(t, err)
	require.Len(t, targets.ScalableTargets, 1)
	assert.EqualValues(t, 0, awssdk.ToInt32(targets.ScalableTargets[0].MinCapacity), "put back")
	assert.EqualValues(t, 1, awssdk.ToInt32(targets.ScalableTargets[0].MaxCapacity), "put back")
	assert.Equal(t, "On", c.arc.State(cellUSE1), "a drill moves no traffic")
}
