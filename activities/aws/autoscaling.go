package aws

import (
	"context"
	"errors"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

type groupDescriber interface {
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
}

func describeGroup(ctx context.Context, c groupDescriber, name string) (*astypes.AutoScalingGroup, error) {
	out, err := c.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return nil, classify(err, "describe Auto Scaling group %q", name)
	}
	if len(out.AutoScalingGroups) == 0 {
		return nil, notFound("Auto Scaling group %q not found", name)
	}
	return &out.AutoScalingGroups[0], nil
}

// healthyInService counts the group's instances that are InService and Healthy.
func healthyInService(g *astypes.AutoScalingGroup) int {
	n := 0
	for _, i := range g.Instances {
		if i.LifecycleState == astypes.LifecycleStateInService && awssdk.ToString(i.HealthStatus) == "Healthy" {
			n++
		}
	}
	return n
}

// waitHealthy polls until the group has at least count healthy InService instances.
func (a *Actions) waitHealthy(ctx context.Context, c groupDescriber, name string, count int) (int, error) {
	healthy := 0
	_, err := a.poll(ctx, fmt.Sprintf("%d healthy InService instances in Auto Scaling group %q", count, name),
		func(ctx context.Context) (bool, string, error) {
			g, err := describeGroup(ctx, c, name)
			if err != nil {
				return false, "", err
			}
			healthy = healthyInService(g)
			return healthy >= count, fmt.Sprintf("%d of %d healthy", healthy, count), nil
		})
	return healthy, err
}

// ---- aws.autoscaling.set_capacity

type setCapacityInput struct {
	GroupName string `json:"group"`
	sizes
	Wait       bool `json:"wait"`
	MinHealthy *int `json:"min_healthy,omitempty"`
	Scope
}

var autoscalingSetCapacitySpec = newSpec[setCapacityInput](runbooks.Kind{
	Name: "aws.autoscaling.set_capacity",
	Description: "Set an Auto Scaling group's desired, min and max capacity (those given) and optionally wait for healthy InService instances. " +
		"Outputs the previous values for rollback.",
	Inputs: append([]runbooks.Field{
		reqStr("group", "Auto Scaling group name"),
		waitInput(false, "min_healthy instances are InService and Healthy"),
		field("min_healthy", runbooks.TypeInt, "healthy InService instances to wait for (default: the desired capacity)"),
	}, sizeInputs...),
	Outputs: append([]runbooks.Field{
		field("healthy", runbooks.TypeInt, "healthy InService instances (when waiting)"),
	}, sizeOutputs...),
	IAMActions:      []string{"autoscaling:DescribeAutoScalingGroups", "autoscaling:UpdateAutoScalingGroup"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(5 * time.Minute),
})

type capacitySetter interface {
	groupDescriber
	UpdateAutoScalingGroup(context.Context, *autoscaling.UpdateAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error)
}

// sizeInputs and sizeOutputs are the sizes a scaling kind sets, and had before (for its
// rollback).
var (
	sizeInputs = []runbooks.Field{
		field("desired", runbooks.TypeInt, "desired size"),
		field("min", runbooks.TypeInt, "minimum size"),
		field("max", runbooks.TypeInt, "maximum size"),
	}
	sizeOutputs = []runbooks.Field{
		field("desired", runbooks.TypeInt, "desired size now"),
		field("min", runbooks.TypeInt, "minimum size now"),
		field("max", runbooks.TypeInt, "maximum size now"),
		field("previous_desired", runbooks.TypeInt, "desired size before"),
		field("previous_min", runbooks.TypeInt, "minimum size before"),
		field("previous_max", runbooks.TypeInt, "maximum size before"),
	}
)

// sizes are the sizes a scaling step is given (sizeInputs); those not given stay.
type sizes struct {
	Desired *int32 `json:"desired,omitempty"`
	Min     *int32 `json:"min,omitempty"`
	Max     *int32 `json:"max,omitempty"`
}

// validate refuses a scaling step given no size.
func (s sizes) validate() error {
	if s.Desired == nil && s.Min == nil && s.Max == nil {
		return errors.New("give desired, min or max")
	}
	return nil
}

// capacity is a group's sizes; a scaling step records the first attempt's in its heartbeat.
type capacity struct{ Desired, Min, Max int32 }

// with is c changed to the sizes given, refused unless 0 <= min <= desired <= max (AWS
// refuses the rest: UpdateAutoScalingGroup, UpdateNodegroupConfig).
func (c capacity) with(s sizes, what string) (capacity, error) {
	if s.Desired != nil {
		c.Desired = *s.Desired
	}
	if s.Min != nil {
		c.Min = *s.Min
	}
	if s.Max != nil {
		c.Max = *s.Max
	}
	if c.Min < 0 || c.Min > c.Desired || c.Desired > c.Max {
		return c, invalid("%s: need 0 <= min (%d) <= desired (%d) <= max (%d)", what, c.Min, c.Desired, c.Max)
	}
	return c, nil
}

// result is the step's outputs: the sizes now and before.
func (c capacity) result(before capacity) activities.Result {
	return activities.Result{"desired": int(c.Desired), "min": int(c.Min), "max": int(c.Max),
		"previous_desired": int(before.Desired), "previous_min": int(before.Min), "previous_max": int(before.Max)}
}

// AutoscalingSetCapacity carries out aws.autoscaling.set_capacity.
func (a *Actions) AutoscalingSetCapacity(ctx context.Context, req activities.Request) (activities.Result, error) {
	return autoscalingSetCapacitySpec.run(ctx, req, withClient(a.autoscalingClient, func(ctx context.Context, req activities.Request, in setCapacityInput, c *autoscaling.Client) (activities.Result, error) {
		return a.setCapacity(ctx, c, in)
	}))
}

func (a *Actions) setCapacity(ctx context.Context, c capacitySetter, in setCapacityInput) (activities.Result, error) {
	g, err := describeGroup(ctx, c, in.GroupName)
	if err != nil {
		return nil, err
	}
	now := capacity{awssdk.ToInt32(g.DesiredCapacity), awssdk.ToInt32(g.MinSize), awssdk.ToInt32(g.MaxSize)}
	before := firstAttempt(ctx, now)
	want, err := now.with(in.sizes, fmt.Sprintf("set capacity of Auto Scaling group %q", in.GroupName))
	if err != nil {
		return nil, err
	}
	if want != now {
		logChange(ctx, "set Auto Scaling group capacity", "group", in.GroupName, "from", now, "to", want)
		if _, err := c.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
			AutoScalingGroupName: awssdk.String(in.GroupName),
			DesiredCapacity:      awssdk.Int32(want.Desired),
			MinSize:              awssdk.Int32(want.Min),
			MaxSize:              awssdk.Int32(want.Max),
		}); err != nil {
			return nil, classify(err, "set capacity of Auto Scaling group %q", in.GroupName)
		}
	}
	healthy := healthyInService(g)
	if in.Wait {
		count := int(want.Desired)
		if in.MinHealthy != nil {
			count = *in.MinHealthy
		}
		if healthy, err = a.waitHealthy(ctx, c, in.GroupName, count); err != nil {
			return nil, err
		}
	}
	r := want.result(before)
	r["healthy"] = healthy
	return r, nil
}

// ---- aws.autoscaling.wait_healthy

type waitHealthyInput struct {
	GroupName  string `json:"group"`
	MinHealthy *int   `json:"min_healthy,omitempty"`
	Scope
}

var autoscalingWaitHealthySpec = newSpec[waitHealthyInput](runbooks.Kind{
	Name:        "aws.autoscaling.wait_healthy",
	Description: "Wait until an Auto Scaling group has at least min_healthy (default: its desired capacity) InService and Healthy instances.",
	Inputs: []runbooks.Field{
		reqStr("group", "Auto Scaling group name"),
		field("min_healthy", runbooks.TypeInt, "healthy InService instances to wait for (default: the desired capacity)"),
	},
	Outputs: []runbooks.Field{
		field("healthy", runbooks.TypeInt, "healthy InService instances"),
	},
	IAMActions:      []string{"autoscaling:DescribeAutoScalingGroups"},
	DefaultEstimate: estimate(5 * time.Minute),
})

// AutoscalingWaitHealthy carries out aws.autoscaling.wait_healthy.
func (a *Actions) AutoscalingWaitHealthy(ctx context.Context, req activities.Request) (activities.Result, error) {
	return autoscalingWaitHealthySpec.run(ctx, req, withClient(a.autoscalingClient, func(ctx context.Context, req activities.Request, in waitHealthyInput, c *autoscaling.Client) (activities.Result, error) {
		count := 0
		if in.MinHealthy != nil {
			count = *in.MinHealthy
		} else {
			g, err := describeGroup(ctx, c, in.GroupName)
			if err != nil {
				return nil, err
			}
			count = int(awssdk.ToInt32(g.DesiredCapacity))
		}
		healthy, err := a.waitHealthy(ctx, c, in.GroupName, count)
		if err != nil {
			return nil, err
		}
		return activities.Result{"healthy": healthy}, nil
	}))
}
