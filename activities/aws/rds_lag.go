package aws

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.rds.replica_lag

type replicaLagInput struct {
	InstanceID    string   `json:"db_instance_identifier,omitempty"`
	ClusterID     string   `json:"db_cluster_identifier,omitempty"`
	Metric        string   `json:"metric,omitempty"`
	MaxLagSeconds *float64 `json:"max_lag_seconds,omitempty"`
	Scope
}

var rdsReplicaLagSpec = newSpec[replicaLagInput](runbooks.Kind{
	Name: "aws.rds.replica_lag",
	Description: "Read a replica's lag from CloudWatch (the newest datapoint of the last 10 minutes): ReplicaLag for an instance, " +
		"AuroraGlobalDBReplicationLag for a cluster (or the metric given). With max_lag_seconds, fail when the lag is larger or unknown.",
	Inputs: []runbooks.Field{
		optStr("db_instance_identifier", "the read replica's DB instance identifier"),
		optStr("db_cluster_identifier", "the secondary DB cluster's identifier (Aurora)"),
		allowed(optStr("metric", "metric to read"), "ReplicaLag", "AuroraReplicaLag", "AuroraReplicaLagMaximum", "AuroraGlobalDBReplicationLag", "AuroraBinlogReplicaLag"),
		field("max_lag_seconds", runbooks.TypeNumber, "fail the step when the lag is larger than this"),
	},
	Outputs: []runbooks.Field{
		field("lag_seconds", runbooks.TypeNumber, "the lag in seconds (-1 when there is no datapoint)"),
		field("measured_at", runbooks.TypeString, "the datapoint's time (RFC 3339)"),
		field("metric", runbooks.TypeString, "the metric read"),
	},
	IAMActions:      []string{"cloudwatch:GetMetricData"},
	DefaultEstimate: estimate(2 * time.Second),
})

// RDSReplicaLag carries out aws.rds.replica_lag.
func (a *Actions) RDSReplicaLag(ctx context.Context, req activities.Request) (activities.Result, error) {
	return rdsReplicaLagSpec.run(ctx, req, withClient(a.cloudwatchClient, func(ctx context.Context, req activities.Request, in replicaLagInput, c *cloudwatch.Client) (activities.Result, error) {
		return replicaLag(ctx, c, in, time.Now())
	}))
}

func (in replicaLagInput) validate() error {
	if (in.InstanceID == "") == (in.ClusterID == "") {
		return errors.New("give exactly one of db_instance_identifier and db_cluster_identifier")
	}
	return nil
}

// lagMetricsInMillis are the Aurora lag metrics CloudWatch reports in milliseconds.
var lagMetricsInMillis = map[string]bool{
	"AuroraReplicaLag": true, "AuroraReplicaLagMaximum": true, "AuroraGlobalDBReplicationLag": true,
}

func replicaLag(ctx context.Context, c metricReader, in replicaLagInput, now time.Time) (activities.Result, error) {
	dim, id, metric := "DBInstanceIdentifier", in.InstanceID, in.Metric
	if in.ClusterID != "" {
		dim, id = "DBClusterIdentifier", in.ClusterID
		if metric == "" {
			metric = "AuroraGlobalDBReplicationLag"
		}
	} else if metric == "" {
		metric = "ReplicaLag"
	}
	what := fmt.Sprintf("read %s of %q", metric, id)
	lag, at, err := newestDatapoint(ctx, c, metricQuery{id: "lag", namespace: "AWS/RDS", name: metric,
		dimension: dim, value: id, stat: "Maximum"}, now, now, what)
	if err != nil {
		return nil, err
	}
	if lag >= 0 && lagMetricsInMillis[metric] {
		lag /= 1000
	}
	if in.MaxLagSeconds != nil {
		if lag < 0 {
			return nil, failed("%s: no datapoint in the last 10 minutes, so the lag is unknown", what)
		}
		if lag > *in.MaxLagSeconds {
			return nil, failed("%s: lag %.1fs is above the limit %.1fs", what, lag, *in.MaxLagSeconds)
		}
	}
	measured := ""
	if !at.IsZero() {
		measured = at.UTC().Format(time.RFC3339)
	}
	return activities.Result{"lag_seconds": lag, "measured_at": measured, "metric": metric}, nil
}
