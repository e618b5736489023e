package aws

import (
	"fmt"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/readiness"
)

// scaledService creates an ECS service in moto and registers it with Application Auto
// Scaling between min and max; it returns the scalable target's resource id.
func scaledService(t *testing.T, min, max int32) string {
	t.Helper()
	ctx := testCtx(t)
	cfg := sdkConfig(t, awstest.Region)
	e := ecs.NewFromConfig(cfg)
	cluster := unique(t, "cl")
	_, err := e.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String(cluster)})
	require.NoError(t, err)
	td, err := e.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:               awssdk.String(cluster),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: awssdk.String("app"), Image: awssdk.String("app:1"), Memory: awssdk.Int32(256)}},
	})
	require.NoError(t, err)
	_, err = e.CreateService(ctx, &ecs.CreateServiceInput{Cluster: awssdk.String(cluster), ServiceName: awssdk.String("api"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: awssdk.Int32(min)})
	require.NoError(t, err)
	id := fmt.Sprintf("service/%s/api", cluster)
	_, err = applicationautoscaling.NewFromConfig(cfg).RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: awssdk.String(id),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		MinCapacity:       awssdk.Int32(min), MaxCapacity: awssdk.Int32(max),
	})
	require.NoError(t, err)
	return id
}

func scalableTarget(t *testing.T, id string) aastypes.ScalableTarget {
	t.Helper()
	out, err := applicationautoscaling.NewFromConfig(sdkConfig(t, awstest.Region)).DescribeScalableTargets(testCtx(t),
		&applicationautoscaling.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{id}})
	require.NoError(t, err)
	require.Len(t, out.ScalableTargets, 1)
	return out.ScalableTargets[0]
}

// TestAppAutoscalingSetScalableTarget: the pilot light's range (1 to 2) would clamp a
// scale-up to 4 back to 2; the step raises it, and its outputs put it back.
func TestAppAutoscalingSetScalableTarget(t *testing.T) {
	a := newActions(t)
	ctx := testCtx(t)
	id := scaledService(t, 1, 2)

	res, err := a.AppAutoscalingSetScalableTarget(ctx, request(t, map[string]any{"resource_id": id, "min": 4, "max": 4, "only_raise": true}))
	require.NoError(t, err)
	assert.Equal(t, activities.Result{"min": 4, "max": 4, "previous_min": 1, "previous_max": 2, "previous_suspend_scale_in": false,
		"previous_suspend_scale_out": false, "previous_suspend_scheduled": false, "changed": true}, res)
	st := scalableTarget(t, id)
	assert.EqualValues(t, 4, awssdk.ToInt32(st.MinCapacity))
	assert.EqualValues(t, 4, awssdk.ToInt32(st.MaxCapacity))

	// again: nothing to change
	res, err = a.AppAutoscalingSetScalableTarget(ctx, request(t, map[string]any{"resource_id": id, "min": 4, "max": 4, "only_raise": true}))
	require.NoError(t, err)
	assert.Equal(t, false, res["changed"])

	// only_raise keeps a larger max (a service that may grow to 10 keeps that room)
	_, err = a.AppAutoscalingSetScalableTarget(ctx, request(t, map[string]any{"resource_id": id, "max": 10}))
	require.NoError(t, err)
	res, err = a.AppAutoscalingSetScalableTarget(ctx, request(t, map[string]any{"resource_id": id, "min": 6, "max": 6, "only_raise": true}))
	require.NoError(t, err)
	assert.Equal(t, 6, res["min"])
	assert.Equal(t, 10, res["max"], "only raised")

	// the rollback: the range before, and scale-in suspended, exactly as given
	res, err = a.AppAutoscalingSetScalableTarget(ctx, request(t, map[string]any{"resource_id": id, "min": 1, "max": 2, "suspend_scale_in": true}))
	require.NoError(t, err)
	assert.Equal(t, 6, res["previous_min"])
	st = scalableTarget(t, id)
	assert.EqualValues(t, 1, awssdk.ToInt32(st.MinCapacity))
	assert.EqualValues(t, 2, awssdk.ToInt32(st.MaxCapacity))
	require.NotNil(t, st.SuspendedState)
	assert.True(t, awssdk.ToBool(st.SuspendedState.DynamicScalingInSuspended))
	assert.False(t, awssdk.ToBool(st.SuspendedState.DynamicScalingOutSuspended))
	res, err = a.AppAutoscalingSetScalableTarget(ctx, request(t, map[string]any{"resource_id": id, "suspend_scale_in": false}))
	require.NoError(t, err)
	assert.Equal(t, true, res["previous_suspend_scale_in"])

	// a range AWS refuses is refused before the call, and changes nothing
	_, err = a.AppAutoscalingSetScalableTarget(ctx, request(t, map[string]any{"resource_id": id, "min": 5}))
	requireErrorType(t, err, activities.ErrValidation, id, "min (5) <= max (2)")
	assert.EqualValues(t, 1, awssdk.ToInt32(scalableTarget(t, id).MinCapacity))

	_, err = a.AppAutoscalingSetScalableTarget(ctx, request(t, map[string]any{"resource_id": "service/nope/api", "min": 4}))
	requireErrorType(t, err, activities.ErrNotFound, "service/nope/api", "no scalable target is registered")
	_, err = a.AppAutoscalingSetScalableTarget(ctx, request(t, map[string]any{"resource_id": id}))
	requireErrorType(t, err, activities.ErrValidation, "min, max")
}

func TestCheckScalableTarget(t *testing.T) {
	e := newCheckEnv(t)
	id := scaledService(t, 1, 2)
	fs := e.check(t, "aws.appautoscaling.set_scalable_target", fmt.Sprintf("{resource_id: %q, min: 4, max: 4, only_raise: true}", id), false)
	assert.Equal(t, []string{"ready: scalable target \"" + id + "\" (ecs:service:DesiredCount) is registered: min 1, max 2"}, only(fs, "target"))

	fs = e.check(t, "aws.appautoscaling.set_scalable_target", fmt.Sprintf("{resource_id: %q, min: 4}", id), false)
	got := only(fs, "target")
	require.Len(t, got, 2)
	assert.Contains(t, got[1], string(readiness.NotReady)+": ")
	assert.Contains(t, got[1], "min (4) <= max (2)")

	fs = e.check(t, "aws.appautoscaling.set_scalable_target", "{resource_id: service/nope/api, min: 4}", false)
	got = only(fs, "target")
	require.Len(t, got, 1)
	assert.Contains(t, got[0], string(readiness.NotReady)+": ")
	assert.Contains(t, got[0], "not registered")
}
