package aws

import (
	"context"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/bcdr/bcdr/readiness"
)

// ---- Route 53 records

// checkRecordUpsert: the hosted zone exists. A record that does not exist yet is a
// warning: the step would create it, which is rarely what a failover means to do.
func (a *Actions) checkRecordUpsert(ctx context.Context, t readiness.Target, in upsertRecordInput) []readiness.Finding {
	return a.checkRecord(ctx, t, in.Scope, in.recordInput, "the step would create it")
}

// checkRecordDelete: the hosted zone exists; a record already gone leaves nothing to do.
func (a *Actions) checkRecordDelete(ctx context.Context, t readiness.Target, in deleteRecordInput) []readiness.Finding {
	return a.checkRecord(ctx, t, in.Scope, in.record(), "there is nothing to delete")
}

// checkRecordRestore: the hosted zone exists (the record's earlier contents only the
// run knows).
func (a *Actions) checkRecordRestore(ctx context.Context, t readiness.Target, in restoreRecordInput) []readiness.Finding {
	return a.checkRecord(ctx, t, in.Scope, in.record(), "the step would put back what the run recorded")
}

func (a *Actions) checkRecord(ctx context.Context, t readiness.Target, s Scope, r recordInput, absent string) []readiness.Finding {
	c, skip := targetClient(ctx, t, s, a.route53Client, "hosted_zone_id", "name", "type")
	if skip != nil {
		return skip
	}
	rs, err := findRecord(ctx, c, r)
	if err != nil {
		return one(fromErr("target", classify(err, "read %s record %q in hosted zone %q", r.Type, r.Name, zoneID(r.HostedZoneID))))
	}
	if rs == nil {
		return one(warn("target", "hosted zone %q exists but has no %s record %q: %s", zoneID(r.HostedZoneID), r.Type, r.Name, absent))
	}
	return one(ready("target", "%s record %q exists in hosted zone %q", r.Type, r.Name, zoneID(r.HostedZoneID)))
}

// checkChange: a change named before the run exists.
func (a *Actions) checkChange(ctx context.Context, t readiness.Target, in waitInsyncInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.route53Client, "change_id")
	if skip != nil {
		return skip
	}
	out, err := c.GetChange(ctx, &route53.GetChangeInput{Id: awssdk.String(in.ChangeID)})
	if err != nil {
		return one(fromErr("target", classify(err, "get Route 53 change %q", in.ChangeID)))
	}
	return one(ready("target", "Route 53 change %q is %s", in.ChangeID, out.ChangeInfo.Status))
}

// ---- Route 53 ARC

// checkRoutingControl: the routing control exists and one of its cluster's endpoints
// answers (the data plane the step would use).
func (a *Actions) checkRoutingControl(ctx context.Context, t readiness.Target, in setRoutingControlInput) []readiness.Finding {
	if n, ok := runTime(t, "routing_control_arn", "cluster_endpoints"); ok {
		return one(later("target", n))
	}
	out, err := a.routingControlState(ctx, in.Scope, in.arcCluster, in.RoutingControlARN)
	if err != nil {
		if typeOf(err) == "" {
			return one(notReady("target", "%v", err)) // no endpoint of the cluster answered
		}
		return one(fromErr("target", err))
	}
	return one(ready("target", "routing control %q (%s) is %s; the step sets it %s",
		in.RoutingControlARN, awssdk.ToString(out.RoutingControlName), out.RoutingControlState, in.State))
}

// checkRoutingControls: every routing control of the batch exists, through one of the
// cluster's endpoints.
func (a *Actions) checkRoutingControls(ctx context.Context, t readiness.Target, in setRoutingControlsInput) []readiness.Finding {
	if n, ok := runTime(t, "states", "cluster_endpoints"); ok {
		return one(later("target", n))
	}
	var out []readiness.Finding
	for _, st := range in.States {
		cur, err := a.routingControlState(ctx, in.Scope, in.arcCluster, st.RoutingControlARN)
		switch {
		case err != nil && typeOf(err) == "":
			out = append(out, notReady("target", "%s", message(err)))
		case err != nil:
			out = append(out, fromErr("target", err))
		default:
			out = append(out, ready("target", "routing control %q (%s) is %s; the step sets it %s",
				st.RoutingControlARN, awssdk.ToString(cur.RoutingControlName), cur.RoutingControlState, st.State))
		}
	}
	return out
}
