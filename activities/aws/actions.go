package aws

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// Config is what the AWS actions need from bcdr's configuration.
type Config struct {
	// Region is used by steps that give no region of their own.
	Region string
	// Endpoint overrides every client's endpoint (for example a moto server in tests).
	Endpoint string
	// AssumeRoleARN and ExternalID are the role assumed by steps that give no role_arn.
	AssumeRoleARN string
	ExternalID    string
	// PollInterval is the time between two polls of a wait; it is jittered by ±20%.
	// Zero means one second.
	PollInterval time.Duration
	// Logger receives the log lines of actions called outside an activity (tests, the
	// readiness checks); inside one they go to the activity's logger. Nil drops them.
	Logger *slog.Logger
	// ARCEndpointsAsListed makes ARC steps try a cluster's endpoints in the order the step
	// lists them. By default a random one goes first so that runs spread over the cluster
	// (AWS's advice); the outage tests list the region that is down first, so that every
	// ARC call meets the outage before it moves on.
	ARCEndpointsAsListed bool
}

// Actions carries out the AWS step kinds. Its methods are the activities; Actions lists
// them with their kinds for the worker and the runbook registry.
type Actions struct {
	cfg     Config
	mu      sync.Mutex
	clients map[clientKey]any
}

// New returns the AWS actions for cfg. It does not contact AWS: credentials are loaded on
// first use.
func New(cfg Config) *Actions {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	return &Actions{cfg: cfg, clients: map[clientKey]any{}}
}

// Actions returns every AWS step kind with the method that carries it out.
func (a *Actions) Actions() []activities.Action {
	entries := a.entries()
	out := make([]activities.Action, len(entries))
	for i, e := range entries {
		out[i] = activities.Action{Kind: e.kind, Fn: e.fn}
	}
	return out
}

// entry is one kind with its function and the Go type its inputs decode into.
type entry struct {
	kind   runbooks.Kind
	fn     func(context.Context, activities.Request) (activities.Result, error)
	inType reflect.Type
}

// Scope is where a step acts: the region and the role assumed for it. Every kind's inputs
// include it.
type Scope struct {
	Region     string `json:"region,omitempty"`
	RoleARN    string `json:"role_arn,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
}

// scoped is implemented by every input struct through its embedded Scope (or by the
// struct itself, where the scope depends on other inputs).
type scoped interface{ scope() Scope }

func (s Scope) scope() Scope { return s }

// orRegionOf is the scope with the region of arn when it names none.
func (s Scope) orRegionOf(arn string) Scope {
	if s.Region == "" {
		s.Region = arnRegion(arn)
	}
	return s
}

// scopeInputs are the inputs every AWS kind accepts.
var scopeInputs = []runbooks.Field{
	{Name: "region", Type: runbooks.TypeString, Description: "AWS region to act in (default: the worker's configured region)"},
	{Name: "role_arn", Type: runbooks.TypeString, Description: "IAM role to assume for this step (cross-account recovery); the worker needs sts:AssumeRole on it"},
	{Name: "external_id", Type: runbooks.TypeString, Description: "external id passed to sts:AssumeRole with role_arn"},
}

// spec is a kind whose inputs decode into In.
type spec[In scoped] struct {
	kind runbooks.Kind
}

// newSpec completes a kind: executor, the common scope inputs.
func newSpec[In scoped](k runbooks.Kind) spec[In] {
	k.Executor = runbooks.ByActivity
	if k.Plane == runbooks.PlaneNone {
		k.Plane, k.Home = planeOf(k.IAMActions)
	}
	k.Inputs = append(append([]runbooks.Field{}, k.Inputs...), scopeInputs...)
	return spec[In]{kind: k}
}

// bind pairs the kind with the method that runs it.
func (s spec[In]) bind(fn func(context.Context, activities.Request) (activities.Result, error)) entry {
	var in In
	return entry{kind: s.kind, fn: fn, inType: reflect.TypeOf(in)}
}

// run decodes the request's inputs (defaults applied, required inputs, allowed values and
// the inputs' own rules checked) and calls fn with them.
func (s spec[In]) run(ctx context.Context, req activities.Request,
	fn func(context.Context, activities.Request, In) (activities.Result, error)) (activities.Result, error) {
	in, err := s.decode(req.With)
	if err != nil {
		return nil, err
	}
	return fn(withStep(withProgress(ctx), req), req, in)
}

// withClient is a run function for a kind that calls one service: it makes the service's
// client for the inputs' scope with newClient, then calls fn with it.
func withClient[In scoped, C any](newClient func(context.Context, Scope) (C, error),
	fn func(context.Context, activities.Request, In, C) (activities.Result, error)) func(context.Context, activities.Request, In) (activities.Result, error) {
	return func(ctx context.Context, req activities.Request, in In) (activities.Result, error) {
		c, err := newClient(ctx, in.scope())
		if err != nil {
			return nil, err
		}
		return fn(ctx, req, in, c)
	}
}

func (s spec[In]) decode(with map[string]any) (In, error) {
	var in In
	full := make(map[string]any, len(with))
	for k, v := range with {
		full[k] = v
	}
	var problems []string
	for _, f := range s.kind.Inputs {
		v, ok := full[f.Name]
		if !ok || v == nil {
			if f.Default != nil {
				full[f.Name] = f.Default
			} else if f.Required {
				problems = append(problems, fmt.Sprintf("input %q is required", f.Name))
			}
			continue
		}
		if len(f.Allowed) > 0 {
			if str, ok := v.(string); !ok || !contains(f.Allowed, str) {
				problems = append(problems, fmt.Sprintf("input %q is %v, want one of %s", f.Name, v, strings.Join(f.Allowed, ", ")))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return in, activities.NonRetryable(activities.ErrValidation,
			fmt.Errorf("%s: %s", s.kind.Name, strings.Join(problems, "; ")))
	}
	if err := activities.Decode(full, &in); err != nil {
		return in, activities.NonRetryable(activities.ErrValidation, fmt.Errorf("%s: %w", s.kind.Name, err))
	}
	if v, ok := any(in).(validator); ok {
		if err := v.validate(); err != nil {
			return in, activities.NonRetryable(activities.ErrValidation, fmt.Errorf("%s: %w", s.kind.Name, err))
		}
	}
	return in, nil
}

// validator is implemented by the inputs of a kind with a rule its declaration cannot
// say (give one of several inputs, a list not empty, a count not negative): decode
// refuses inputs that break it, as it refuses a missing required input, so the step
// calls no AWS. validate says what is wrong and what to give; decode names the kind.
type validator interface{ validate() error }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Field constructors keep the kind declarations short.

func reqStr(name, desc string) runbooks.Field {
	return runbooks.Field{Name: name, Type: runbooks.TypeString, Required: true, Description: desc}
}

func optStr(name, desc string) runbooks.Field {
	return runbooks.Field{Name: name, Type: runbooks.TypeString, Description: desc}
}

func field(name string, t runbooks.ValueType, desc string) runbooks.Field {
	return runbooks.Field{Name: name, Type: t, Description: desc}
}

func withDefault(f runbooks.Field, v any) runbooks.Field {
	f.Default = v
	return f
}

func required(f runbooks.Field) runbooks.Field {
	f.Required = true
	return f
}

func allowed(f runbooks.Field, values ...string) runbooks.Field {
	f.Allowed = values
	return f
}

func waitInput(def bool, what string) runbooks.Field {
	return withDefault(field("wait", runbooks.TypeBool, "wait until "+what), def)
}

func estimate(d time.Duration) runbooks.Duration { return runbooks.Duration(d) }

// entries lists every kind; Actions and the tests read it.
func (a *Actions) entries() []entry {
	return []entry{
		route53UpsertRecordSpec.bind(a.Route53UpsertRecord),
		route53DeleteRecordSpec.bind(a.Route53DeleteRecord),
		route53RestoreRecordSpec.bind(a.Route53RestoreRecord),
		route53WaitInsyncSpec.bind(a.Route53WaitInsync),
		route53HealthCheckStatusSpec.bind(a.Route53HealthCheckStatus),
		arcGetRoutingControlSpec.bind(a.ARCGetRoutingControl),
		arcSetRoutingControlSpec.bind(a.ARCSetRoutingControl),
		arcSetRoutingControlsSpec.bind(a.ARCSetRoutingControls),
		rdsPromoteReadReplicaSpec.bind(a.RDSPromoteReadReplica),
		rdsFailoverGlobalClusterSpec.bind(a.RDSFailoverGlobalCluster),
		rdsSwitchoverGlobalClusterSpec.bind(a.RDSSwitchoverGlobalCluster),
		rdsDetachFromGlobalClusterSpec.bind(a.RDSDetachFromGlobalCluster),
		rdsFailoverClusterSpec.bind(a.RDSFailoverCluster),
		rdsRestoreInstanceFromSnapshotSpec.bind(a.RDSRestoreInstanceFromSnapshot),
		rdsRestoreInstanceToPointInTimeSpec.bind(a.RDSRestoreInstanceToPointInTime),
		rdsRestoreClusterToPointInTimeSpec.bind(a.RDSRestoreClusterToPointInTime),
		rdsRestoreClusterFromSnapshotSpec.bind(a.RDSRestoreClusterFromSnapshot),
		rdsDeleteInstanceSpec.bind(a.RDSDeleteInstance),
		rdsWaitInstanceSpec.bind(a.RDSWaitInstance),
		rdsWaitClusterSpec.bind(a.RDSWaitCluster),
		rdsReplicaLagSpec.bind(a.RDSReplicaLag),
		autoscalingSetCapacitySpec.bind(a.AutoscalingSetCapacity),
		autoscalingWaitHealthySpec.bind(a.AutoscalingWaitHealthy),
		ecsSetDesiredCountSpec.bind(a.ECSSetDesiredCount),
		appAutoscalingSetScalableTargetSpec.bind(a.AppAutoscalingSetScalableTarget),
		eksScaleNodegroupSpec.bind(a.EKSScaleNodegroup),
		ecsWaitStableSpec.bind(a.ECSWaitStable),
		ec2StartInstancesSpec.bind(a.EC2StartInstances),
		ec2StopInstancesSpec.bind(a.EC2StopInstances),
		elbv2TargetHealthSpec.bind(a.ELBv2TargetHealth),
		elbv2WaitHealthyTargetsSpec.bind(a.ELBv2WaitHealthyTargets),
		s3VerifyReplicationSpec.bind(a.S3VerifyReplication),
		s3PutMarkerSpec.bind(a.S3PutMarker),
		s3GetMarkerSpec.bind(a.S3GetMarker),
		dynamodbReplicaStatusSpec.bind(a.DynamoDBReplicaStatus),
		dynamodbPutMarkerSpec.bind(a.DynamoDBPutMarker),
		dynamodbGetMarkerSpec.bind(a.DynamoDBGetMarker),
		dynamodbRestoreTableSpec.bind(a.DynamoDBRestoreTableToPointInTime),
		lambdaInvokeSpec.bind(a.LambdaInvoke),
		secretsPromoteReplicaSpec.bind(a.SecretsManagerPromoteReplica),
		elasticacheFailoverGlobalSpec.bind(a.ElastiCacheFailoverGlobalDatastore),
		docdbFailoverGlobalClusterSpec.bind(a.DocDBFailoverGlobalCluster),
		docdbSwitchoverGlobalClusterSpec.bind(a.DocDBSwitchoverGlobalCluster),
		ssmStartAutomationSpec.bind(a.SSMStartAutomation),
		ssmGetParameterSpec.bind(a.SSMGetParameter),
		cloudwatchAlarmStateSpec.bind(a.CloudWatchAlarmState),
		cloudwatchAlarmsOKSpec.bind(a.CloudWatchAlarmsOK),
		backupStartRestoreSpec.bind(a.BackupStartRestore),
		backupWaitRestoreSpec.bind(a.BackupWaitRestore),
		drsStartRecoverySpec.bind(a.DRSStartRecovery),
		drsWaitJobSpec.bind(a.DRSWaitJob),
	}
}
