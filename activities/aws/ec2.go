package aws

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

func (a *Actions) ec2Client(ctx context.Context, s Scope) (ec2Calls, error) {
	return client(ctx, a, "ec2", s, newEC2Calls)
}

// ec2Calls is the EC2 operations bcdr calls, as method values of one SDK client, which
// the actions hold instead of the *ec2.Client itself. The reason is the binary's size:
// once a program calls methods by reflection (the Temporal SDK's activity registration
// and text/template do), Go's linker keeps every exported method of every type that is
// converted to an interface, and the client cache (an `any` per client) and the small
// interfaces below would convert *ec2.Client, whose hundreds of operations are about
// 19 MiB of code. Method values keep the client out of every interface, so only these
// operations are linked. Add an operation here when an action needs one.
type ec2Calls struct {
	describeInstances              func(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	startInstances                 func(context.Context, *ec2.StartInstancesInput, ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error)
	stopInstances                  func(context.Context, *ec2.StopInstancesInput, ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
	describeLaunchTemplateVersions func(context.Context, *ec2.DescribeLaunchTemplateVersionsInput, ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplateVersionsOutput, error)
	describeInstanceTypes          func(context.Context, *ec2.DescribeInstanceTypesInput, ...func(*ec2.Options)) (*ec2.DescribeInstanceTypesOutput, error)
}

func newEC2Calls(cfg awssdk.Config, opts ...func(*ec2.Options)) ec2Calls {
	c := ec2.NewFromConfig(cfg, opts...)
	return ec2Calls{c.DescribeInstances, c.StartInstances, c.StopInstances, c.DescribeLaunchTemplateVersions, c.DescribeInstanceTypes}
}

func (c ec2Calls) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, o ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return c.describeInstances(ctx, in, o...)
}

func (c ec2Calls) StartInstances(ctx context.Context, in *ec2.StartInstancesInput, o ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error) {
	return c.startInstances(ctx, in, o...)
}

func (c ec2Calls) StopInstances(ctx context.Context, in *ec2.StopInstancesInput, o ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error) {
	return c.stopInstances(ctx, in, o...)
}

func (c ec2Calls) DescribeLaunchTemplateVersions(ctx context.Context, in *ec2.DescribeLaunchTemplateVersionsInput, o ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplateVersionsOutput, error) {
	return c.describeLaunchTemplateVersions(ctx, in, o...)
}

func (c ec2Calls) DescribeInstanceTypes(ctx context.Context, in *ec2.DescribeInstanceTypesInput, o ...func(*ec2.Options)) (*ec2.DescribeInstanceTypesOutput, error) {
	return c.describeInstanceTypes(ctx, in, o...)
}

type instanceStateReader interface {
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
}

type instanceStarterStopper interface {
	instanceStateReader
	StartInstances(context.Context, *ec2.StartInstancesInput, ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error)
	StopInstances(context.Context, *ec2.StopInstancesInput, ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
}

// instanceStates returns each instance's state name.
func instanceStates(ctx context.Context, c instanceStateReader, ids []string) (map[string]string, error) {
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		return nil, classify(err, "describe EC2 instances %s", strings.Join(ids, ", "))
	}
	states := map[string]string{}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			if i.State != nil {
				states[awssdk.ToString(i.InstanceId)] = string(i.State.Name)
			}
		}
	}
	for _, id := range ids {
		if _, ok := states[id]; !ok {
			return nil, notFound("EC2 instance %q not found", id)
		}
	}
	return states, nil
}

// waitInstancesState polls until every instance is in state; terminated instances fail.
func (a *Actions) waitInstancesState(ctx context.Context, c instanceStateReader, ids []string, state string) (map[string]string, error) {
	var states map[string]string
	_, err := a.poll(ctx, fmt.Sprintf("EC2 instances %s %s", strings.Join(ids, ", "), state), func(ctx context.Context) (bool, string, error) {
		var err error
		if states, err = instanceStates(ctx, c, ids); err != nil {
			return false, "", err
		}
		done := true
		var summary []string
		for _, id := range ids {
			st := states[id]
			if st != state {
				done = false
				if st == "terminated" || st == "shutting-down" {
					return false, "", failed("EC2 instance %q is %s", id, st)
				}
			}
			summary = append(summary, id+" "+st)
		}
		return done, strings.Join(summary, ", "), nil
	})
	return states, err
}

type instancesInput struct {
	InstanceIDs []string `json:"instance_ids"`
	Wait        bool     `json:"wait"`
	Scope
}

func (in instancesInput) validate() error {
	if len(in.InstanceIDs) == 0 {
		return errors.New("instance_ids is empty")
	}
	return nil
}

// stopInstancesInput is instancesInput and force.
type stopInstancesInput struct {
	instancesInput
	Force bool `json:"force"`
}

var ec2Outputs = []runbooks.Field{
	field("changed", runbooks.TypeList, "the instances this step started or stopped (others already were)"),
	field("states", runbooks.TypeMap, "instance id -> state"),
}

// ---- aws.ec2.start_instances

var ec2StartInstancesSpec = newSpec[instancesInput](runbooks.Kind{
	Name:        "aws.ec2.start_instances",
	Description: "Start EC2 instances (those not already running or starting) and wait until all are running.",
	Inputs: []runbooks.Field{
		required(field("instance_ids", runbooks.TypeList, "instance ids")),
		waitInput(true, "every instance is running"),
	},
	Outputs:         ec2Outputs,
	IAMActions:      []string{"ec2:DescribeInstances", "ec2:StartInstances"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(2 * time.Minute),
})

// EC2StartInstances carries out aws.ec2.start_instances.
func (a *Actions) EC2StartInstances(ctx context.Context, req activities.Request) (activities.Result, error) {
	return ec2StartInstancesSpec.run(ctx, req, withClient(a.ec2Client, func(ctx context.Context, req activities.Request, in instancesInput, c ec2Calls) (activities.Result, error) {
		return a.startInstances(ctx, c, in)
	}))
}

func (a *Actions) startInstances(ctx context.Context, c instanceStarterStopper, in instancesInput) (activities.Result, error) {
	states, err := instanceStates(ctx, c, in.InstanceIDs)
	if err != nil {
		return nil, err
	}
	var stopping, start []string
	for _, id := range in.InstanceIDs {
		switch states[id] {
		case "stopping":
			stopping = append(stopping, id)
		case "stopped":
			start = append(start, id)
		case "terminated", "shutting-down":
			return nil, failed("start EC2 instance %q: it is %s", id, states[id])
		}
	}
	if len(stopping) > 0 { // an instance must finish stopping before it can start
		if _, err := a.waitInstancesState(ctx, c, stopping, "stopped"); err != nil {
			return nil, err
		}
		start = append(start, stopping...)
	}
	if len(start) > 0 {
		logChange(ctx, "start EC2 instances", "instances", start)
		if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: start}); err != nil {
			return nil, classify(err, "start EC2 instances %s", strings.Join(start, ", "))
		}
	}
	return a.instancesChanged(ctx, c, in, start, states, "running")
}

// ---- aws.ec2.stop_instances

var ec2StopInstancesSpec = newSpec[stopInstancesInput](runbooks.Kind{
	Name:        "aws.ec2.stop_instances",
	Description: "Stop EC2 instances (those not already stopped or stopping) and wait until all are stopped.",
	Inputs: []runbooks.Field{
		required(field("instance_ids", runbooks.TypeList, "instance ids")),
		withDefault(field("force", runbooks.TypeBool, "force the stop (no clean shutdown)"), false),
		waitInput(true, "every instance is stopped"),
	},
	Outputs:         ec2Outputs,
	IAMActions:      []string{"ec2:DescribeInstances", "ec2:StopInstances"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(2 * time.Minute),
})

// EC2StopInstances carries out aws.ec2.stop_instances.
func (a *Actions) EC2StopInstances(ctx context.Context, req activities.Request) (activities.Result, error) {
	return ec2StopInstancesSpec.run(ctx, req, withClient(a.ec2Client, func(ctx context.Context, req activities.Request, in stopInstancesInput, c ec2Calls) (activities.Result, error) {
		return a.stopInstances(ctx, c, in)
	}))
}

func (a *Actions) stopInstances(ctx context.Context, c instanceStarterStopper, in stopInstancesInput) (activities.Result, error) {
	states, err := instanceStates(ctx, c, in.InstanceIDs)
	if err != nil {
		return nil, err
	}
	var stop []string
	for _, id := range in.InstanceIDs {
		switch states[id] {
		case "pending", "running":
			stop = append(stop, id)
		case "terminated", "shutting-down":
			return nil, failed("stop EC2 instance %q: it is %s", id, states[id])
		}
	}
	if len(stop) > 0 {
		logChange(ctx, "stop EC2 instances", "instances", stop)
		if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: stop, Force: awssdk.Bool(in.Force)}); err != nil {
			return nil, classify(err, "stop EC2 instances %s", strings.Join(stop, ", "))
		}
	}
	return a.instancesChanged(ctx, c, in.instancesInput, stop, states, "stopped")
}

// instancesChanged ends a start or a stop that changed the instances changed (of
// in.InstanceIDs, whose states were read before): it records them with those of earlier
// attempts, waits (when the step waits) until every instance is in state, and returns
// the step's outputs.
func (a *Actions) instancesChanged(ctx context.Context, c instanceStateReader, in instancesInput,
	changed []string, states map[string]string, state string) (activities.Result, error) {
	changed = rememberChanged(ctx, changed)
	if in.Wait {
		var err error
		if states, err = a.waitInstancesState(ctx, c, in.InstanceIDs, state); err != nil {
			return nil, err
		}
	}
	return activities.Result{"changed": stringsToAny(changed), "states": statesResult(states)}, nil
}

func statesResult(states map[string]string) map[string]any {
	out := make(map[string]any, len(states))
	for k, v := range states {
		out[k] = v
	}
	return out
}

// rememberChanged adds the instances an earlier attempt of the step changed (from its
// heartbeat) to those this attempt changed, and records the union, so a retried step
// still reports every instance it started or stopped (what a rollback must undo).
func rememberChanged(ctx context.Context, changed []string) []string {
	var earlier []string
	loadProgress(ctx, &earlier)
	for _, id := range earlier {
		if !slices.Contains(changed, id) {
			changed = append(changed, id)
		}
	}
	saveProgress(ctx, changed)
	return changed
}
