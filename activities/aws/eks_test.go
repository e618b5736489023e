package aws

import (
	"fmt"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// createNodegroup makes an EKS cluster with one managed node group of m5.large nodes in moto.
func createNodegroup(t *testing.T, c *eks.Client, cluster string, desired, min, max int32) {
	t.Helper()
	ctx := testCtx(t)
	_, err := c.CreateCluster(ctx, &eks.CreateClusterInput{Name: awssdk.String(cluster),
		RoleArn:            awssdk.String("arn:aws:iam::123456789012:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1", "subnet-2"}}})
	require.NoError(t, err)
	_, err = c.CreateNodegroup(ctx, &eks.CreateNodegroupInput{ClusterName: awssdk.String(cluster), NodegroupName: awssdk.String("workers"),
		NodeRole: awssdk.String("arn:aws:iam::123456789012:role/nodes"), Subnets: []string{"subnet-1", "subnet-2"},
		InstanceTypes: []string{"m5.large"},
		ScalingConfig: &ekstypes.NodegroupScalingConfig{DesiredSize: awssdk.Int32(desired), MinSize: awssdk.Int32(min), MaxSize: awssdk.Int32(max)}})
	require.NoError(t, err)
}

func TestEKSScaleNodegroup(t *testing.T) {
	a, c, ctx := rig(t, eks.NewFromConfig)
	cluster := unique(t, "dr")
	createNodegroup(t, c, cluster, 0, 0, 3)

	req := request(t, map[string]any{"cluster": cluster, "nodegroup": "workers", "desired": 6, "min": 6, "max": 12})
	res, err := a.EKSScaleNodegroup(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, activities.Result{"desired": 6, "min": 6, "max": 12, "previous_desired": 0, "previous_min": 0, "previous_max": 3,
		"status": "ACTIVE", "healthy": 0}, res)
	ng, err := describeNodegroup(ctx, c, cluster, "workers")
	require.NoError(t, err)
	assert.Equal(t, capacity{6, 6, 12}, nodegroupSize(ng))

	res, err = a.EKSScaleNodegroup(ctx, req)
	require.NoError(t, err, "a node group at the sizes asked is success")
	assert.Equal(t, 6, res["desired"])

	_, err = a.EKSScaleNodegroup(ctx, request(t, map[string]any{"cluster": cluster, "nodegroup": "workers", "desired": 20}))
	requireErrorType(t, err, activities.ErrValidation, "need 0 <= min (6) <= desired (20) <= max (12)")
	_, err = a.EKSScaleNodegroup(ctx, request(t, map[string]any{"cluster": cluster, "nodegroup": "workers"}))
	requireErrorType(t, err, activities.ErrValidation, "give desired, min or max")
	_, err = a.EKSScaleNodegroup(ctx, request(t, map[string]any{"cluster": cluster, "nodegroup": "gone", "desired": 1}))
	requireErrorType(t, err, activities.ErrNotFound, `EKS node group "gone"`)
}

func TestCheckEKSNodegroup(t *testing.T) {
	e := newCheckEnv(t)
	c := eks.NewFromConfig(sdkConfig(t, awstest.Region))
	cluster := unique(t, "dr")
	createNodegroup(t, c, cluster, 0, 0, 3)

	fs := only(e.check(t, "aws.eks.scale_nodegroup", fmt.Sprintf("{cluster: %s, nodegroup: workers, desired: 3}", cluster), false), "target")
	assert.Equal(t, []string{fmt.Sprintf(`ready: EKS node group "workers" of cluster %q is ACTIVE: desired 0, min 0, max 3`, cluster)}, fs)
	fs = only(e.check(t, "aws.eks.scale_nodegroup", fmt.Sprintf("{cluster: %s, nodegroup: workers, desired: 8}", cluster), false), "target")
	require.Len(t, fs, 2)
	assert.Contains(t, fs[1], "not ready: ")
	assert.Contains(t, fs[1], "desired (8) <= max (3): raise the max")
	fs = only(e.check(t, "aws.eks.scale_nodegroup", fmt.Sprintf("{cluster: %s, nodegroup: gone, desired: 1}", cluster), false), "target")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], `not ready: `)
	assert.Contains(t, fs[0], `EKS node group "gone"`)
	capacity := only(e.check(t, "aws.eks.scale_nodegroup", fmt.Sprintf("{cluster: %s, nodegroup: workers, desired: 3}", cluster), false), "capacity")
	require.Len(t, capacity, 1, "the nodes are compared with the On-Demand vCPU quota")
}
