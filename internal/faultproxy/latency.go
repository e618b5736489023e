package faultproxy

import (
	"context"
	"sort"
	"time"
)

// Op names one AWS operation as the proxy sees it: the service of the SigV4 credential
// scope and the action (see Entry).
type Op struct{ Service, Action string }

// SetLatencies gives operations the time AWS takes to carry them out: from now on the
// answer to a call of op is held for its latency after the target (moto answers at
// once) has applied it, so that a caller that acts on the answer sees a world that
// became ready that much later. Options.Wait does the waiting; Entry.Latency records it.
// nil ends the latencies.
func (p *Proxy) SetLatencies(l map[Op]time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latencies = map[Op]time.Duration{}
	for op, d := range l {
		p.latencies[op] = d
	}
}

func (p *Proxy) latency(e Entry) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latencies[Op{e.Service, e.Action}]
}

// waitTimer is the default Options.Wait: a real timer, cut short when the client goes.
func waitTimer(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Busy is the time within [from, to] during which at least one call was at AWS (in the
// proxy: forwarded, held for its latency or for an outage), overlapping calls counted
// once. A run's wall clock less Busy is the time the caller spent on its own work.
func (p *Proxy) Busy(from, to time.Time) time.Duration {
	var spans [][2]time.Time
	for _, e := range p.Log() {
		a, b := e.At, e.Done
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		if b.After(a) {
			spans = append(spans, [2]time.Time{a, b})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0].Before(spans[j][0]) })
	var busy time.Duration
	var end time.Time
	for _, s := range spans {
		if s[0].After(end) {
			busy += s[1].Sub(s[0])
			end = s[1]
		} else if s[1].After(end) {
			busy += s[1].Sub(end)
			end = s[1]
		}
	}
	return busy
}

// Realistic latencies of the operations the library's failovers wait on, with the
// source of each figure. Use them with SetLatencies in a benchmark that runs in real
// time; unit tests give Options.Wait a function that does not sleep.
var (
	// ECSScaleOut is UpdateService to a larger desired count until the new tasks are
	// healthy targets. A newly registered target is healthy after one passing health
	// check, and the load balancer checks every 30 seconds by default ("Optimize load
	// balancer health check parameters for Amazon ECS",
	// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html);
	// the task's placement, image pull and start come on top, so this is a lower bound.
	ECSScaleOut = 30 * time.Second
	// ARCUpdate is one UpdateRoutingControlState(s) call on a cluster's data plane. AWS
	// publishes no latency for it; 1 s is an assumption: a call to one of the cluster's
	// five Regional endpoints, which "work in coordination so that they guarantee high
	// availability and sequential consistency of failover operations" ("Set up routing
	// control components",
	// https://docs.aws.amazon.com/r53recovery/latest/dg/getting-started-cli-routing-config.html).
	ARCUpdate = time.Second
	// DynamoDBReplicaWrite is a write to a global table until it shows in the other
	// replicas. AWS measures it as the ReplicationLatency metric and publishes no bound
	// ("Monitoring global tables",
	// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_monitoring.html);
	// 1 s is an assumption, the order AWS gives for the like-for-like case of Aurora
	// Global Database's replication, "typically under a second"
	// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html).
	DynamoDBReplicaWrite = time.Second
	// AuroraGlobalFailover is FailoverGlobalCluster until the secondary takes writes.
	// AWS describes Aurora Global Database's cross-Region recovery as typically under a
	// minute (Aurora's "Availability and durability" page, section Amazon Aurora Global
	// Database,
	// https://docs.aws.amazon.com/rds/latest/auroraextendedcontent/aurora-features-availability.html);
	// taken at its upper end, 60 s. Not measured.
	AuroraGlobalFailover = time.Minute
)

// RealisticLatencies maps the operations to the figures above.
func RealisticLatencies() map[Op]time.Duration {
	return map[Op]time.Duration{
		{"ecs", "UpdateService"}:                                   ECSScaleOut,
		{"route53-recovery-cluster", "UpdateRoutingControlState"}:  ARCUpdate,
		{"route53-recovery-cluster", "UpdateRoutingControlStates"}: ARCUpdate,
		{"dynamodb", "PutItem"}:                                    DynamoDBReplicaWrite,
		{"rds", "FailoverGlobalCluster"}:                           AuroraGlobalFailover,
	}
}
