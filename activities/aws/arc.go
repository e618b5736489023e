package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
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

// clusterHostRE is an ARC cluster endpoint's host name: the region is its third label from
// the right (host.route53-recovery-cluster.REGION.amazonaws.com), as DescribeCluster lists
// it. A test endpoint on 127.0.0.1 may carry the name as its path's first segment.
var clusterHostRE = regexp.MustCompile(`[./]route53-recovery-cluster\.([a-z0-9-]+)\.amazonaws\.com`)

// UnmarshalJSON takes {endpoint, region} or the endpoint's URL alone, whose host names
// its region (a runbook can then pass split(params.arc_cluster_endpoints, ",")).
func (e *clusterEndpoint) UnmarshalJSON(b []byte) error {
	var url string
	if err := json.Unmarshal(b, &url); err == nil {
		e.Endpoint = url
		if m := clusterHostRE.FindStringSubmatch(url); m != nil {
			e.Region = m[1]
		}
		return nil
	}
	type plain clusterEndpoint
	return json.Unmarshal(b, (*plain)(e))
}

// defaultEndpointTimeout bounds one call to one cluster endpoint. The cluster's data plane
// answers in well under a second; an endpoint that takes longer is likely in the impaired
// region, and the next one is tried instead of letting it eat the step's timeout.
const defaultEndpointTimeout = 5 * time.Second

var arcEndpointInputs = []runbooks.Field{
	required(field("cluster_endpoints", runbooks.TypeList,
		"the ARC cluster's endpoints: [{endpoint: https://....route53-recovery-cluster.REGION.amazonaws.com/v1, region: REGION}, ...], or their URLs alone (the region is read from the host)")),
	withDefault(field("endpoint_timeout", runbooks.TypeDuration,
		"how long one call may take on one cluster endpoint before the next endpoint is tried"), defaultEndpointTimeout.String()),
	field("safety_rule_names", runbooks.TypeMap,
		"safety rule ARN -> name, so that an update a safety rule blocks is reported with the rule's name (the cluster API gives only the ARN)"),
}

var arcInputs = append([]runbooks.Field{reqStr("routing_control_arn", "routing control ARN")}, arcEndpointInputs...)

// arcCluster is how a step reaches a cluster: its endpoints and the per-endpoint timeout.
type arcCluster struct {
	ClusterEndpoints []clusterEndpoint `json:"cluster_endpoints"`
	EndpointTimeout  duration          `json:"endpoint_timeout"`
	SafetyRuleNames  map[string]string `json:"safety_rule_names,omitempty"`
}

// routingControls is what the ARC actions use of one cluster endpoint.
type routingControls interface {
	GetRoutingControlState(context.Context, *arc.GetRoutingControlStateInput, ...func(*arc.Options)) (*arc.GetRoutingControlStateOutput, error)
	UpdateRoutingControlState(context.Context, *arc.UpdateRoutingControlStateInput, ...func(*arc.Options)) (*arc.UpdateRoutingControlStateOutput, error)
	UpdateRoutingControlStates(context.Context, *arc.UpdateRoutingControlStatesInput, ...func(*arc.Options)) (*arc.UpdateRoutingControlStatesOutput, error)
}

func (a *Actions) arcClient(ctx context.Context, s Scope, ep clusterEndpoint) (routingControls, error) {
	if ep.Region != "" {
		s.Region = ep.Region
	}
	c, err := client(ctx, a, "arc "+ep.Endpoint, s, arc.NewFromConfig, func(o *arc.Options) {
		o.BaseEndpoint = awssdk.String(ep.Endpoint)
		// one attempt per endpoint: the next endpoint is the retry (AWS's advice),
		// rather than backing off on one that may be in the failed region
		o.RetryMaxAttempts = 1
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// endpointOrder is the order the cluster's endpoints are tried in: a random one first, so
// that runs spread over the cluster (AWS's advice), then the others; as listed when the
// configuration says so.
func (a *Actions) endpointOrder(n int) []int {
	if !a.cfg.ARCEndpointsAsListed {
		return rand.Perm(n)
	}
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// onAnyEndpoint calls fn with a client for each endpoint until one answers, giving each
// call at most the cluster's endpoint timeout: an endpoint that hangs (its region is
// down) is left for the next one rather than holding the step. Errors another endpoint
// cannot fix (not found, denied, invalid, a safety rule) end it.
//
// Per the ARC cluster API reference (https://docs.aws.amazon.com/routing-control/latest/APIReference/API_UpdateRoutingControlStates.html,
// "You must specify Regional endpoints ... accessing Regional cluster endpoints in sequence")
// and the developer guide's advice to retry on another endpoint when one fails or times out.
func (a *Actions) onAnyEndpoint(ctx context.Context, s Scope, cl arcCluster, what string,
	fn func(context.Context, routingControls) error) error {
	eps := cl.ClusterEndpoints
	if len(eps) == 0 {
		return invalid("%s: cluster_endpoints is empty", what)
	}
	timeout := time.Duration(cl.EndpointTimeout)
	if timeout <= 0 {
		timeout = defaultEndpointTimeout
	}
	var errs []error
	for _, i := range a.endpointOrder(len(eps)) {
		c, err := a.arcClient(ctx, s, eps[i])
		if err != nil {
			return err
		}
		callCtx, cancel := context.WithTimeout(ctx, timeout)
		err = fn(callCtx, c)
		timedOut := callCtx.Err() != nil
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return classify(err, "%s", what)
		}
		if rule := blockingSafetyRule(err); rule != "" {
			return activities.NonRetryable(ErrSafetyRule, fmt.Errorf("%s: blocked by safety rule %s: %w (when the rule must give way, list its ARN in safety_rules_to_override)",
				what, cl.ruleName(rule), err))
		}
		if errorType(err) != "" {
			return classify(err, "%s", what)
		}
		if timedOut {
			err = fmt.Errorf("no answer within %s: %w", timeout, err)
		}
		errs = append(errs, fmt.Errorf("endpoint %s (%s): %w", eps[i].Endpoint, eps[i].Region, err))
	}
	return fmt.Errorf("%s: no cluster endpoint answered: %w", what, errors.Join(errs...))
}

// ErrSafetyRule is the error type of an update an ARC safety rule blocked: another
// endpoint or a retry gives the same answer.
const ErrSafetyRule = "SafetyRuleBlocked"

// safetyRuleARN matches a safety rule's ARN, which ARC puts in the error of an update a
// rule blocks ("When a safety rule blocks a routing control state update, the error
// message includes the ARN of the rule that blocked the update":
// https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.override-safety-rule.html).
var safetyRuleARN = regexp.MustCompile(`arn:aws[a-z-]*:route53-recovery-control::[0-9]+:controlpanel/[^/\s"',]+/safetyrule/[^/\s"',.]+`)

// blockingSafetyRule returns the ARN of the safety rule that blocked an update, or "".
func blockingSafetyRule(err error) string {
	var conflict *arctypes.ConflictException
	if errors.As(err, &conflict) {
		if id := awssdk.ToString(conflict.ResourceId); safetyRuleARN.MatchString(id) {
			return safetyRuleARN.FindString(id)
		}
		return safetyRuleARN.FindString(awssdk.ToString(conflict.Message))
	}
	var vErr *arctypes.ValidationException
	if errors.As(err, &vErr) {
		return safetyRuleARN.FindString(awssdk.ToString(vErr.Message))
	}
	return ""
}

// ruleName is "NAME (ARN)" when the step named the rule, else the ARN.
func (cl arcCluster) ruleName(arn string) string {
	if name := cl.SafetyRuleNames[arn]; name != "" {
		return fmt.Sprintf("%q (%s)", name, arn)
	}
	return arn
}

// ---- aws.arc.get_routing_control

type getRoutingControlInput struct {
	RoutingControlARN string `json:"routing_control_arn"`
	arcCluster
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
		out, err := a.routingControlState(ctx, in.Scope, in.arcCluster, in.RoutingControlARN)
		if err != nil {
			return nil, err
		}
		return activities.Result{"state": string(out.RoutingControlState), "name": awssdk.ToString(out.RoutingControlName)}, nil
	})
}

func (a *Actions) routingControlState(ctx context.Context, s Scope, cl arcCluster, arn string) (*arc.GetRoutingControlStateOutput, error) {
	var out *arc.GetRoutingControlStateOutput
	err := a.onAnyEndpoint(ctx, s, cl, fmt.Sprintf("get routing control %q", arn), func(ctx context.Context, c routingControls) error {
		var err error
		out, err = c.GetRoutingControlState(ctx, &arc.GetRoutingControlStateInput{RoutingControlArn: awssdk.String(arn)})
		return err
	})
	return out, err
}

// ---- aws.arc.set_routing_control

type setRoutingControlInput struct {
	RoutingControlARN     string   `json:"routing_control_arn"`
	State                 string   `json:"state"`
	SafetyRulesToOverride []string `json:"safety_rules_to_override,omitempty"`
	arcCluster
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
			cur, err := a.routingControlState(ctx, in.Scope, in.arcCluster, in.RoutingControlARN)
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
		err := a.onAnyEndpoint(ctx, in.Scope, in.arcCluster, fmt.Sprintf("set routing control %q to %s", in.RoutingControlARN, in.State),
			func(ctx context.Context, c routingControls) error {
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

// ---- aws.arc.set_routing_controls

// routingControlState is one routing control and a state: an entry of the batch to set,
// and of the previous states the batch outputs for its rollback.
type routingControlState struct {
	RoutingControlARN string `json:"routing_control_arn"`
	State             string `json:"state"`
}

type setRoutingControlsInput struct {
	States                []routingControlState `json:"states"`
	SafetyRulesToOverride []string              `json:"safety_rules_to_override,omitempty"`
	arcCluster
	Scope
}

func (in setRoutingControlsInput) validate() error {
	if len(in.States) == 0 {
		return errors.New("states is empty: list the routing controls to set")
	}
	for i, st := range in.States {
		if st.RoutingControlARN == "" || (st.State != "On" && st.State != "Off") {
			return fmt.Errorf("states[%d]: want {routing_control_arn: ARN, state: On or Off}, got routing_control_arn %q, state %q", i, st.RoutingControlARN, st.State)
		}
	}
	return nil
}

var arcSetRoutingControlsSpec = newSpec[setRoutingControlsInput](runbooks.Kind{
	Name: "aws.arc.set_routing_controls",
	Description: "Set several Route 53 ARC routing controls in one transaction (UpdateRoutingControlStates: all change or none), " +
		"then read each back to verify it. Fences writers when a control gates them. Outputs the previous states for rollback.",
	Inputs: append([]runbooks.Field{
		required(field("states", runbooks.TypeList, "the controls to set: [{routing_control_arn: ARN, state: On|Off}, ...]")),
		field("safety_rules_to_override", runbooks.TypeList, "ARNs of safety rules to bypass (break-glass)"),
	}, arcEndpointInputs...),
	Outputs: []runbooks.Field{
		field("previous_states", runbooks.TypeList, "[{routing_control_arn, state}] as they were before, for a rollback's states"),
		field("changed", runbooks.TypeBool, "false when every control was already in its state"),
		field("verified", runbooks.TypeBool, "true: every control read back in the state set"),
	},
	IAMActions:      []string{"route53-recovery-cluster:GetRoutingControlState", "route53-recovery-cluster:UpdateRoutingControlStates"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(5 * time.Second),
})

// ARCSetRoutingControls carries out aws.arc.set_routing_controls.
func (a *Actions) ARCSetRoutingControls(ctx context.Context, req activities.Request) (activities.Result, error) {
	return arcSetRoutingControlsSpec.run(ctx, req, func(ctx context.Context, req activities.Request, in setRoutingControlsInput) (activities.Result, error) {
		entries := make([]arctypes.UpdateRoutingControlStateEntry, len(in.States))
		for i, st := range in.States {
			entries[i] = arctypes.UpdateRoutingControlStateEntry{
				RoutingControlArn: awssdk.String(st.RoutingControlARN), RoutingControlState: arctypes.RoutingControlState(st.State),
			}
		}
		var previous []routingControlState
		if !loadProgress(ctx, &previous) {
			for _, st := range in.States {
				cur, err := a.routingControlState(ctx, in.Scope, in.arcCluster, st.RoutingControlARN)
				if err != nil {
					return nil, err
				}
				previous = append(previous, routingControlState{st.RoutingControlARN, string(cur.RoutingControlState)})
			}
			saveProgress(ctx, previous)
		}
		changed := false
		for i, st := range in.States {
			changed = changed || previous[i].State != st.State
		}
		if changed {
			logChange(ctx, "set ARC routing controls", "states", in.States)
			err := a.onAnyEndpoint(ctx, in.Scope, in.arcCluster, fmt.Sprintf("set %d routing controls", len(entries)),
				func(ctx context.Context, c routingControls) error {
					_, err := c.UpdateRoutingControlStates(ctx, &arc.UpdateRoutingControlStatesInput{
						UpdateRoutingControlStateEntries: entries,
						SafetyRulesToOverride:            in.SafetyRulesToOverride,
					})
					return err
				})
			if err != nil {
				return nil, err
			}
		}
		// read back: the state a fence or a switch relies on is the one the cluster serves
		for _, st := range in.States {
			cur, err := a.routingControlState(ctx, in.Scope, in.arcCluster, st.RoutingControlARN)
			if err != nil {
				return nil, fmt.Errorf("verify routing control %q: %w", st.RoutingControlARN, err)
			}
			if got := string(cur.RoutingControlState); got != st.State {
				return nil, fmt.Errorf("verify routing control %q: the cluster reads %s after it was set %s", st.RoutingControlARN, got, st.State)
			}
		}
		prev := make([]any, len(previous))
		for i, p := range previous {
			prev[i] = map[string]any{"routing_control_arn": p.RoutingControlARN, "state": p.State}
		}
		return activities.Result{"previous_states": prev, "changed": changed, "verified": true}, nil
	})
}
