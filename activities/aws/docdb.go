package aws

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/docdb"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.docdb.failover_global_cluster and aws.docdb.switchover_global_cluster

// DocumentDB global clusters have the global-cluster operations of Aurora's, with the
// same parameters and shapes (FailoverGlobalCluster with AllowDataLoss or Switchover,
// SwitchoverGlobalCluster, DescribeGlobalClusters with FailoverState:
// https://docs.aws.amazon.com/documentdb/latest/developerguide/API_FailoverGlobalCluster.html),
// on DocumentDB's own API, signed as "rds" and authorized by rds: IAM actions. So the
// kinds share the Aurora kinds' logic (moveGlobalWriter) through docdbGlobals, which
// speaks DocumentDB's API.

var docdbFailoverGlobalClusterSpec = newSpec[globalFailoverInput](runbooks.Kind{
	Name: "aws.docdb.failover_global_cluster",
	Description: "Fail over an Amazon DocumentDB global cluster to a secondary cluster (the primary region is down): " +
		"allow_data_loss must be set explicitly; false makes it a switchover that waits for replication and loses nothing. " +
		"Called in the target's region. A target that is already the primary is success. Rollbackable by failing over to previous_primary.",
	Inputs: append(append([]runbooks.Field{}, globalFailoverInputs...),
		required(field("allow_data_loss", runbooks.TypeBool, "accept losing writes not yet replicated (true for an unplanned failover)")),
		waitInput(true, "the target is the primary and the failover has finished")),
	Outputs:         globalFailoverOutputs,
	IAMActions:      []string{"rds:DescribeGlobalClusters", "rds:FailoverGlobalCluster"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(5 * time.Minute),
})

var docdbSwitchoverGlobalClusterSpec = newSpec[globalSwitchoverInput](runbooks.Kind{
	Name: "aws.docdb.switchover_global_cluster",
	Description: "Switch over an Amazon DocumentDB global cluster to a secondary cluster without data loss (planned; both regions " +
		"healthy). A target that is already the primary is success. Rollbackable by switching back to previous_primary.",
	Inputs:          append(append([]runbooks.Field{}, globalFailoverInputs...), waitInput(true, "the target is the primary and the switchover has finished")),
	Outputs:         globalFailoverOutputs,
	IAMActions:      []string{"rds:DescribeGlobalClusters", "rds:SwitchoverGlobalCluster"},
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(10 * time.Minute),
})

func (a *Actions) docdbGlobals(ctx context.Context, s Scope) (docdbGlobals, error) {
	c, err := client(ctx, a, "docdb", s, docdb.NewFromConfig)
	return docdbGlobals{c}, err
}

// DocDBFailoverGlobalCluster carries out aws.docdb.failover_global_cluster.
func (a *Actions) DocDBFailoverGlobalCluster(ctx context.Context, req activities.Request) (activities.Result, error) {
	return docdbFailoverGlobalClusterSpec.run(ctx, req, withClient(a.docdbGlobals, func(ctx context.Context, req activities.Request, in globalFailoverInput, c docdbGlobals) (activities.Result, error) {
		return a.moveGlobalWriter(ctx, c, in, false)
	}))
}

// DocDBSwitchoverGlobalCluster carries out aws.docdb.switchover_global_cluster.
func (a *Actions) DocDBSwitchoverGlobalCluster(ctx context.Context, req activities.Request) (activities.Result, error) {
	return docdbSwitchoverGlobalClusterSpec.run(ctx, req, withClient(a.docdbGlobals, func(ctx context.Context, req activities.Request, in globalSwitchoverInput, c docdbGlobals) (activities.Result, error) {
		return a.moveGlobalWriter(ctx, c, in.failover(), true)
	}))
}

// docdbGlobals is the globalFailoverer of DocumentDB: each call goes to DocumentDB's API,
// its answer in the shapes moveGlobalWriter reads.
type docdbGlobals struct{ c *docdb.Client }

func (d docdbGlobals) DescribeGlobalClusters(ctx context.Context, in *rds.DescribeGlobalClustersInput, _ ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error) {
	out, err := d.c.DescribeGlobalClusters(ctx, &docdb.DescribeGlobalClustersInput{GlobalClusterIdentifier: in.GlobalClusterIdentifier})
	if err != nil {
		return nil, err
	}
	res := &rds.DescribeGlobalClustersOutput{}
	for _, g := range out.GlobalClusters {
		rg := rdstypes.GlobalCluster{GlobalClusterIdentifier: g.GlobalClusterIdentifier, GlobalClusterArn: g.GlobalClusterArn,
			Status: g.Status, Engine: g.Engine}
		for _, m := range g.GlobalClusterMembers {
			rg.GlobalClusterMembers = append(rg.GlobalClusterMembers, rdstypes.GlobalClusterMember{DBClusterArn: m.DBClusterArn, IsWriter: m.IsWriter, Readers: m.Readers})
		}
		if fs := g.FailoverState; fs != nil {
			rg.FailoverState = &rdstypes.FailoverState{Status: rdstypes.FailoverStatus(fs.Status), FromDbClusterArn: fs.FromDbClusterArn,
				ToDbClusterArn: fs.ToDbClusterArn, IsDataLossAllowed: fs.IsDataLossAllowed}
		}
		res.GlobalClusters = append(res.GlobalClusters, rg)
	}
	return res, nil
}

func (d docdbGlobals) FailoverGlobalCluster(ctx context.Context, in *rds.FailoverGlobalClusterInput, _ ...func(*rds.Options)) (*rds.FailoverGlobalClusterOutput, error) {
	_, err := d.c.FailoverGlobalCluster(ctx, &docdb.FailoverGlobalClusterInput{GlobalClusterIdentifier: in.GlobalClusterIdentifier,
		TargetDbClusterIdentifier: in.TargetDbClusterIdentifier, AllowDataLoss: in.AllowDataLoss})
	return &rds.FailoverGlobalClusterOutput{}, err
}

func (d docdbGlobals) SwitchoverGlobalCluster(ctx context.Context, in *rds.SwitchoverGlobalClusterInput, _ ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error) {
	_, err := d.c.SwitchoverGlobalCluster(ctx, &docdb.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: in.GlobalClusterIdentifier,
		TargetDbClusterIdentifier: in.TargetDbClusterIdentifier})
	return &rds.SwitchoverGlobalClusterOutput{}, err
}
