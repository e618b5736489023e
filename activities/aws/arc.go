package aws

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	arc "github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	arctypes "github.com/aws/aws-sdk-go-v2/service/route53recoverycluster/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// clusterEndpoint is one of an ARC cluster's regional endpoints. Routing-control state is
// read and changed through any of them; AWS advises trying them in turn.
type clusterEndpoint struct {
	Endpoint string `json:"endpoint"`
	Region   string `json:"region"`
}

var arcInputs = []runbooks.Field{
	reqStr("routing_control_arn", "routing control ARN"),
	required(field("cluster_endpoints", runbooks.TypeList,
		"the ARC cluster's endpoints: [{endpoint: https://....route53-recovery-cluster.REGION.amazonaws.com/v1, region: REGION}, ...]")),
}

// routingControls is what the ARC actions use of one cluster endpoint.
type routingControls interface {
	GetRoutingControlState(context.Context, *arc.GetRoutingControlStateInput, ...func(*arc.Options)) (*arc.GetRoutingControlStateOutput, error)
	UpdateRoutingControlState(context.Context, *arc.UpdateRoutingControlStateInput, ...func(*arc.Options)) (*arc.UpdateRoutingControlStateOutput, error)
}

func (a *Actions) arcClient(ctx context.Context, s Scope, ep clusterEndpoint) (routingControls, error) {
	if ep.Region != "" {
		s.Region = ep.Region
	}
	return client(ctx, a, "arc "+ep.Endpoint, s, func(c awssdk.Config) routingControls {
		return arc.NewFromConfig(c, func(o *arc.Options) {
			o.BaseEndpoint = awssdk.String(ep.Endpoint)
			// one attempt per endpoint: the next endpoint is the retry (AWS's advice),
			// rather than backing off on one that may be in the failed region
			o.RetryMaxAttempts = 1
		})
	})
}

// onAnyEndpoint calls fn with a client for each endpoint, in random order, until one
// answers. Errors that another endpoint cannot fix (not found, denied, invalid) end it.
func (a *Actions) onAnyEndpoint(ctx context.Context, s Scope, eps []clusterEndpoint, what string,
	fn func(routingControls) error) error {
	if len(eps) == 0 {
		return invalid("%s: cluster_endpoints is empty", what)
	}
	var errs []error
	for _, i := range rand.Perm(len(eps)) {
		c, err := a.arcClient(ctx, s, eps[i])
		if err != nil {
			return err
		}
		err = fn(c)
		if err == nil {
			return nil
		}
		if errorType(err) != "" || ctx.Err() != nil {
			return classify(err, "%s", what)
		}
		errs = append(errs, fmt.Errorf("endpoint %s: %w", eps[i].Endpoint, err))
	}
	return fmt.Errorf("%s: no cluster endpoint answered: %w", what, errors.Join(errs...))
}

// ---- aws.arc.get_routing_control

type getRoutingControlInput struct {
	RoutingControlARN string            `json:"routing_control_arn"`
	ClusterEndpoints  []clusterEndpoint `json:"cluster_endpoints"`
	Scope
}

var arcGetRoutingControlSpec = newSpec[getRoutingControlInput](runbooks.Kind{
	Name:        "aws.arc.get_routing_control",
	Description: "Read a Route 53 Application Recovery Controller routing control's state (On or Off) from the cluster's endpoints.",
	Inputs:      arcInputs,
	Outputs: []runbooks.Field{
		field("state", runbooks.TypeString, "On or Off"),
		field("name", runbooks.TypeString, "routing control name"),
	},
	IAMActions:      []string{"route53-recovery-cluster:GetRoutingControlState"},
	DefaultEstimate: estimate(2 * time.Second),
})

// ARCGetRoutingControl carries out aws.arc.get_routing_control.
func (a *Actions) ARCGetRoutingControl(ctx context.Context, req activities.Request) (activities.Result, error) {
	return arcGetRoutingControlSpec.run(ctx, req, func(ctx context.Context, req activities.Request, in getRoutingControlInput) (activities.Result, error) {
		out, err := a.routingControlState(ctx, in.Scope, in.ClusterEndpoints, in.RoutingControlARN)
		if err != nil {
			return nil, err
		}
		return activities.Result{"state": string(out.RoutingControlState), "name": awssdk.ToString(out.RoutingControlName)}, nil
	})
}

func (a *Actions) routingControlState(ctx context.Context, s Scope, eps []clusterEndpoint, arn string) (*arc.GetRoutingControlStateOutput, error) {
	var out *arc.GetRoutingControlStateOutput
	err := a.onAnyEndpoint(ctx, s, eps, fmt.Sprintf("get routing control %q", arn), func(c routingControls) error {
		var err error
		out, err = c.GetRoutingControlState(ctx, &arc.GetRoutingControlStateInput{RoutingControlArn: awssdk.String(arn)})
		return err
	})
	return out, err
}

// ---- aws.arc.set_routing_control

type setRoutingControlInput struct {
	RoutingControlARN     string            `json:"routing_control_arn"`
	ClusterEndpoints      []clusterEndpoint `json:"cluster_endpoints"`
	State                 string            `json:"state"`
	SafetyRulesToOverride []string          `json:"safety_rules_to_override,omitempty"`
	Scope
}

var arcSetRoutingControlSpec = newSpec[setRoutingControlInput](runbooks.Kind{
	Name:        "aws.arc.set_routing_control",
	Description: "Set a Route 53 ARC routing control On or Off (nothing is done when it already is). Outputs the previous state for rollback.",
	Inputs: append(arcInputs,
		allowed(reqStr("state", "the state to set"), "On", "Off"),
		field("safety_rules_to_override", runbooks.TypeList, "ARNs of safety rules to bypass (break-glass)"),
	),
	Outputs: []runbooks.Field{
		field("state", runbooks.TypeString, "the state now"),
		field("previous_state", runbooks.TypeString, "the state before"),
		field("changed", runbooks.TypeBool, "false when the control was already in the state"),
	},
	IAMActions:      []string{"route53-recovery-cluster:GetRoutingControlState", "route53-recovery-cluster:UpdateRoutingControlState"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(5 * time.Second),
})

// ARCSetRoutingControl carries out aws.arc.set_routing_control.
func (a *Actions) ARCSetRoutingControl(ctx context.Context, req activities.Request) (activities.Result, error) {
	return arcSetRoutingControlSpec.run(ctx, req, func(ctx context.Context, req activities.Request, in setRoutingControlInput) (activities.Result, error) {
		var previous string
		if !loadProgress(ctx, &previous) {
			cur, err := a.routingControlState(ctx, in.Scope, in.ClusterEndpoints, in.RoutingControlARN)
			if err != nil {
				return nil, err
			}
			previous = string(cur.RoutingControlState)
			saveProgress(ctx, previous)
		}
		if previous == in.State {
			return activities.Result{"state": in.State, "previous_state": previous, "changed": false}, nil
		}
		logChange(ctx, "set ARC routing control", "arn", in.RoutingControlARN, "from", previous, "to", in.State)
		err := a.onAnyEndpoint(ctx, in.Scope, in.ClusterEndpoints, fmt.Sprintf("set routing control %q to %s", in.RoutingControlARN, in.State),
			func(c routingControls) error {
				_, err := c.UpdateRoutingControlState(ctx, &arc.UpdateRoutingControlStateInput{
					RoutingControlArn:     awssdk.String(in.RoutingControlARN),
					RoutingControlState:   arctypes.RoutingControlState(in.State),
					SafetyRulesToOverride: in.SafetyRulesToOverride,
				})
				return err
			})
		if err != nil {
			return nil, err
		}
		return activities.Result{"state": in.State, "previous_state": previous, "changed": true}, nil
	})
}
