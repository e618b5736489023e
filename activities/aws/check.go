package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

// Readiness checks: for every AWS step kind, a read-only check that the step could act
// now (readiness.Checker). Kinds that only read (probes) check by running, with no
// wait; kinds that change the world or wait for a state read their target: it exists
// and is in a state the action accepts. A check runs in the step's region with the
// step's role, like the step. Not found is "not ready"; access denied to the check's
// own read, and any other failure to read, is "cannot check".

// probeTimeout bounds a probe run as a check.
const probeTimeout = 30 * time.Second

// Checkers returns the readiness check of every AWS step kind, by kind name.
func (a *Actions) Checkers() map[string]readiness.Checker {
	out := map[string]readiness.Checker{}
	targets := a.targetChecks()
	for _, e := range a.entries() {
		if c, ok := targets[e.kind.Name]; ok {
			out[e.kind.Name] = c
		} else if !e.kind.SideEffects {
			out[e.kind.Name] = a.probe(e)
		}
	}
	return out
}

// targetChecks are the checks of the kinds that change the world or wait for a state.
func (a *Actions) targetChecks() map[string]readiness.Checker {
	return map[string]readiness.Checker{
		"aws.ecs.set_desired_count":                   checkOf(a.checkECSDesiredCount),
		"aws.ecs.wait_stable":                         checkOf(a.checkECSWaitStable),
		"aws.appautoscaling.set_scalable_target":      checkOf(a.checkScalableTarget),
		"aws.autoscaling.set_capacity":                checkOf(a.checkASGCapacity),
		"aws.autoscaling.wait_healthy":                checkOf(a.checkASGWaitHealthy),
		"aws.eks.scale_nodegroup":                     checkOf(a.checkEKSNodegroup),
		"aws.ec2.start_instances":                     checkOf(a.checkEC2Start),
		"aws.ec2.stop_instances":                      checkOf(a.checkEC2Stop),
		"aws.elbv2.wait_healthy_targets":              checkOf(a.checkTargetGroup),
		"aws.route53.upsert_record":                   checkOf(a.checkRecordUpsert),
		"aws.route53.delete_record":                   checkOf(a.checkRecordDelete),
		"aws.route53.restore_record":                  checkOf(a.checkRecordRestore),
		"aws.route53.wait_insync":                     checkOf(a.checkChange),
		"aws.arc.set_routing_control":                 checkOf(a.checkRoutingControl),
		"aws.arc.set_routing_controls":                checkOf(a.checkRoutingControls),
		"aws.rds.promote_read_replica":                checkOf(a.checkPromoteReplica),
		"aws.rds.failover_global_cluster":             checkOf(a.checkGlobalFailover),
		"aws.rds.switchover_global_cluster":           checkOf(a.checkGlobalSwitchover),
		"aws.rds.detach_from_global_cluster":          checkOf(a.checkDetach),
		"aws.rds.failover_cluster":                    checkOf(a.checkClusterFailover),
		"aws.rds.restore_instance_from_snapshot":      checkOf(a.checkSnapshotRestore),
		"aws.rds.restore_instance_to_point_in_time":   checkOf(a.checkPointInTime),
		"aws.rds.restore_cluster_to_point_in_time":    checkOf(a.checkClusterPointInTime),
		"aws.rds.restore_cluster_from_snapshot":       checkOf(a.checkClusterSnapshotRestore),
		"aws.dynamodb.restore_table_to_point_in_time": checkOf(a.checkTablePointInTime),
		"aws.rds.delete_instance":                     checkOf(a.checkDeleteInstance),
		"aws.rds.wait_instance":                       checkOf(a.checkWaitInstance),
		"aws.rds.wait_cluster":                        checkOf(a.checkWaitCluster),
		"aws.s3.put_marker":                           checkOf(a.checkS3PutMarker),
		"aws.dynamodb.put_marker":                     checkOf(a.checkDDBPutMarker),
		"aws.lambda.invoke":                           checkOf(a.checkLambda),
		"aws.secretsmanager.promote_replica":          checkOf(a.checkSecretReplica),
		"aws.elasticache.failover_global_datastore":   checkOf(a.checkGlobalDatastore),
		"aws.docdb.failover_global_cluster":           checkOf(a.checkDocDBGlobalFailover),
		"aws.docdb.switchover_global_cluster":         checkOf(a.checkDocDBGlobalSwitchover),
		"aws.ssm.start_automation":                    checkOf(a.checkAutomation),
		"aws.backup.start_restore":                    checkOf(a.checkRecoveryPoint),
		"aws.backup.wait_restore":                     checkOf(a.checkRestoreJob),
		"aws.drs.start_recovery":                      checkOf(a.checkSourceServers),
		"aws.drs.wait_job":                            checkOf(a.checkDRSJob),
	}
}

// checkOf decodes the inputs known before the run into the kind's input type and calls
// fn with them. Inputs only a run knows are left at their zero value: fn asks
// runTime before it relies on one.
func checkOf[In any](fn func(ctx context.Context, t readiness.Target, in In) []readiness.Finding) readiness.Checker {
	return func(ctx context.Context, t readiness.Target) []readiness.Finding {
		var in In
		if err := activities.Decode(t.With, &in); err != nil {
			return []readiness.Finding{cannot("target", "the step's inputs do not decode: %v", err)}
		}
		return fn(ctx, t, in)
	}
}

// probe checks a kind that only reads by running it once, without waiting.
func (a *Actions) probe(e entry) readiness.Checker {
	return func(ctx context.Context, t readiness.Target) []readiness.Finding {
		for _, f := range e.kind.Inputs {
			if f.Required && t.IsUnknown(f.Name) {
				return []readiness.Finding{later("probe", f.Name)}
			}
		}
		with := maps.Clone(t.With)
		if f, ok := t.Kind.Input("wait"); ok && f.Type == runbooks.TypeDuration {
			with["wait"] = "0s" // a marker not there now is an answer, not a reason to wait
		}
		ctx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		res, err := e.fn(ctx, activities.Request{RunID: "readiness", StepID: t.Step, Mode: t.Mode, With: with})
		if err == nil {
			return []readiness.Finding{ready("probe", "ran: %s", summary(res))}
		}
		if typeOf(err) == activities.ErrFailed {
			return []readiness.Finding{warn("probe", "ran and failed (it checks the state during a recovery, which may differ now): %s", message(err))}
		}
		return []readiness.Finding{fromErr("probe", err)}
	}
}

// summary lists a result's scalar outputs, sorted, for a probe's reason.
func summary(res activities.Result) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(res)) {
		switch v := res[k].(type) {
		case string, bool, int, int32, int64, float64:
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	if len(parts) == 0 {
		return "no error"
	}
	return strings.Join(parts, ", ")
}

// typeOf is the stable type of a step error ("" when it may go away on retry).
func typeOf(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return errorType(err)
}

// fromErr is the finding of a read that failed: not found is not ready; access denied,
// and anything else, means the check could not look.
func fromErr(check string, err error) readiness.Finding {
	switch typeOf(err) {
	case activities.ErrNotFound:
		return notReady(check, "%s", message(err))
	case activities.ErrAccessDenied:
		return cannot(check, "access denied to the check's read: %s: let the identity bcdr checks as read it", message(err))
	}
	return cannot(check, "%s", message(err))
}

// message is an error's text without the step error's type decoration.
func message(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

// later is the finding of a check whose target only the run knows.
func later(check, input string) readiness.Finding {
	return ready(check, "%s comes from an earlier step during the run: nothing to check before", input)
}

// targetClient begins a check that reads the step's target: the service's client for
// the scope, made by newClient; or, when the check cannot read now, the one finding that
// says why (one of the inputs comes from an earlier step, or there is no client).
func targetClient[C any](ctx context.Context, t readiness.Target, s Scope,
	newClient func(context.Context, Scope) (C, error), inputs ...string) (C, []readiness.Finding) {
	var c C
	if n, ok := runTime(t, inputs...); ok {
		return c, one(later("target", n))
	}
	c, err := newClient(ctx, s)
	if err != nil {
		return c, one(cannot("target", "%v", err))
	}
	return c, nil
}

// runTime reports the first of the inputs that only a run knows.
func runTime(t readiness.Target, inputs ...string) (string, bool) {
	for _, n := range inputs {
		if t.IsUnknown(n) {
			return n, true
		}
	}
	return "", false
}

func finding(r readiness.Result, check, format string, args ...any) readiness.Finding {
	return readiness.Finding{Check: check, Result: r, Reason: fmt.Sprintf(format, args...)}
}

func ready(check, format string, args ...any) readiness.Finding {
	return finding(readiness.Ready, check, format, args...)
}

func warn(check, format string, args ...any) readiness.Finding {
	return finding(readiness.Warning, check, format, args...)
}

func notReady(check, format string, args ...any) readiness.Finding {
	return finding(readiness.NotReady, check, format, args...)
}

func cannot(check, format string, args ...any) readiness.Finding {
	return finding(readiness.CannotCheck, check, format, args...)
}

func one(f readiness.Finding) []readiness.Finding { return []readiness.Finding{f} }
