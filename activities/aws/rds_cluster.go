package aws

import (
	"context"
	"fmt"
	"sort"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// globalClusterDescriber reads one Aurora global database.
type globalClusterDescriber interface {
	DescribeGlobalClusters(context.Context, *rds.DescribeGlobalClustersInput, ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error)
}

func describeGlobalCluster(ctx context.Context, c globalClusterDescriber, id string) (*rdstypes.GlobalCluster, error) {
	out, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: awssdk.String(id)})
	if err != nil {
		return nil, classify(err, "describe global cluster %q", id)
	}
	for i := range out.GlobalClusters {
		if awssdk.ToString(out.GlobalClusters[i].GlobalClusterIdentifier) == id {
			return &out.GlobalClusters[i], nil
		}
	}
	return nil, notFound("global cluster %q not found", id)
}

// waitGlobalCluster polls the global cluster until done says it is done; done also gives
// the state the wait reports.
func (a *Actions) waitGlobalCluster(ctx context.Context, c globalClusterDescriber, what, id string,
	done func(*rdstypes.GlobalCluster) (bool, string)) error {
	_, err := a.poll(ctx, what, func(ctx context.Context) (bool, string, error) {
		g, err := describeGlobalCluster(ctx, c, id)
		if err != nil {
			return false, "", err
		}
		ok, state := done(g)
		return ok, state, nil
	})
	return err
}

// globalMember returns the member cluster with the ARN, or nil.
func globalMember(g *rdstypes.GlobalCluster, arn string) *rdstypes.GlobalClusterMember {
	for i := range g.GlobalClusterMembers {
		if awssdk.ToString(g.GlobalClusterMembers[i].DBClusterArn) == arn {
			return &g.GlobalClusterMembers[i]
		}
	}
	return nil
}

func globalWriter(g *rdstypes.GlobalCluster) string {
	for _, m := range g.GlobalClusterMembers {
		if awssdk.ToBool(m.IsWriter) {
			return awssdk.ToString(m.DBClusterArn)
		}
	}
	return ""
}

// failoverInProgress reports whether the global cluster is moving its writer to target.
func failoverInProgress(g *rdstypes.GlobalCluster, target string) bool {
	fs := g.FailoverState
	if fs == nil || awssdk.ToString(fs.ToDbClusterArn) != target {
		return false
	}
	switch fs.Status {
	case rdstypes.FailoverStatusPending, rdstypes.FailoverStatusFailingOver, "switching-over":
		return true
	}
	return false
}

// ---- aws.rds.failover_global_cluster and aws.rds.switchover_global_cluster

type globalFailoverInput struct {
	GlobalClusterID  string `json:"global_cluster_identifier"`
	TargetClusterARN string `json:"target_db_cluster_identifier"`
	AllowDataLoss    bool   `json:"allow_data_loss"`
	Wait             bool   `json:"wait"`
	Scope
}

type globalSwitchoverInput struct {
	GlobalClusterID  string `json:"global_cluster_identifier"`
	TargetClusterARN string `json:"target_db_cluster_identifier"`
	Wait             bool   `json:"wait"`
	Scope
}

// A global database's step acts in the target cluster's region unless it names one.

func (in globalFailoverInput) scope() Scope   { return in.Scope.orRegionOf(in.TargetClusterARN) }
func (in globalSwitchoverInput) scope() Scope { return in.Scope.orRegionOf(in.TargetClusterARN) }
func (in detachInput) scope() Scope           { return in.Scope.orRegionOf(in.ClusterARN) }

// failover is the switchover as moveGlobalWriter takes it.
func (in globalSwitchoverInput) failover() globalFailoverInput {
	return globalFailoverInput{GlobalClusterID: in.GlobalClusterID, TargetClusterARN: in.TargetClusterARN, Wait: in.Wait, Scope: in.scope()}
}

var globalFailoverInputs = []runbooks.Field{
	reqStr("global_cluster_identifier", "Aurora global database identifier"),
	reqStr("target_db_cluster_identifier", "ARN of the secondary cluster to make the writer (the step's region defaults to its region)"),
}

var globalFailoverOutputs = []runbooks.Field{
	field("new_primary", runbooks.TypeString, "ARN of the writer (primary) cluster now"),
	field("previous_primary", runbooks.TypeString, "ARN of the writer cluster before (the target of a failback)"),
	field("changed", runbooks.TypeBool, "false when the target was already the writer"),
}

var rdsFailoverGlobalClusterSpec = newSpec[globalFailoverInput](runbooks.Kind{
	Name: "aws.rds.failover_global_cluster",
	Description: "Fail over an Aurora global database to a secondary cluster (the primary region is down): " +
		"allow_data_loss must be set explicitly; false makes it a switchover that waits for replication and loses nothing. " +
		"A target that is already the writer is success. Rollbackable by failing over to previous_primary.",
	Inputs: append(append([]runbooks.Field{}, globalFailoverInputs...),
		required(field("allow_data_loss", runbooks.TypeBool, "accept losing writes not yet replicated (true for an unplanned failover)")),
		waitInput(true, "the target is the writer and the failover has finished")),
	Outputs:         globalFailoverOutputs,
	IAMActions:      []string{"rds:DescribeGlobalClusters", "rds:FailoverGlobalCluster"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(5 * time.Minute),
})

var rdsSwitchoverGlobalClusterSpec = newSpec[globalSwitchoverInput](runbooks.Kind{
	Name: "aws.rds.switchover_global_cluster",
	Description: "Switch over an Aurora global database to a secondary cluster without data loss (planned; both regions healthy). " +
		"A target that is already the writer is success. Rollbackable by switching back to previous_primary.",
	Inputs:          append(append([]runbooks.Field{}, globalFailoverInputs...), waitInput(true, "the target is the writer and the switchover has finished")),
	Outputs:         globalFailoverOutputs,
	IAMActions:      []string{"rds:DescribeGlobalClusters", "rds:SwitchoverGlobalCluster"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(10 * time.Minute),
})

type globalFailoverer interface {
	globalClusterDescriber
	FailoverGlobalCluster(context.Context, *rds.FailoverGlobalClusterInput, ...func(*rds.Options)) (*rds.FailoverGlobalClusterOutput, error)
	SwitchoverGlobalCluster(context.Context, *rds.SwitchoverGlobalClusterInput, ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error)
}

// RDSFailoverGlobalCluster carries out aws.rds.failover_global_cluster.
func (a *Actions) RDSFailoverGlobalCluster(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsFailoverGlobalClusterSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in globalFailoverInput, c *rds.Client) (activities.Result, error) {
		return a.moveGlobalWriter(ctx, c, in, false)
	}))
}

// RDSSwitchoverGlobalCluster carries out aws.rds.switchover_global_cluster.
func (a *Actions) RDSSwitchoverGlobalCluster(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsSwitchoverGlobalClusterSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in globalSwitchoverInput, c *rds.Client) (activities.Result, error) {
		return a.moveGlobalWriter(ctx, c, in.failover(), true)
	}))
}

func (a *Actions) moveGlobalWriter(ctx context.Context, c globalFailoverer, in globalFailoverInput, switchover bool) (activities.Result, error) {
	verb := "fail over"
	if switchover {
		verb = "switch over"
	}
	what := fmt.Sprintf("%s global cluster %q to %q", verb, in.GlobalClusterID, in.TargetClusterARN)
	g, err := describeGlobalCluster(ctx, c, in.GlobalClusterID)
	if err != nil {
		return nil, err
	}
	if globalMember(g, in.TargetClusterARN) == nil {
		return nil, notFound("%s: the target is not a member of the global cluster", what)
	}
	previous := firstAttempt(ctx, globalWriter(g))
	target := globalMember(g, in.TargetClusterARN)
	changed := previous != in.TargetClusterARN
	if !awssdk.ToBool(target.IsWriter) && !failoverInProgress(g, in.TargetClusterARN) {
		logChange(ctx, verb+" global cluster", "global_cluster", in.GlobalClusterID, "from", previous,
			"to", in.TargetClusterARN, "allow_data_loss", in.AllowDataLoss)
		if switchover {
			_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{
				GlobalClusterIdentifier:   awssdk.String(in.GlobalClusterID),
				TargetDbClusterIdentifier: awssdk.String(in.TargetClusterARN),
			})
		} else {
			input := &rds.FailoverGlobalClusterInput{
				GlobalClusterIdentifier:   awssdk.String(in.GlobalClusterID),
				TargetDbClusterIdentifier: awssdk.String(in.TargetClusterARN),
			}
			if in.AllowDataLoss { // without it, FailoverGlobalCluster is a switchover
				input.AllowDataLoss = awssdk.Bool(true)
			}
			_, err = c.FailoverGlobalCluster(ctx, input)
		}
		if err != nil {
			return nil, classify(err, "%s", what)
		}
	}
	if in.Wait {
		err := a.waitGlobalCluster(ctx, c, what, in.GlobalClusterID, func(g *rdstypes.GlobalCluster) (bool, string) {
			m := globalMember(g, in.TargetClusterARN)
			done := m != nil && awssdk.ToBool(m.IsWriter) && !failoverInProgress(g, in.TargetClusterARN)
			state := awssdk.ToString(g.Status)
			if g.FailoverState != nil && g.FailoverState.Status != "" {
				state += ", " + string(g.FailoverState.Status)
			}
			return done, state
		})
		if err != nil {
			return nil, err
		}
	}
	return activities.Result{
		"new_primary":      in.TargetClusterARN,
		"previous_primary": previous,
		"changed":          changed,
	}, nil
}

// ---- aws.rds.detach_from_global_cluster

type detachInput struct {
	GlobalClusterID string `json:"global_cluster_identifier"`
	ClusterARN      string `json:"db_cluster_identifier"`
	Wait            bool   `json:"wait"`
	Scope
}

var rdsDetachFromGlobalClusterSpec = newSpec[detachInput](runbooks.Kind{
	Name: "aws.rds.detach_from_global_cluster",
	Description: "Detach a secondary cluster from an Aurora global database, making it a standalone writable cluster " +
		"(the last resort when the global failover cannot run). A cluster that is not a member is success.",
	Inputs: []runbooks.Field{
		reqStr("global_cluster_identifier", "Aurora global database identifier"),
		reqStr("db_cluster_identifier", "ARN of the cluster to detach (the step's region defaults to its region)"),
		waitInput(true, "the cluster has left the global database"),
	},
	Outputs: []runbooks.Field{
		field("detached", runbooks.TypeBool, "false when the cluster was not a member"),
	},
	IAMActions:      []string{"rds:DescribeGlobalClusters", "rds:RemoveFromGlobalCluster"},
	SideEffects:     true,
	DefaultEstimate: estimate(5 * time.Minute),
})

type globalDetacher interface {
	globalClusterDescriber
	RemoveFromGlobalCluster(context.Context, *rds.RemoveFromGlobalClusterInput, ...func(*rds.Options)) (*rds.RemoveFromGlobalClusterOutput, error)
}

// RDSDetachFromGlobalCluster carries out aws.rds.detach_from_global_cluster.
func (a *Actions) RDSDetachFromGlobalCluster(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsDetachFromGlobalClusterSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in detachInput, c *rds.Client) (activities.Result, error) {
		return a.detach(ctx, c, in)
	}))
}

func (a *Actions) detach(ctx context.Context, c globalDetacher, in detachInput) (activities.Result, error) {
	what := fmt.Sprintf("detach cluster %q from global cluster %q", in.ClusterARN, in.GlobalClusterID)
	g, err := describeGlobalCluster(ctx, c, in.GlobalClusterID)
	if err != nil {
		return nil, err
	}
	detached := firstAttempt(ctx, globalMember(g, in.ClusterARN) != nil)
	if globalMember(g, in.ClusterARN) != nil {
		logChange(ctx, "detach cluster from Aurora global cluster", "global_cluster", in.GlobalClusterID, "cluster", in.ClusterARN)
		_, err := c.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{
			GlobalClusterIdentifier: awssdk.String(in.GlobalClusterID),
			DbClusterIdentifier:     awssdk.String(in.ClusterARN),
		})
		if err != nil {
			return nil, classify(err, "%s", what)
		}
	}
	if in.Wait {
		err := a.waitGlobalCluster(ctx, c, what, in.GlobalClusterID, func(g *rdstypes.GlobalCluster) (bool, string) {
			return globalMember(g, in.ClusterARN) == nil, awssdk.ToString(g.Status)
		})
		if err != nil {
			return nil, err
		}
	}
	return activities.Result{"detached": detached}, nil
}

// ---- aws.rds.failover_cluster

type failoverClusterInput struct {
	ClusterID        string `json:"db_cluster_identifier"`
	TargetInstanceID string `json:"target_db_instance_identifier,omitempty"`
	Wait             bool   `json:"wait"`
	Scope
}

var rdsFailoverClusterSpec = newSpec[failoverClusterInput](runbooks.Kind{
	Name: "aws.rds.failover_cluster",
	Description: "Fail over an Aurora/Multi-AZ DB cluster to a reader (given, or the reader with the best promotion tier) and wait " +
		"until it is the writer. A target that is already the writer is success; a retried attempt keeps the first attempt's target.",
	Inputs: []runbooks.Field{
		reqStr("db_cluster_identifier", "DB cluster identifier"),
		optStr("target_db_instance_identifier", "the reader to promote (default: best promotion tier, then name)"),
		waitInput(true, "the target is the writer and the cluster is available"),
	},
	Outputs: []runbooks.Field{
		field("new_writer", runbooks.TypeString, "the writer instance now"),
		field("previous_writer", runbooks.TypeString, "the writer instance before"),
		field("changed", runbooks.TypeBool, "false when the target was already the writer"),
	},
	IAMActions:      []string{"rds:DescribeDBClusters", "rds:FailoverDBCluster"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(2 * time.Minute),
})

type clusterDescriber interface {
	DescribeDBClusters(context.Context, *rds.DescribeDBClustersInput, ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
}

type clusterFailoverer interface {
	clusterDescriber
	FailoverDBCluster(context.Context, *rds.FailoverDBClusterInput, ...func(*rds.Options)) (*rds.FailoverDBClusterOutput, error)
}

func describeCluster(ctx context.Context, c clusterDescriber, id string) (*rdstypes.DBCluster, error) {
	out, err := c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: awssdk.String(id)})
	if err != nil {
		return nil, classify(err, "describe DB cluster %q", id)
	}
	if len(out.DBClusters) == 0 {
		return nil, notFound("DB cluster %q not found", id)
	}
	return &out.DBClusters[0], nil
}

func clusterWriter(c *rdstypes.DBCluster) string {
	for _, m := range c.DBClusterMembers {
		if awssdk.ToBool(m.IsClusterWriter) {
			return awssdk.ToString(m.DBInstanceIdentifier)
		}
	}
	return ""
}

// bestReader is the reader a failover without a target goes to: the best (lowest)
// promotion tier, then the name, so the choice is deterministic.
func bestReader(c *rdstypes.DBCluster) string {
	var readers []rdstypes.DBClusterMember
	for _, m := range c.DBClusterMembers {
		if !awssdk.ToBool(m.IsClusterWriter) {
			readers = append(readers, m)
		}
	}
	sort.Slice(readers, func(i, j int) bool {
		ti, tj := awssdk.ToInt32(readers[i].PromotionTier), awssdk.ToInt32(readers[j].PromotionTier)
		if ti != tj {
			return ti < tj
		}
		return awssdk.ToString(readers[i].DBInstanceIdentifier) < awssdk.ToString(readers[j].DBInstanceIdentifier)
	})
	if len(readers) == 0 {
		return ""
	}
	return awssdk.ToString(readers[0].DBInstanceIdentifier)
}

// failoverProgress is what failover_cluster records in its heartbeat: a retried attempt
// keeps the target, instead of failing over again (back to the old writer).
type failoverProgress struct {
	Target, Previous string
}

// RDSFailoverCluster carries out aws.rds.failover_cluster.
func (a *Actions) RDSFailoverCluster(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsFailoverClusterSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in failoverClusterInput, c *rds.Client) (activities.Result, error) {
		return a.failoverCluster(ctx, c, in)
	}))
}

func (a *Actions) failoverCluster(ctx context.Context, c clusterFailoverer, in failoverClusterInput) (activities.Result, error) {
	cl, err := describeCluster(ctx, c, in.ClusterID)
	if err != nil {
		return nil, err
	}
	var prog failoverProgress
	if !loadProgress(ctx, &prog) {
		prog = failoverProgress{Target: in.TargetInstanceID, Previous: clusterWriter(cl)}
		if prog.Target == "" {
			prog.Target = bestReader(cl)
		}
		saveProgress(ctx, prog)
	}
	what := fmt.Sprintf("fail over DB cluster %q to instance %q", in.ClusterID, prog.Target)
	if prog.Target == "" {
		return nil, invalid("fail over DB cluster %q: it has no reader to fail over to", in.ClusterID)
	}
	if !isClusterMember(cl, prog.Target) {
		return nil, notFound("%s: the instance is not a member of the cluster", what)
	}
	if clusterWriter(cl) != prog.Target && awssdk.ToString(cl.Status) != "failing-over" {
		logChange(ctx, "fail over DB cluster", "cluster", in.ClusterID, "from", prog.Previous, "to", prog.Target)
		if _, err := c.FailoverDBCluster(ctx, &rds.FailoverDBClusterInput{
			DBClusterIdentifier:        awssdk.String(in.ClusterID),
			TargetDBInstanceIdentifier: awssdk.String(prog.Target),
		}); err != nil {
			return nil, classify(err, "%s", what)
		}
	}
	if in.Wait {
		if _, err := a.waitCluster(ctx, c, in.ClusterID, "available", prog.Target); err != nil {
			return nil, err
		}
	}
	return activities.Result{
		"new_writer":      prog.Target,
		"previous_writer": prog.Previous,
		"changed":         prog.Previous != prog.Target,
	}, nil
}

func isClusterMember(c *rdstypes.DBCluster, instance string) bool {
	for _, m := range c.DBClusterMembers {
		if awssdk.ToString(m.DBInstanceIdentifier) == instance {
			return true
		}
	}
	return false
}

// ---- aws.rds.wait_cluster

type waitClusterInput struct {
	ClusterID        string `json:"db_cluster_identifier"`
	Status           string `json:"status"`
	WriterInstanceID string `json:"writer_db_instance_identifier,omitempty"`
	RequireWriter    bool   `json:"require_writer"`
	Scope
}

var rdsWaitClusterSpec = newSpec[waitClusterInput](runbooks.Kind{
	Name: "aws.rds.wait_cluster",
	Description: "Wait until a DB cluster has a status (default available) and, when asked, a writer: the given instance, or " +
		"with require_writer any instance (a global database's secondary cluster has only readers until a failover " +
		"promotes it, so waiting for one of its instances to be available says nothing about writes).",
	Inputs: []runbooks.Field{
		reqStr("db_cluster_identifier", "DB cluster identifier"),
		withDefault(optStr("status", "status to wait for"), "available"),
		optStr("writer_db_instance_identifier", "also wait until this instance is the writer"),
		withDefault(field("require_writer", runbooks.TypeBool, "also wait until some instance of the cluster is the writer"), false),
	},
	Outputs: []runbooks.Field{
		field("status", runbooks.TypeString, "cluster status"),
		field("writer", runbooks.TypeString, "the writer instance"),
		field("endpoint", runbooks.TypeString, "the cluster (writer) endpoint"),
		field("reader_endpoint", runbooks.TypeString, "the reader endpoint"),
	},
	IAMActions:      []string{"rds:DescribeDBClusters"},
	DefaultEstimate: estimate(5 * time.Minute),
})

// RDSWaitCluster carries out aws.rds.wait_cluster.
func (a *Actions) RDSWaitCluster(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsWaitClusterSpec.run(ctx, req, withClient(a.rdsClient, func(ctx context.Context, req activities.Request, in waitClusterInput, c *rds.Client) (activities.Result, error) {
		writer := in.WriterInstanceID
		if writer == "" && in.RequireWriter {
			writer = anyWriter
		}
		cl, err := a.waitCluster(ctx, c, in.ClusterID, in.Status, writer)
		if err != nil {
			return nil, err
		}
		return activities.Result{
			"status":          awssdk.ToString(cl.Status),
			"writer":          clusterWriter(cl),
			"endpoint":        awssdk.ToString(cl.Endpoint),
			"reader_endpoint": awssdk.ToString(cl.ReaderEndpoint),
		}, nil
	}))
}

// anyWriter asks waitCluster for a writer, whichever instance it is.
const anyWriter = "\x00any"

// waitCluster polls until the cluster has status and, when writer is given, that writer
// (DBClusterMember.IsClusterWriter; anyWriter: some member).
func (a *Actions) waitCluster(ctx context.Context, c clusterDescriber, id, status, writer string) (*rdstypes.DBCluster, error) {
	what := fmt.Sprintf("DB cluster %q %s", id, status)
	if writer == anyWriter {
		what += " with a writer"
	} else if writer != "" {
		what += fmt.Sprintf(" with writer %q", writer)
	}
	var last *rdstypes.DBCluster
	_, err := a.poll(ctx, what, func(ctx context.Context) (bool, string, error) {
		cl, err := describeCluster(ctx, c, id)
		if err != nil {
			return false, "", err
		}
		last = cl
		st := awssdk.ToString(cl.Status)
		if failedInstanceStates[st] && st != status {
			return false, st, failed("DB cluster %q is %s", id, st)
		}
		w := clusterWriter(cl)
		hasWriter := writer == "" || (writer == anyWriter && w != "") || w == writer
		if w == "" {
			w = "none"
		}
		return st == status && hasWriter, fmt.Sprintf("%s, writer %s", st, w), nil
	})
	return last, err
}
