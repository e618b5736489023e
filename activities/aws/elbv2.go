package aws

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

type targetHealthReader interface {
	DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
}

// targetHealth is a target group's registered targets and how many are healthy.
type targetHealth struct {
	healthy int
	targets []any
}

func readTargetHealth(ctx context.Context, c targetHealthReader, arn string) (targetHealth, error) {
	out, err := c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: awssdk.String(arn)})
	if err != nil {
		return targetHealth{}, classify(err, "describe target health of target group %q", arn)
	}
	var th targetHealth
	for _, d := range out.TargetHealthDescriptions {
		t := map[string]any{"id": "", "port": 0, "state": "", "reason": ""}
		if d.Target != nil {
			t["id"], t["port"] = awssdk.ToString(d.Target.Id), int(awssdk.ToInt32(d.Target.Port))
		}
		if d.TargetHealth != nil {
			t["state"], t["reason"] = string(d.TargetHealth.State), string(d.TargetHealth.Reason)
			if d.TargetHealth.State == elbv2types.TargetHealthStateEnumHealthy {
				th.healthy++
			}
		}
		th.targets = append(th.targets, t)
	}
	return th, nil
}

var targetHealthOutputs = []runbooks.Field{
	field("healthy", runbooks.TypeInt, "healthy targets"),
	field("total", runbooks.TypeInt, "registered targets"),
	field("targets", runbooks.TypeList, "each target: {id, port, state, reason}"),
}

func (th targetHealth) result() activities.Result {
	targets := th.targets
	if targets == nil {
		targets = []any{}
	}
	return activities.Result{"healthy": th.healthy, "total": len(th.targets), "targets": targets}
}

// ---- aws.elbv2.target_health

type targetHealthInput struct {
	TargetGroupARN string `json:"target_group_arn"`
	MinHealthy     *int   `json:"min_healthy,omitempty"`
	Scope
}

var elbv2TargetHealthSpec = newSpec[targetHealthInput](runbooks.Kind{
	Name:        "aws.elbv2.target_health",
	Description: "Read the health of a load balancer target group's targets; with min_healthy, fail when fewer are healthy.",
	Inputs: []runbooks.Field{
		reqStr("target_group_arn", "target group ARN"),
		field("min_healthy", runbooks.TypeInt, "fail the step when fewer targets are healthy"),
	},
	Outputs:         targetHealthOutputs,
	IAMActions:      []string{"elasticloadbalancing:DescribeTargetHealth"},
	DefaultEstimate: estimate(2 * time.Second),
})

// ELBv2TargetHealth carries out aws.elbv2.target_health.
func (a *Actions) ELBv2TargetHealth(ctx context.Context, req activities.Request) (activities.Result, error) {
	return elbv2TargetHealthSpec.run(ctx, req, withClient(a.elbv2Client, func(ctx context.Context, req activities.Request, in targetHealthInput, c *elbv2.Client) (activities.Result, error) {
		th, err := readTargetHealth(ctx, c, in.TargetGroupARN)
		if err != nil {
			return nil, err
		}
		if in.MinHealthy != nil && th.healthy < *in.MinHealthy {
			return nil, failed("target group %q has %d healthy targets of %d, want at least %d",
				in.TargetGroupARN, th.healthy, len(th.targets), *in.MinHealthy)
		}
		return th.result(), nil
	}))
}

// ---- aws.elbv2.wait_healthy_targets

type waitHealthyTargetsInput struct {
	TargetGroupARN string `json:"target_group_arn"`
	Count          *int   `json:"count,omitempty"`
	Scope
}

var elbv2WaitHealthyTargetsSpec = newSpec[waitHealthyTargetsInput](runbooks.Kind{
	Name:        "aws.elbv2.wait_healthy_targets",
	Description: "Wait until a target group has at least count healthy targets (default: every registered target, and at least one).",
	Inputs: []runbooks.Field{
		reqStr("target_group_arn", "target group ARN"),
		field("count", runbooks.TypeInt, "healthy targets to wait for"),
	},
	Outputs:         targetHealthOutputs,
	IAMActions:      []string{"elasticloadbalancing:DescribeTargetHealth"},
	DefaultEstimate: estimate(3 * time.Minute),
})

// ELBv2WaitHealthyTargets carries out aws.elbv2.wait_healthy_targets.
func (a *Actions) ELBv2WaitHealthyTargets(ctx context.Context, req activities.Request) (activities.Result, error) {
	return elbv2WaitHealthyTargetsSpec.run(ctx, req, withClient(a.elbv2Client, func(ctx context.Context, req activities.Request, in waitHealthyTargetsInput, c *elbv2.Client) (activities.Result, error) {
		th, err := a.waitHealthyTargets(ctx, c, in.TargetGroupARN, in.Count)
		if err != nil {
			return nil, err
		}
		return th.result(), nil
	}))
}

func (a *Actions) waitHealthyTargets(ctx context.Context, c targetHealthReader, arn string, count *int) (targetHealth, error) {
	want := "all targets"
	if count != nil {
		want = fmt.Sprintf("%d targets", *count)
	}
	var th targetHealth
	_, err := a.poll(ctx, fmt.Sprintf("%s healthy in target group %q", want, arn), func(ctx context.Context) (bool, string, error) {
		var err error
		if th, err = readTargetHealth(ctx, c, arn); err != nil {
			return false, "", err
		}
		need := len(th.targets)
		if count != nil {
			need = *count
		}
		return th.healthy >= max(need, 1), fmt.Sprintf("%d of %d healthy", th.healthy, len(th.targets)), nil
	})
	return th, err
}
