package aws

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.elasticache.failover_global_datastore

type globalDatastoreInput struct {
	GlobalID            string `json:"global_replication_group_id"`
	ReplicationGroupID  string `json:"replication_group_id"`
	DetachIfUnavailable bool   `json:"detach_if_unavailable"`
	Wait                bool   `json:"wait"`
	Scope
}

var elasticacheFailoverGlobalSpec = newSpec[globalDatastoreInput](runbooks.Kind{
	Name: "aws.elasticache.failover_global_datastore",
	Description: "Make the step region's replication group the primary of an ElastiCache (Redis OSS / Valkey) global " +
		"datastore with FailoverGlobalReplicationGroup, called in the step's region, and wait until it is primary and the " +
		"datastore available. AWS refuses a failover while the datastore is not available (its primary region lost); with " +
		"detach_if_unavailable the step then removes the replication group from the datastore " +
		"(DisassociateGlobalReplicationGroup) so that it accepts writes on its own, losing what was not replicated. A group " +
		"that is already primary, or already detached by this step, is success.",
	Inputs: []runbooks.Field{
		reqStr("global_replication_group_id", "the global datastore's id (with its AWS prefix, e.g. ldgnf-payments)"),
		reqStr("replication_group_id", "the member replication group in the step's region that takes over"),
		withDefault(field("detach_if_unavailable", runbooks.TypeBool,
			"when AWS refuses the failover because the datastore is unavailable, detach the group to a standalone writable one (data loss)"), false),
		waitInput(true, "the group is primary (or standalone)"),
	},
	Outputs: []runbooks.Field{
		field("role", runbooks.TypeString, "PRIMARY, or STANDALONE after a detach"),
		field("method", runbooks.TypeString, "failover, detach, or none (already primary)"),
	},
	IAMActions: []string{"elasticache:DescribeGlobalReplicationGroups", "elasticache:FailoverGlobalReplicationGroup",
		"elasticache:DisassociateGlobalReplicationGroup"},
	SideEffects:     true,
	DefaultEstimate: estimate(10 * time.Minute),
})

type globalDatastoreFailer interface {
	DescribeGlobalReplicationGroups(context.Context, *elasticache.DescribeGlobalReplicationGroupsInput, ...func(*elasticache.Options)) (*elasticache.DescribeGlobalReplicationGroupsOutput, error)
	FailoverGlobalReplicationGroup(context.Context, *elasticache.FailoverGlobalReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.FailoverGlobalReplicationGroupOutput, error)
	DisassociateGlobalReplicationGroup(context.Context, *elasticache.DisassociateGlobalReplicationGroupInput, ...func(*elasticache.Options)) (*elasticache.DisassociateGlobalReplicationGroupOutput, error)
}

// ElastiCacheFailoverGlobalDatastore carries out aws.elasticache.failover_global_datastore.
func (a *Actions) ElastiCacheFailoverGlobalDatastore(ctx context.Context, req activities.Request) (activities.Result, error) {
	return elasticacheFailoverGlobalSpec.run(ctx, req, withClient(a.elasticacheClient, func(ctx context.Context, req activities.Request, in globalDatastoreInput, c *elasticache.Client) (activities.Result, error) {
		in.Scope = a.resolve(in.Scope) // the region the client acts in: the step names it in its calls and messages
		return a.failoverGlobalDatastore(ctx, c, in)
	}))
}

// describeDatastore reads a global datastore with its members, and the member in region
// named id (nil when it is not one).
func describeDatastore(ctx context.Context, c globalDatastoreFailer, global, id, region string) (*ectypes.GlobalReplicationGroup, *ectypes.GlobalReplicationGroupMember, error) {
	out, err := c.DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{
		GlobalReplicationGroupId: awssdk.String(global), ShowMemberInfo: awssdk.Bool(true)})
	if err != nil {
		return nil, nil, classify(err, "describe ElastiCache global datastore %q", global)
	}
	if len(out.GlobalReplicationGroups) == 0 {
		return nil, nil, notFound("ElastiCache global datastore %q not found", global)
	}
	g := &out.GlobalReplicationGroups[0]
	for i, m := range g.Members {
		if awssdk.ToString(m.ReplicationGroupId) == id && awssdk.ToString(m.ReplicationGroupRegion) == region {
			return g, &g.Members[i], nil
		}
	}
	return g, nil, nil
}

// datastoreProgress is what an attempt did, for the attempts after it.
type datastoreProgress struct{ Detached bool }

func (a *Actions) failoverGlobalDatastore(ctx context.Context, c globalDatastoreFailer, in globalDatastoreInput) (activities.Result, error) {
	what := fmt.Sprintf("make replication group %q in %s primary of ElastiCache global datastore %q", in.ReplicationGroupID, in.Region, in.GlobalID)
	var p datastoreProgress
	loadProgress(ctx, &p)
	g, m, err := describeDatastore(ctx, c, in.GlobalID, in.ReplicationGroupID, in.Region)
	switch {
	case err != nil && !(p.Detached && isNotFound(err)):
		return nil, err
	case p.Detached && m == nil:
		return activities.Result{"role": "STANDALONE", "method": "detach"}, nil
	case m == nil:
		return nil, invalid("%s: the group is not a member of the datastore in %s", what, in.Region)
	case awssdk.ToString(m.Role) == "PRIMARY" && awssdk.ToString(g.Status) == "available":
		return activities.Result{"role": "PRIMARY", "method": "none"}, nil
	}
	method := "failover"
	logChange(ctx, "fail over ElastiCache global datastore", "global", in.GlobalID, "group", in.ReplicationGroupID, "region", in.Region)
	_, err = c.FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{
		GlobalReplicationGroupId: awssdk.String(in.GlobalID), PrimaryRegion: awssdk.String(in.Region),
		PrimaryReplicationGroupId: awssdk.String(in.ReplicationGroupID)})
	// "InvalidGlobalReplicationGroupState: The Global datastore is not available or in
	// primary-only state" (API_FailoverGlobalReplicationGroup.html, Errors)
	if errorCode(err) == "InvalidGlobalReplicationGroupState" && in.DetachIfUnavailable {
		method, err = "detach", nil
		saveProgress(ctx, datastoreProgress{Detached: true})
		logChange(ctx, "detach replication group from ElastiCache global datastore", "global", in.GlobalID, "group", in.ReplicationGroupID, "region", in.Region)
		_, err = c.DisassociateGlobalReplicationGroup(ctx, &elasticache.DisassociateGlobalReplicationGroupInput{
			GlobalReplicationGroupId: awssdk.String(in.GlobalID), ReplicationGroupId: awssdk.String(in.ReplicationGroupID),
			ReplicationGroupRegion: awssdk.String(in.Region)})
	}
	if err != nil {
		return nil, classify(err, "%s (%s)", what, method)
	}
	role := map[string]string{"failover": "PRIMARY", "detach": "STANDALONE"}[method]
	if in.Wait {
		if _, err := a.poll(ctx, what, func(ctx context.Context) (bool, string, error) {
			g, m, err := describeDatastore(ctx, c, in.GlobalID, in.ReplicationGroupID, in.Region)
			if method == "detach" {
				return isNotFound(err) || (err == nil && m == nil), "detaching", nilIfNotFound(err)
			}
			if err != nil || m == nil {
				return false, "", err
			}
			return awssdk.ToString(m.Role) == "PRIMARY" && awssdk.ToString(g.Status) == "available", awssdk.ToString(g.Status), nil
		}); err != nil {
			return nil, err
		}
	}
	return activities.Result{"role": role, "method": method}, nil
}

func nilIfNotFound(err error) error {
	if isNotFound(err) {
		return nil
	}
	return err
}

// checkGlobalDatastore: the group is a secondary member of an available datastore in the
// step's region.
func (a *Actions) checkGlobalDatastore(ctx context.Context, t readiness.Target, in globalDatastoreInput) []readiness.Finding {
	in.Scope = a.resolve(in.Scope)
	c, skip := targetClient(ctx, t, in.Scope, a.elasticacheClient, "global_replication_group_id", "replication_group_id")
	if skip != nil {
		return skip
	}
	g, m, err := describeDatastore(ctx, c, in.GlobalID, in.ReplicationGroupID, in.Region)
	switch {
	case err != nil:
		return one(fromErr("target", err))
	case m == nil:
		return one(notReady("target", "replication group %q is not a member of ElastiCache global datastore %q in %s", in.ReplicationGroupID, in.GlobalID, in.Region))
	case awssdk.ToString(m.Role) == "PRIMARY":
		return one(warn("target", "replication group %q is already the primary of ElastiCache global datastore %q", in.ReplicationGroupID, in.GlobalID))
	case awssdk.ToString(g.Status) != "available":
		return one(warn("target", "ElastiCache global datastore %q is %s, not available: AWS would refuse a failover now", in.GlobalID, awssdk.ToString(g.Status)))
	}
	return one(ready("target", "replication group %q is a secondary of available ElastiCache global datastore %q", in.ReplicationGroupID, in.GlobalID))
}
