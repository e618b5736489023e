package aws

import (
	"context"
	"errors"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.appautoscaling.set_scalable_target

// An ECS service (or another resource) under Application Auto Scaling is kept between its
// scalable target's minimum and maximum: "Application Auto Scaling scaling policies will
// not scale capacity to values that are outside of the minimum and maximum range", and
// registering a range "changes the resource's current capacity to a value that is inside
// of this range" (RegisterScalableTarget,
// https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html).
// A recovery that scales a service past its maximum sees the next scaling activity take
// it back; one that leaves the minimum at the pilot light's sees scale-in undo it. This
// kind moves the range first. RegisterScalableTarget on a registered target updates it:
// "Any parameters that you don't specify are not changed"; the kind sends min, max and
// the whole SuspendedState, so nothing depends on how AWS merges a partial one.

type scalableTargetInput struct {
	Namespace        string `json:"service_namespace"`
	ResourceID       string `json:"resource_id"`
	Dimension        string `json:"scalable_dimension"`
	Min              *int32 `json:"min,omitempty"`
	Max              *int32 `json:"max,omitempty"`
	OnlyRaise        bool   `json:"only_raise"`
	SuspendScaleIn   *bool  `json:"suspend_scale_in,omitempty"`
	SuspendScaleOut  *bool  `json:"suspend_scale_out,omitempty"`
	SuspendScheduled *bool  `json:"suspend_scheduled,omitempty"`
	Scope
}

var appAutoscalingSetScalableTargetSpec = newSpec[scalableTargetInput](runbooks.Kind{
	Name: "aws.appautoscaling.set_scalable_target",
	Description: "Set an Application Auto Scaling scalable target's minimum and maximum capacity (those given) and suspend or " +
		"resume its scaling (RegisterScalableTarget on a registered target, in the step's region), so that a recovery's " +
		"scale-up (aws.ecs.set_desired_count) is not clamped back by the target's range or undone by scale-in. With " +
		"only_raise, min and max only ever grow (a service already above them keeps its range). The target must be " +
		"registered. Outputs the previous range and suspended state for rollback.",
	Inputs: []runbooks.Field{
		withDefault(optStr("service_namespace", "the service of the resource (ecs, dynamodb, lambda, ...)"), "ecs"),
		reqStr("resource_id", "the scalable target's resource id, for an ECS service service/CLUSTER/SERVICE"),
		withDefault(optStr("scalable_dimension", "the scalable dimension"), "ecs:service:DesiredCount"),
		field("min", runbooks.TypeInt, "minimum capacity"),
		field("max", runbooks.TypeInt, "maximum capacity"),
		withDefault(field("only_raise", runbooks.TypeBool, "never lower min or max: each becomes the larger of its value now and the one given"), false),
		field("suspend_scale_in", runbooks.TypeBool, "suspend (true) or resume (false) dynamic scale-in; unchanged when not given"),
		field("suspend_scale_out", runbooks.TypeBool, "suspend (true) or resume (false) dynamic scale-out; unchanged when not given"),
		field("suspend_scheduled", runbooks.TypeBool, "suspend (true) or resume (false) scheduled scaling; unchanged when not given"),
	},
	Outputs: []runbooks.Field{
		field("min", runbooks.TypeInt, "minimum capacity now"),
		field("max", runbooks.TypeInt, "maximum capacity now"),
		field("previous_min", runbooks.TypeInt, "minimum capacity before"),
		field("previous_max", runbooks.TypeInt, "maximum capacity before"),
		field("previous_suspend_scale_in", runbooks.TypeBool, "whether dynamic scale-in was suspended before"),
		field("previous_suspend_scale_out", runbooks.TypeBool, "whether dynamic scale-out was suspended before"),
		field("previous_suspend_scheduled", runbooks.TypeBool, "whether scheduled scaling was suspended before"),
		field("changed", runbooks.TypeBool, "false when the target already had the range and state asked for"),
	},
	IAMActions:      []string{"application-autoscaling:DescribeScalableTargets", "application-autoscaling:RegisterScalableTarget"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(10 * time.Second),
})

func (in scalableTargetInput) validate() error {
	if in.Min == nil && in.Max == nil && in.SuspendScaleIn == nil && in.SuspendScaleOut == nil && in.SuspendScheduled == nil {
		return errors.New("give min, max or a suspend_* input")
	}
	return nil
}

type scalableTargetSetter interface {
	DescribeScalableTargets(context.Context, *applicationautoscaling.DescribeScalableTargetsInput, ...func(*applicationautoscaling.Options)) (*applicationautoscaling.DescribeScalableTargetsOutput, error)
	RegisterScalableTarget(context.Context, *applicationautoscaling.RegisterScalableTargetInput, ...func(*applicationautoscaling.Options)) (*applicationautoscaling.RegisterScalableTargetOutput, error)
}

// scalableRange is a scalable target's range and suspended state; the step records the
// first attempt's in its heartbeat, so a retry reports the range before the step.
type scalableRange struct {
	Min, Max                                int32
	SuspendIn, SuspendOut, SuspendScheduled bool
}

func rangeOf(t *aastypes.ScalableTarget) scalableRange {
	r := scalableRange{Min: awssdk.ToInt32(t.MinCapacity), Max: awssdk.ToInt32(t.MaxCapacity)}
	if s := t.SuspendedState; s != nil {
		r.SuspendIn, r.SuspendOut, r.SuspendScheduled = awssdk.ToBool(s.DynamicScalingInSuspended),
			awssdk.ToBool(s.DynamicScalingOutSuspended), awssdk.ToBool(s.ScheduledScalingSuspended)
	}
	return r
}

// with is r changed as in asks, refused unless 0 <= min <= max.
func (r scalableRange) with(in scalableTargetInput, what string) (scalableRange, error) {
	set := func(now int32, given *int32) int32 {
		switch {
		case given == nil:
			return now
		case in.OnlyRaise && now > *given:
			return now
		}
		return *given
	}
	r.Min, r.Max = set(r.Min, in.Min), set(r.Max, in.Max)
	for _, s := range []struct {
		to   *bool
		from *bool
	}{{&r.SuspendIn, in.SuspendScaleIn}, {&r.SuspendOut, in.SuspendScaleOut}, {&r.SuspendScheduled, in.SuspendScheduled}} {
		if s.from != nil {
			*s.to = *s.from
		}
	}
	if r.Min < 0 || r.Min > r.Max {
		return r, invalid("%s: need 0 <= min (%d) <= max (%d)", what, r.Min, r.Max)
	}
	return r, nil
}

// describeScalableTarget reads one scalable target; nil when it is not registered.
func describeScalableTarget(ctx context.Context, c scalableTargetSetter, in scalableTargetInput) (*aastypes.ScalableTarget, error) {
	out, err := c.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace:  aastypes.ServiceNamespace(in.Namespace),
		ResourceIds:       []string{in.ResourceID},
		ScalableDimension: aastypes.ScalableDimension(in.Dimension),
	})
	if err != nil {
		return nil, classify(err, "describe scalable target %q (%s)", in.ResourceID, in.Dimension)
	}
	for i := range out.ScalableTargets {
		t := &out.ScalableTargets[i]
		if awssdk.ToString(t.ResourceId) == in.ResourceID && string(t.ScalableDimension) == in.Dimension {
			return t, nil
		}
	}
	return nil, nil
}

// AppAutoscalingSetScalableTarget carries out aws.appautoscaling.set_scalable_target.
func (a *Actions) AppAutoscalingSetScalableTarget(ctx context.Context, req activities.Request) (activities.Result, error) {
	return appAutoscalingSetScalableTargetSpec.run(ctx, req, withClient(a.appAutoscalingClient, func(ctx context.Context, req activities.Request, in scalableTargetInput, c *applicationautoscaling.Client) (activities.Result, error) {
		return a.setScalableTarget(ctx, c, in)
	}))
}

func (a *Actions) setScalableTarget(ctx context.Context, c scalableTargetSetter, in scalableTargetInput) (activities.Result, error) {
	what := fmt.Sprintf("set scalable target %q (%s)", in.ResourceID, in.Dimension)
	t, err := describeScalableTarget(ctx, c, in)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, notFound("%s: no scalable target is registered for it in Application Auto Scaling (%s); register one, or leave the step out for a resource without auto scaling",
			what, in.Namespace)
	}
	now := rangeOf(t)
	before := firstAttempt(ctx, now)
	want, err := now.with(in, what)
	if err != nil {
		return nil, err
	}
	if want != now {
		logChange(ctx, "set Application Auto Scaling scalable target", "resource", in.ResourceID, "dimension", in.Dimension,
			"from", now, "to", want)
		if _, err := c.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
			ServiceNamespace:  aastypes.ServiceNamespace(in.Namespace),
			ResourceId:        awssdk.String(in.ResourceID),
			ScalableDimension: aastypes.ScalableDimension(in.Dimension),
			MinCapacity:       awssdk.Int32(want.Min),
			MaxCapacity:       awssdk.Int32(want.Max),
			SuspendedState: &aastypes.SuspendedState{
				DynamicScalingInSuspended:  awssdk.Bool(want.SuspendIn),
				DynamicScalingOutSuspended: awssdk.Bool(want.SuspendOut),
				ScheduledScalingSuspended:  awssdk.Bool(want.SuspendScheduled),
			},
		}); err != nil {
			return nil, classify(err, "%s", what)
		}
	}
	return activities.Result{
		"min": int(want.Min), "max": int(want.Max),
		"previous_min": int(before.Min), "previous_max": int(before.Max),
		"previous_suspend_scale_in": before.SuspendIn, "previous_suspend_scale_out": before.SuspendOut,
		"previous_suspend_scheduled": before.SuspendScheduled,
		"changed":                    want != before,
	}, nil
}
