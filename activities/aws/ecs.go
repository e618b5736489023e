package aws

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

var ecsServiceInputs = []runbooks.Field{
	reqStr("cluster", "ECS cluster name or ARN"),
	reqStr("service", "ECS service name or ARN"),
}

type serviceDescriber interface {
	DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
}

func describeService(ctx context.Context, c serviceDescriber, cluster, service string) (*ecstypes.Service, error) {
	out, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: awssdk.String(cluster), Services: []string{service}})
	if err != nil {
		return nil, classify(err, "describe ECS service %q in cluster %q", service, cluster)
	}
	if len(out.Services) == 0 || awssdk.ToString(out.Services[0].Status) == "INACTIVE" {
		return nil, notFound("ECS service %q not found in cluster %q", service, cluster)
	}
	return &out.Services[0], nil
}

// serviceStable is the SDK's ServicesStable condition (one deployment, running equals
// desired); a deployment whose rollout FAILED is an error.
func serviceStable(s *ecstypes.Service) (bool, string, error) {
	state := fmt.Sprintf("%d of %d running, %d deployments", s.RunningCount, s.DesiredCount, len(s.Deployments))
	for _, d := range s.Deployments {
		if d.RolloutState == ecstypes.DeploymentRolloutStateFailed {
			return false, state, failed("ECS service %q: deployment %s failed: %s",
				awssdk.ToString(s.ServiceName), awssdk.ToString(d.Id), awssdk.ToString(d.RolloutStateReason))
		}
	}
	return len(s.Deployments) == 1 && s.RunningCount == s.DesiredCount, state, nil
}

func (a *Actions) waitStable(ctx context.Context, c serviceDescriber, cluster, service string) (*ecstypes.Service, error) {
	var last *ecstypes.Service
	_, err := a.poll(ctx, fmt.Sprintf("ECS service %q in cluster %q stable", service, cluster), func(ctx context.Context) (bool, string, error) {
		s, err := describeService(ctx, c, cluster, service)
		if err != nil {
			return false, "", err
		}
		last = s
		return serviceStable(s)
	})
	return last, err
}

// ---- aws.ecs.set_desired_count

type setDesiredCountInput struct {
	Cluster      string `json:"cluster"`
	Service      string `json:"service"`
	DesiredCount int32  `json:"desired_count"`
	Wait         bool   `json:"wait"`
	Scope
}

var ecsSetDesiredCountSpec = newSpec[setDesiredCountInput](runbooks.Kind{
	Name:        "aws.ecs.set_desired_count",
	Description: "Set an ECS service's desired task count and wait until the service is stable. Outputs the previous count for rollback.",
	Inputs: append(append([]runbooks.Field{}, ecsServiceInputs...),
		required(field("desired_count", runbooks.TypeInt, "desired number of tasks")),
		waitInput(true, "the service is stable (one deployment, running = desired)")),
	Outputs: []runbooks.Field{
		field("desired_count", runbooks.TypeInt, "desired count now"),
		field("previous_desired_count", runbooks.TypeInt, "desired count before"),
		field("running_count", runbooks.TypeInt, "running tasks"),
	},
	IAMActions:      []string{"ecs:DescribeServices", "ecs:UpdateService"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(5 * time.Minute),
})

func (in setDesiredCountInput) validate() error {
	if in.DesiredCount < 0 {
		return fmt.Errorf("desired_count %d is negative", in.DesiredCount)
	}
	return nil
}

type desiredCountSetter interface {
	serviceDescriber
	UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
}

// ECSSetDesiredCount carries out aws.ecs.set_desired_count.
func (a *Actions) ECSSetDesiredCount(ctx context.Context, req activities.Request) (activities.Result, error) {
	return ecsSetDesiredCountSpec.run(ctx, req, withClient(a.ecsClient, func(ctx context.Context, req activities.Request, in setDesiredCountInput, c *ecs.Client) (activities.Result, error) {
		return a.setDesiredCount(ctx, c, in)
	}))
}

func (a *Actions) setDesiredCount(ctx context.Context, c desiredCountSetter, in setDesiredCountInput) (activities.Result, error) {
	s, err := describeService(ctx, c, in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	previous := firstAttempt(ctx, s.DesiredCount)
	if s.DesiredCount != in.DesiredCount {
		logChange(ctx, "set ECS desired count", "cluster", in.Cluster, "service", in.Service, "from", s.DesiredCount, "to", in.DesiredCount)
		out, err := c.UpdateService(ctx, &ecs.UpdateServiceInput{
			Cluster:      awssdk.String(in.Cluster),
			Service:      awssdk.String(in.Service),
			DesiredCount: awssdk.Int32(in.DesiredCount),
		})
		if err != nil {
			return nil, classify(err, "set desired count of ECS service %q in cluster %q", in.Service, in.Cluster)
		}
		s = out.Service
	}
	if in.Wait {
		if s, err = a.waitStable(ctx, c, in.Cluster, in.Service); err != nil {
			return nil, err
		}
	}
	return activities.Result{
		"desired_count":          int(in.DesiredCount),
		"previous_desired_count": int(previous),
		"running_count":          int(s.RunningCount),
	}, nil
}

// ---- aws.ecs.wait_stable

type waitStableInput struct {
	Cluster string `json:"cluster"`
	Service string `json:"service"`
	Scope
}

var ecsWaitStableSpec = newSpec[waitStableInput](runbooks.Kind{
	Name:        "aws.ecs.wait_stable",
	Description: "Wait until an ECS service is stable: one deployment and as many running tasks as desired; a failed rollout fails the step.",
	Inputs:      ecsServiceInputs,
	Outputs: []runbooks.Field{
		field("running_count", runbooks.TypeInt, "running tasks"),
		field("desired_count", runbooks.TypeInt, "desired tasks"),
	},
	IAMActions:      []string{"ecs:DescribeServices"},
	DefaultEstimate: estimate(5 * time.Minute),
})

// ECSWaitStable carries out aws.ecs.wait_stable.
func (a *Actions) ECSWaitStable(ctx context.Context, req activities.Request) (activities.Result, error) {
	return ecsWaitStableSpec.run(ctx, req, withClient(a.ecsClient, func(ctx context.Context, req activities.Request, in waitStableInput, c *ecs.Client) (activities.Result, error) {
		s, err := a.waitStable(ctx, c, in.Cluster, in.Service)
		if err != nil {
			return nil, err
		}
		return activities.Result{"running_count": int(s.RunningCount), "desired_count": int(s.DesiredCount)}, nil
	}))
}
