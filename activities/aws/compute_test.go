package aws

import (
	"context"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// anyImage is an AMI moto knows.
func anyImage(t testing.TB, c *ec2.Client) string {
	t.Helper()
	out, err := c.DescribeImages(context.Background(), &ec2.DescribeImagesInput{})
	require.NoError(t, err)
	require.NotEmpty(t, out.Images)
	return awssdk.ToString(out.Images[0].ImageId)
}

func runInstance(t testing.TB, c *ec2.Client) string {
	t.Helper()
	out, err := c.RunInstances(context.Background(), &ec2.RunInstancesInput{
		ImageId: awssdk.String(anyImage(t, c)), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: awssdk.Int32(1), MaxCount: awssdk.Int32(1),
	})
	require.NoError(t, err)
	return awssdk.ToString(out.Instances[0].InstanceId)
}

func instanceState(t testing.TB, c *ec2.Client, id string) string {
	t.Helper()
	states, err := instanceStates(context.Background(), c, []string{id})
	require.NoError(t, err)
	return states[id]
}

func TestEC2StopAndStartInstances(t *testing.T) {
	a, c, ctx := rig(t, ec2.NewFromConfig)
	id := runInstance(t, c)
	with := map[string]any{"instance_ids": []any{id}}

	res, err := a.EC2StopInstances(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, []any{id}, res["changed"])
	assert.Equal(t, "stopped", instanceState(t, c, id))
	res, err = a.EC2StopInstances(ctx, request(t, with))
	require.NoError(t, err, "stopping a stopped instance is success")
	assert.Empty(t, res["changed"])

	res, err = a.EC2StartInstances(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, []any{id}, res["changed"])
	assert.Equal(t, map[string]any{id: "running"}, res["states"])
	assert.Equal(t, "running", instanceState(t, c, id))

	_, err = a.EC2StartInstances(ctx, request(t, map[string]any{"instance_ids": []any{"i-0123456789abcdef0"}}))
	requireErrorType(t, err, activities.ErrNotFound, "i-0123456789abcdef0")
}

func TestAutoscalingSetCapacityAndWaitHealthy(t *testing.T) {
	a := newActions(t)
	cfg := sdkConfig(t, awstest.Region)
	e, as := ec2.NewFromConfig(cfg), autoscaling.NewFromConfig(cfg)
	ctx := testCtx(t)
	lt, err := e.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: awssdk.String("web-dr"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: awssdk.String(anyImage(t, e)), InstanceType: ec2types.InstanceTypeT3Micro},
	})
	require.NoError(t, err)
	_, err = as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: awssdk.String("web-dr"), MinSize: awssdk.Int32(0), MaxSize: awssdk.Int32(2),
		DesiredCapacity:   awssdk.Int32(0),
		AvailabilityZones: []string{"us-east-1a"},
		LaunchTemplate:    &astypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId},
	})
	require.NoError(t, err)

	res, err := a.AutoscalingSetCapacity(ctx, request(t, map[string]any{"group": "web-dr", "desired": 3, "min": 3, "max": 6, "wait": true}))
	require.NoError(t, err)
	assert.Equal(t, 0, res["previous_desired"])
	assert.Equal(t, 0, res["previous_min"])
	assert.Equal(t, 2, res["previous_max"])
	assert.Equal(t, 3, res["healthy"])
	g, err := describeGroup(ctx, as, "web-dr")
	require.NoError(t, err)
	assert.Equal(t, int32(3), awssdk.ToInt32(g.DesiredCapacity))
	assert.Equal(t, int32(3), awssdk.ToInt32(g.MinSize))
	assert.Equal(t, int32(6), awssdk.ToInt32(g.MaxSize))

	res, err = a.AutoscalingWaitHealthy(ctx, request(t, map[string]any{"group": "web-dr", "min_healthy": 2}))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res["healthy"], 2)

	// the rollback: the previous sizes
	_, err = a.AutoscalingSetCapacity(ctx, request(t, map[string]any{"group": "web-dr", "desired": 0, "min": 0, "max": 2}))
	require.NoError(t, err)
	g, _ = describeGroup(ctx, as, "web-dr")
	assert.Equal(t, int32(0), awssdk.ToInt32(g.DesiredCapacity))

	_, err = a.AutoscalingSetCapacity(ctx, request(t, map[string]any{"group": "web-dr", "desired": 9}))
	requireErrorType(t, err, activities.ErrValidation, "web-dr", "max (2)")
	_, err = a.AutoscalingSetCapacity(ctx, request(t, map[string]any{"group": "no-such-group", "desired": 1}))
	requireErrorType(t, err, activities.ErrNotFound, "no-such-group")
}

func TestECSSetDesiredCountAndWaitStable(t *testing.T) {
	a, c, ctx := rig(t, ecs.NewFromConfig)
	_, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String("api-dr")})
	require.NoError(t, err)
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:               awssdk.String("api"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: awssdk.String("api"), Image: awssdk.String("api:1"), Memory: awssdk.Int32(256)}},
	})
	require.NoError(t, err)
	_, err = c.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: awssdk.String("api-dr"), ServiceName: awssdk.String("api"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: awssdk.Int32(1),
	})
	require.NoError(t, err)

	with := map[string]any{"cluster": "api-dr", "service": "api", "desired_count": 4}
	res, err := a.ECSSetDesiredCount(ctx, request(t, with))
	require.NoError(t, err)
	assert.Equal(t, 1, res["previous_desired_count"])
	assert.Equal(t, 4, res["running_count"], "waited until stable")
	s, err := describeService(ctx, c, "api-dr", "api")
	require.NoError(t, err)
	assert.Equal(t, int32(4), s.DesiredCount)

	res, err = a.ECSWaitStable(ctx, request(t, map[string]any{"cluster": "api-dr", "service": "api"}))
	require.NoError(t, err)
	assert.Equal(t, 4, res["running_count"])

	_, err = a.ECSWaitStable(ctx, request(t, map[string]any{"cluster": "api-dr", "service": "no-such-service"}))
	requireErrorType(t, err, activities.ErrNotFound, "no-such-service", "api-dr")
}

func TestELBv2TargetHealth(t *testing.T) {
	a := newActions(t)
	cfg := sdkConfig(t, awstest.Region)
	e := ec2.NewFromConfig(cfg)
	ctx := testCtx(t)
	id := runInstance(t, e)
	arn := awstest.TargetGroup(t, cfg, "web-dr", "10.10.0.0/16", id)

	res, err := a.ELBv2TargetHealth(ctx, request(t, map[string]any{"target_group_arn": arn, "min_healthy": 1}))
	require.NoError(t, err)
	assert.Equal(t, 1, res["healthy"])
	assert.Equal(t, 1, res["total"])

	// a stopped target is not healthy: the gate fails, and the wait ends when it starts
	_, err = e.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	require.NoError(t, err)
	_, err = a.ELBv2TargetHealth(ctx, request(t, map[string]any{"target_group_arn": arn, "min_healthy": 1}))
	requireErrorType(t, err, activities.ErrFailed, arn, "0 healthy")

	go func() {
		time.Sleep(200 * time.Millisecond)
		_, _ = e.StartInstances(context.Background(), &ec2.StartInstancesInput{InstanceIds: []string{id}})
	}()
	res, err = a.ELBv2WaitHealthyTargets(ctx, request(t, map[string]any{"target_group_arn": arn}))
	require.NoError(t, err)
	assert.Equal(t, 1, res["healthy"])

	_, err = a.ELBv2TargetHealth(ctx, request(t, map[string]any{"target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef"}))
	requireErrorType(t, err, activities.ErrNotFound, "targetgroup/nope")
}
