package engine

import (
	"go.temporal.io/server/common/dynamicconfig"
)

// latencyTuning is the dynamic config that makes one node with one shard
// fast for a single runbook run, where each step waits for the one before.
//
// The server's defaults are sized for clusters with many shards: each
// shard's queue readers poll at most 20 times a second, so every task that
// goes through the transfer queue (a new workflow task after an activity
// completes) waits up to 50 ms for its reader's rate limiter; that was
// ≈45 ms per sequential activity on the untuned engine.
var latencyTuning = map[string]any{
	// Queue readers: with one shard these are the only readers, so let them
	// read as soon as a task is written.
	dynamicconfig.TransferProcessorMaxPollRPS.Key().String():   10000,
	dynamicconfig.TimerProcessorMaxPollRPS.Key().String():      10000,
	dynamicconfig.VisibilityProcessorMaxPollRPS.Key().String(): 10000,
	dynamicconfig.OutboundProcessorMaxPollRPS.Key().String():   10000,

	// The workflow task that schedules an activity gets the activity back in
	// its response when the worker polls the same task queue: no trip
	// through the transfer queue and matching. (On by default in v1.32;
	// stated here because the numbers depend on it.)
	dynamicconfig.EnableActivityEagerExecution.Key().String(): true,
	// Same for the first workflow task when a client asks for eager start.
	dynamicconfig.EnableEagerWorkflowStart.Key().String(): true,

	// One partition per task queue: with several, a task written to one
	// partition waits for a poll to be forwarded to it.
	dynamicconfig.MatchingNumTaskqueueReadPartitions.Key().String():  1,
	dynamicconfig.MatchingNumTaskqueueWritePartitions.Key().String(): 1,

	// The Web UI lists and counts runs often; the default visibility rate
	// limit of a namespace is low for one busy user.
	dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key().String(): 100,
}

// dynamicConfig is the server's dynamic config for o: the tuning unless
// o.Untuned, then o.DynamicConfig on top.
func dynamicConfig(o Options) dynamicconfig.StaticClient {
	dc := make(dynamicconfig.StaticClient, len(latencyTuning)+len(o.DynamicConfig))
	if !o.Untuned {
		for k, v := range latencyTuning {
			dc[dynamicconfig.MakeKey(k)] = v
		}
	}
	for k, v := range o.DynamicConfig {
		dc[dynamicconfig.MakeKey(k)] = v
	}
	return dc
}
