package aws

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.eks.scale_nodegroup

type scaleNodegroupInput struct {
	Cluster   string `json:"cluster"`
	Nodegroup string `json:"nodegroup"`
	sizes
	Wait       bool `json:"wait"`
	MinHealthy *int `json:"min_healthy,omitempty"`
	Scope
}

var eksScaleNodegroupSpec = newSpec[scaleNodegroupInput](runbooks.Kind{
	Name: "aws.eks.scale_nodegroup",
	Description: "Set an EKS managed node group's desired, min and max size (those given; UpdateNodegroupConfig) in the step's " +
		"region, and wait until the node group is ACTIVE with its new scaling configuration; with min_healthy, also until that " +
		"many of its nodes are InService and Healthy in the node group's Auto Scaling groups. Outputs the previous sizes for " +
		"rollback. A node group already at the sizes asked is success.",
	Inputs: append([]runbooks.Field{
		reqStr("cluster", "EKS cluster name"),
		reqStr("nodegroup", "managed node group name"),
		waitInput(true, "the node group is ACTIVE at its new size"),
		field("min_healthy", runbooks.TypeInt, "healthy InService nodes to wait for as well (default: none)"),
	}, sizeInputs...),
	Outputs: append([]runbooks.Field{
		field("status", runbooks.TypeString, "node group status"),
		field("healthy", runbooks.TypeInt, "healthy InService nodes (with min_healthy)"),
	}, sizeOutputs...),
	IAMActions:      []string{"eks:DescribeNodegroup", "eks:UpdateNodegroupConfig", "autoscaling:DescribeAutoScalingGroups"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(10 * time.Minute),
})

type nodegroupScaler interface {
	nodegroupDescriber
	UpdateNodegroupConfig(context.Context, *eks.UpdateNodegroupConfigInput, ...func(*eks.Options)) (*eks.UpdateNodegroupConfigOutput, error)
}

type nodegroupDescriber interface {
	DescribeNodegroup(context.Context, *eks.DescribeNodegroupInput, ...func(*eks.Options)) (*eks.DescribeNodegroupOutput, error)
}

// EKSScaleNodegroup carries out aws.eks.scale_nodegroup.
func (a *Actions) EKSScaleNodegroup(ctx context.Context, req activities.Request) (activities.Result, error) {
	return eksScaleNodegroupSpec.run(ctx, req, withClient(a.eksClient, func(ctx context.Context, req activities.Request, in scaleNodegroupInput, c *eks.Client) (activities.Result, error) {
		return a.scaleNodegroup(ctx, c, in)
	}))
}

func describeNodegroup(ctx context.Context, c nodegroupDescriber, cluster, name string) (*ekstypes.Nodegroup, error) {
	out, err := c.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: awssdk.String(cluster), NodegroupName: awssdk.String(name)})
	if err != nil {
		return nil, classify(err, "describe EKS node group %q of cluster %q", name, cluster)
	}
	return out.Nodegroup, nil
}

func nodegroupSize(ng *ekstypes.Nodegroup) capacity {
	s := ng.ScalingConfig
	if s == nil {
		return capacity{}
	}
	return capacity{awssdk.ToInt32(s.DesiredSize), awssdk.ToInt32(s.MinSize), awssdk.ToInt32(s.MaxSize)}
}

func (a *Actions) scaleNodegroup(ctx context.Context, c nodegroupScaler, in scaleNodegroupInput) (activities.Result, error) {
	what := fmt.Sprintf("scale EKS node group %q of cluster %q", in.Nodegroup, in.Cluster)
	ng, err := describeNodegroup(ctx, c, in.Cluster, in.Nodegroup)
	if err != nil {
		return nil, err
	}
	now := nodegroupSize(ng)
	before := firstAttempt(ctx, now)
	want, err := now.with(in.sizes, what)
	if err != nil {
		return nil, err
	}
	if want.Max < 1 {
		return nil, invalid("%s: max must be at least 1 (UpdateNodegroupConfig, NodegroupScalingConfig.maxSize); to stop every node set desired and min to 0", what)
	}
	if want != now {
		logChange(ctx, "scale EKS node group", "cluster", in.Cluster, "nodegroup", in.Nodegroup, "from", now, "to", want)
		// An update in progress answers ResourceInUseException, which is retried: the
		// next attempt reads the sizes again.
		// https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateNodegroupConfig.html
		_, err := c.UpdateNodegroupConfig(ctx, &eks.UpdateNodegroupConfigInput{
			ClusterName:   awssdk.String(in.Cluster),
			NodegroupName: awssdk.String(in.Nodegroup),
			ScalingConfig: &ekstypes.NodegroupScalingConfig{DesiredSize: awssdk.Int32(want.Desired),
				MinSize: awssdk.Int32(want.Min), MaxSize: awssdk.Int32(want.Max)},
		})
		if err != nil {
			return nil, classify(err, "%s", what)
		}
	}
	r := want.result(before)
	r["status"], r["healthy"] = string(ng.Status), 0
	if !in.Wait {
		return r, nil
	}
	if _, err := a.poll(ctx, what, func(ctx context.Context) (bool, string, error) {
		got, err := describeNodegroup(ctx, c, in.Cluster, in.Nodegroup)
		if err != nil {
			return false, "", err
		}
		switch got.Status {
		case ekstypes.NodegroupStatusDegraded, ekstypes.NodegroupStatusCreateFailed, ekstypes.NodegroupStatusDeleting:
			return false, "", activities.NonRetryable(activities.ErrFailed, fmt.Errorf("%s: the node group is %s%s", what, got.Status, healthIssues(got)))
		}
		ng = got
		return got.Status == ekstypes.NodegroupStatusActive && nodegroupSize(got) == want, string(got.Status), nil
	}); err != nil {
		return nil, err
	}
	r["status"] = string(ng.Status)
	if in.MinHealthy == nil || *in.MinHealthy == 0 {
		return r, nil
	}
	ac, err := a.autoscalingClient(ctx, in.Scope)
	if err != nil {
		return nil, err
	}
	healthy, err := a.waitNodes(ctx, ac, ng, *in.MinHealthy)
	r["healthy"] = healthy
	return r, err
}

// healthIssues is the node group's health issues, for an error.
func healthIssues(ng *ekstypes.Nodegroup) string {
	if ng.Health == nil || len(ng.Health.Issues) == 0 {
		return ""
	}
	i := ng.Health.Issues[0]
	return fmt.Sprintf(": %s: %s", i.Code, awssdk.ToString(i.Message))
}

// waitNodes polls the node group's Auto Scaling groups until count of their instances
// are InService and Healthy.
func (a *Actions) waitNodes(ctx context.Context, c groupDescriber, ng *ekstypes.Nodegroup, count int) (int, error) {
	var groups []string
	if ng.Resources != nil {
		for _, g := range ng.Resources.AutoScalingGroups {
			groups = append(groups, awssdk.ToString(g.Name))
		}
	}
	if len(groups) == 0 {
		return 0, notFound("EKS node group %q has no Auto Scaling group to count nodes in", awssdk.ToString(ng.NodegroupName))
	}
	healthy := 0
	_, err := a.poll(ctx, fmt.Sprintf("%d healthy nodes in EKS node group %q", count, awssdk.ToString(ng.NodegroupName)),
		func(ctx context.Context) (bool, string, error) {
			out, err := c.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: groups})
			if err != nil {
				return false, "", classify(err, "describe the Auto Scaling groups of EKS node group %q", awssdk.ToString(ng.NodegroupName))
			}
			healthy = 0
			for i := range out.AutoScalingGroups {
				healthy += healthyInService(&out.AutoScalingGroups[i])
			}
			return healthy >= count, fmt.Sprintf("%d of %d healthy", healthy, count), nil
		})
	return healthy, err
}
