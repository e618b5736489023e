package main

import (
	"context"
	"net/http"
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
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/workflows"
)

const regionFailoverRunbook = "../../runbooks/library/aws-region-failover-web.yaml"

// storefront is the service aws-region-failover-web.yaml fails over, as the test builds
// it in moto: primary in us-east-1, pilot light in us-west-2.
var storefront = struct {
	primaryRegion, drRegion                     string
	zone, record, drillRecord                   string
	primaryLB, primaryLBZone, drLB, drLBZone    string
	global, primaryCluster, drCluster, drWriter string
	asg, ecsCluster, ecsService                 string
	lagAlarm                                    string
}{
	primaryRegion: "us-east-1", drRegion: "us-west-2",
	zone: "example.com", record: "www.example.com", drillRecord: "drill.www.example.com",
	primaryLB: "storefront-primary-1234.us-east-1.elb.amazonaws.com", primaryLBZone: "Z35SXDOTRQ7X7K",
	drLB: "storefront-dr-5678.us-west-2.elb.amazonaws.com", drLBZone: "Z1H1FL5HABSF5",
	global: "storefront-global", primaryCluster: "storefront-primary", drCluster: "storefront-dr", drWriter: "storefront-dr-1",
	asg: "storefront-dr-web", ecsCluster: "storefront-dr", ecsService: "storefront-api",
	lagAlarm: "storefront-dr-aurora-replication-lag",
}

// TestAWSRegionFailoverDrill runs the library's AWS region failover in drill mode on the
// embedded engine against moto: bcdr dev in a child process reaches moto through
// aws.endpoint, and the public web (health checks of the load balancers and DNS names)
// through an HTTPS proxy whose DNS is moto's Route 53. The drill must leave production
// where it was and clean up everything it scaled or created.
func TestAWSRegionFailoverDrill(t *testing.T) {
	endpoint := awstest.StartMoto(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cloud := newAWSClients(t, endpoint)
	setup := cloud.createStorefront(ctx, t)
	web := startPublicWeb(t, cloud.resolver(setup.zoneID), map[string]string{
		storefront.primaryLB: storefront.primaryRegion, storefront.drLB: storefront.drRegion,
	}, storefront.record, storefront.drillRecord)

	e := newEnv(t)
	for k, v := range awstest.Env() { // the child's AWS SDK credentials and region
		e.vars[k] = v
	}
	e.vars["BCDR_AWS_ENDPOINT"] = endpoint
	e.vars["BCDR_AWS_REGION"] = storefront.primaryRegion
	for k, v := range web.clientEnv() {
		e.vars[k] = v
	}
	e.startDev(freePort(t))
	// moto has no Route 53 ARC cluster API: a fake that answers as its reference documents,
	// behind the same split the worker's SigV4 calls go through.
	const (
		writesControl = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/storefront-writes"
		primaryCell   = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/storefront-use1"
		drCell        = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/storefront-usw2"
	)
	arc := awstest.NewARCCluster(map[string]string{writesControl: "On", primaryCell: "On", drCell: "Off"})
	arcURL := awstest.Split(t, endpoint, map[string]http.Handler{"route53-recovery-cluster": arc})

	st := runApprovedDrill(t, e, regionFailoverRunbook, map[string]string{
		"arc_cluster_endpoints": arcURL + "/route53-recovery-cluster." + storefront.primaryRegion + ".amazonaws.com/v1," +
			arcURL + "/route53-recovery-cluster." + storefront.drRegion + ".amazonaws.com/v1",
		"primary_writes_control": writesControl, "primary_cell_control": primaryCell, "dr_cell_control": drCell,
		"primary_region": storefront.primaryRegion, "dr_region": storefront.drRegion,
		"hosted_zone_id": setup.zoneID, "record_name": storefront.record, "drill_record_name": storefront.drillRecord,
		"dr_alb_dns": storefront.drLB, "dr_alb_zone_id": storefront.drLBZone,
		"global_cluster": storefront.global, "dr_cluster_arn": setup.drClusterARN, "dr_writer_instance": storefront.drWriter,
		"asg_name": storefront.asg, "asg_capacity": "2", "ecs_cluster": storefront.ecsCluster,
		"ecs_service": storefront.ecsService, "ecs_count": "3",
	})
	require.Equal(t, workflows.RunSucceeded, st.State, "%s\n%s", st.Error, e.mustCLI("status", st.RunID))
	assert.Empty(t, st.Error)
	assert.Empty(t, st.Leftovers, "every drill cleanup succeeded")
	assertSteadyStateHeld(t, st, "site_up", "dr_database_healthy")
	assertDrillSteps(t, st)

	// what the drill did to the world, and what it left behind
	assert.Equal(t, storefront.drRegion, web.servedFrom(storefront.drillRecord),
		"verify reached the DR load balancer through the drill record in Route 53")
	assert.Equal(t, storefront.primaryRegion, web.servedFrom(storefront.record), "the public name answered from the primary region")
	cloud.assertCapacity(ctx, t, 1, 1, 2)
	cloud.assertDesiredCount(ctx, t, 1)
	cloud.assertScalableRange(ctx, t, 1, 1)
	target, found := cloud.resolver(setup.zoneID)(ctx, storefront.record)
	assert.True(t, found)
	assert.Equal(t, storefront.primaryLB, target, "the public record still points at the primary region")
	_, found = cloud.resolver(setup.zoneID)(ctx, storefront.drillRecord)
	assert.False(t, found, "drill cleanup put the drill record back as it was: absent")
	assert.Equal(t, setup.primaryClusterARN, cloud.globalWriter(ctx, t), "the global database was not failed over")
	assert.Zero(t, arc.Updates(), "a drill reads the routing controls and turns none")
	assert.Equal(t, "On", arc.State(writesControl), "the writers were not fenced in a drill")
}

// runApprovedDrill starts a drill of the runbook as alice, approves its approval step as
// bob, and returns the run's record once the run has ended.
func runApprovedDrill(t *testing.T, e *env, file string, params map[string]string) workflows.Status {
	args := []string{"run", file, "--mode", "drill"}
	for k, v := range params {
		args = append(args, "--param", k+"="+v)
	}
	runID := strings.TrimSpace(e.mustCLI(args...))
	eventually(t, "the approval to be pending", 30*time.Second, func() bool {
		st := e.status(runID)
		require.False(t, st.State.Done(), "the run ended before its approval: %s", st.Error)
		return len(st.Pending) == 1 && st.Pending[0].Step == "approve"
	})
	e.vars["BCDR_IDENTITY_USER"] = "bob"
	e.mustCLI("approve", runID, "approve", "-m", "quarterly drill")

	// A run reports its final state while its drill cleanup still runs; endedAt is
	// stamped once the cleanup is over.
	var st workflows.Status
	eventually(t, "the run and its drill cleanup to end", 45*time.Second, func() bool {
		st = e.status(runID)
		return st.State.Done() && !st.EndedAt.IsZero()
	})
	return st
}

// assertSteadyStateHeld checks that the probes gated the drill and confirmed recovery,
// and never failed.
func assertSteadyStateHeld(t *testing.T, st workflows.Status, probes ...string) {
	checked := map[string]bool{}
	for _, p := range st.Probes {
		assert.True(t, p.OK, "steady-state probe %s (%s): %s", p.Probe, p.Phase, p.Error)
		checked[p.Phase+" "+p.Probe] = true
	}
	for _, p := range probes {
		assert.True(t, checked["before "+p], "%s gated the drill", p)
		assert.True(t, checked["after "+p], "%s confirmed recovery", p)
	}
}

// assertDrillSteps checks the steps' outcomes: drill variants ran, and their outputs are
// what they saw in moto.
func assertDrillSteps(t *testing.T, st workflows.Status) {
	steps := map[string]workflows.StepState{}
	for _, s := range st.Steps {
		steps[s.ID] = s
	}
	assert.Equal(t, workflows.StepSkipped, steps["confirm_impact"].Status, "a drill does not need an impaired region")
	assert.Equal(t, workflows.StepSkipped, steps["switch_dns"].Status, "the DNS-API fallback is not the path taken")
	for id, s := range steps {
		if id != "confirm_impact" && id != "switch_dns" && id != "dns_insync" {
			assert.Equal(t, workflows.StepSucceeded, s.Status, "%s: %s", id, s.Error)
		}
	}
	for _, id := range []string{"fence_writes", "scale_asg", "scale_ecs", "promote_db", "switch_traffic", "verify"} {
		assert.True(t, steps[id].Drill, "%s ran its drill variant", id)
	}
	assert.EqualValues(t, 1, steps["scale_asg"].Outputs["previous_desired"])
	assert.EqualValues(t, 2, steps["scale_asg"].Outputs["desired"])
	assert.EqualValues(t, 2, steps["asg_healthy"].Outputs["healthy"], "moto launched the instances")
	assert.EqualValues(t, 1, steps["scale_ecs"].Outputs["previous_desired_count"])
	assert.EqualValues(t, 3, steps["scale_ecs_range"].Outputs["max"], "the drill raised the API service's range with its scale-up")
	assert.EqualValues(t, 3, steps["ecs_stable"].Outputs["running_count"])
	assert.InDelta(t, 0.85, steps["promote_db"].Outputs["lag_seconds"], 1e-9, "the DR cluster's replication lag, read instead of a failover")
	assert.Equal(t, "On", steps["fence_writes"].Outputs["state"], "the write gate was read")
	assert.Equal(t, false, steps["switch_traffic"].Outputs["previous_existed"], "the drill name is new")
	assert.NotEmpty(t, steps["switch_traffic"].Outputs["change_id"])
}

// awsClients are the SDK clients the test builds and inspects moto with.
type awsClients struct {
	r53              *route53.Client
	rdsEast, rdsWest *rds.Client
	cw               *cloudwatch.Client
	ec2              *ec2.Client
	as               *autoscaling.Client
	ecs              *ecs.Client
	aas              *applicationautoscaling.Client
}

func newAWSClients(t *testing.T, endpoint string) *awsClients {
	cfg := func(region string) awssdk.Config {
		return awstest.SDKConfig(t, endpoint, region)
	}
	east, west := cfg(storefront.primaryRegion), cfg(storefront.drRegion)
	return &awsClients{
		r53: route53.NewFromConfig(east), rdsEast: rds.NewFromConfig(east), rdsWest: rds.NewFromConfig(west),
		// moto speaks CloudWatch's AWS JSON 1.1, not the SDK's default CBOR
		cw: cloudwatch.NewFromConfig(west, func(o *cloudwatch.Options) {
			o.Protocol = awsjson.New11(schemas.GraniteServiceVersion20100801)
		}),
		ec2: ec2.NewFromConfig(west), as: autoscaling.NewFromConfig(west), ecs: ecs.NewFromConfig(west),
		aas: applicationautoscaling.NewFromConfig(west),
	}
}

// storefrontSetup is what the runbook's parameters need from the resources created.
type storefrontSetup struct {
	zoneID, drClusterARN, primaryClusterARN string
}

// createStorefront creates what the drill path touches: the public zone and record, the
// DR database's lag metric and alarm, the Aurora global database, and the DR web tier
// at pilot-light size (1 instance, 1 task).
func (c *awsClients) createStorefront(ctx context.Context, t *testing.T) storefrontSetup {
	var s storefrontSetup
	zone, err := c.r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
		Name: awssdk.String(storefront.zone), CallerReference: awssdk.String(t.Name()),
	})
	require.NoError(t, err)
	s.zoneID = awssdk.ToString(zone.HostedZone.Id)
	_, err = c.r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: awssdk.String(s.zoneID),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{
			Action: r53types.ChangeActionUpsert,
			ResourceRecordSet: &r53types.ResourceRecordSet{
				Name: awssdk.String(storefront.record), Type: r53types.RRTypeA,
				AliasTarget: &r53types.AliasTarget{
					DNSName: awssdk.String(storefront.primaryLB), HostedZoneId: awssdk.String(storefront.primaryLBZone),
					EvaluateTargetHealth: true,
				},
			},
		}}},
	})
	require.NoError(t, err)

	c.createDatabase(ctx, t, &s)
	c.createWebTier(ctx, t)
	return s
}

// createDatabase creates the Aurora global database with its DR cluster's replication
// lag (850 ms, reported in milliseconds like CloudWatch does) and the lag alarm, OK.
func (c *awsClients) createDatabase(ctx context.Context, t *testing.T, s *storefrontSetup) {
	_, err := c.rdsEast.CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{
		GlobalClusterIdentifier: awssdk.String(storefront.global), Engine: awssdk.String("aurora-postgresql"),
	})
	require.NoError(t, err)
	s.primaryClusterARN = createAuroraCluster(ctx, t, c.rdsEast, storefront.primaryCluster, storefront.primaryCluster+"-1")
	s.drClusterARN = createAuroraCluster(ctx, t, c.rdsWest, storefront.drCluster, storefront.drWriter)

	_, err = c.cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace: awssdk.String("AWS/RDS"),
		MetricData: []cwtypes.MetricDatum{{
			MetricName: awssdk.String("AuroraGlobalDBReplicationLag"), Value: awssdk.Float64(850),
			Unit: cwtypes.StandardUnitMilliseconds, Timestamp: awssdk.Time(time.Now().Add(-30 * time.Second)),
			Dimensions: []cwtypes.Dimension{{Name: awssdk.String("DBClusterIdentifier"), Value: awssdk.String(storefront.drCluster)}},
		}},
	})
	require.NoError(t, err)
	_, err = c.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: awssdk.String(storefront.lagAlarm), Namespace: awssdk.String("AWS/RDS"),
		MetricName: awssdk.String("AuroraGlobalDBReplicationLag"), Statistic: cwtypes.StatisticMaximum,
		Dimensions: []cwtypes.Dimension{{Name: awssdk.String("DBClusterIdentifier"), Value: awssdk.String(storefront.drCluster)}},
		Period:     awssdk.Int32(60), EvaluationPeriods: awssdk.Int32(1), Threshold: awssdk.Float64(300_000),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	})
	require.NoError(t, err)
	_, err = c.cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{
		AlarmName: awssdk.String(storefront.lagAlarm), StateValue: cwtypes.StateValueOk, StateReason: awssdk.String("replicating"),
	})
	require.NoError(t, err)
}

func createAuroraCluster(ctx context.Context, t *testing.T, c *rds.Client, id, instance string) string {
	out, err := c.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier: awssdk.String(id), Engine: awssdk.String("aurora-postgresql"),
		GlobalClusterIdentifier: awssdk.String(storefront.global),
		MasterUsername:          awssdk.String("storefront"), MasterUserPassword: awssdk.String("not-a-secret-1"),
	})
	require.NoError(t, err)
	_, err = c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: awssdk.String(instance), DBClusterIdentifier: awssdk.String(id),
		DBInstanceClass: awssdk.String("db.r6g.large"), Engine: awssdk.String("aurora-postgresql"),
	})
	require.NoError(t, err)
	return awssdk.ToString(out.DBCluster.DBClusterArn)
}

// createWebTier creates the DR region's Auto Scaling group and ECS service at pilot light.
func (c *awsClients) createWebTier(ctx context.Context, t *testing.T) {
	images, err := c.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	require.NoError(t, err)
	require.NotEmpty(t, images.Images)
	lt, err := c.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: awssdk.String(storefront.asg),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: images.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro},
	})
	require.NoError(t, err)
	_, err = c.as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: awssdk.String(storefront.asg), MinSize: awssdk.Int32(1), MaxSize: awssdk.Int32(2),
		DesiredCapacity: awssdk.Int32(1), AvailabilityZones: []string{storefront.drRegion + "a"},
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId},
	})
	require.NoError(t, err)

	_, err = c.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String(storefront.ecsCluster)})
	require.NoError(t, err)
	td, err := c.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: awssdk.String(storefront.ecsService),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: awssdk.String("api"), Image: awssdk.String("storefront-api:1"), Memory: awssdk.Int32(256),
		}},
	})
	require.NoError(t, err)
	_, err = c.ecs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: awssdk.String(storefront.ecsCluster), ServiceName: awssdk.String(storefront.ecsService),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: awssdk.Int32(1),
	})
	require.NoError(t, err)
	// the API service scales with Application Auto Scaling, at the pilot light's range
	_, err = c.aas.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: awssdk.String("service/" + storefront.ecsCluster + "/" + storefront.ecsService),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: awssdk.Int32(1), MaxCapacity: awssdk.Int32(1),
	})
	require.NoError(t, err)
}

// assertScalableRange checks the API service's Application Auto Scaling range.
func (c *awsClients) assertScalableRange(ctx context.Context, t *testing.T, min, max int32) {
	out, err := c.aas.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceIds: []string{"service/" + storefront.ecsCluster + "/" + storefront.ecsService}})
	require.NoError(t, err)
	require.Len(t, out.ScalableTargets, 1)
	assert.Equal(t, min, awssdk.ToInt32(out.ScalableTargets[0].MinCapacity), "the range's min back at pilot light")
	assert.Equal(t, max, awssdk.ToInt32(out.ScalableTargets[0].MaxCapacity), "the range's max back at pilot light")
}

// resolver answers which load balancer a name in the zone aliases, as Route 53 would.
func (c *awsClients) resolver(zoneID string) func(context.Context, string) (string, bool) {
	return func(ctx context.Context, name string) (string, bool) {
		out, err := c.r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
			HostedZoneId: awssdk.String(zoneID), StartRecordName: awssdk.String(name),
			StartRecordType: r53types.RRTypeA, MaxItems: awssdk.Int32(1),
		})
		if err != nil || len(out.ResourceRecordSets) == 0 {
			return "", false
		}
		rs := out.ResourceRecordSets[0]
		if !strings.EqualFold(strings.TrimSuffix(awssdk.ToString(rs.Name), "."), name) || rs.AliasTarget == nil {
			return "", false
		}
		return strings.ToLower(strings.TrimSuffix(awssdk.ToString(rs.AliasTarget.DNSName), ".")), true
	}
}

func (c *awsClients) assertCapacity(ctx context.Context, t *testing.T, desired, min, max int32) {
	out, err := c.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{storefront.asg}})
	require.NoError(t, err)
	require.Len(t, out.AutoScalingGroups, 1)
	g := out.AutoScalingGroups[0]
	assert.Equal(t, []int32{desired, min, max},
		[]int32{awssdk.ToInt32(g.DesiredCapacity), awssdk.ToInt32(g.MinSize), awssdk.ToInt32(g.MaxSize)},
		"Auto Scaling group (desired, min, max) back at pilot light")
}

func (c *awsClients) assertDesiredCount(ctx context.Context, t *testing.T, want int32) {
	out, err := c.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster: awssdk.String(storefront.ecsCluster), Services: []string{storefront.ecsService},
	})
	require.NoError(t, err)
	require.Len(t, out.Services, 1)
	assert.Equal(t, want, out.Services[0].DesiredCount, "ECS service back at pilot light")
}

// globalWriter is the ARN of the global database's writer cluster.
func (c *awsClients) globalWriter(ctx context.Context, t *testing.T) string {
	out, err := c.rdsEast.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: awssdk.String(storefront.global)})
	require.NoError(t, err)
	require.Len(t, out.GlobalClusters, 1)
	for _, m := range out.GlobalClusters[0].GlobalClusterMembers {
		if awssdk.ToBool(m.IsWriter) {
			return awssdk.ToString(m.DBClusterArn)
		}
	}
	return ""
}
