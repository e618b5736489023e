package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/runbooks"
)

// Metric names bcdr records from the workflow. They go through the worker's Temporal
// metrics handler, which drops them while a history is replayed, so each is recorded once
// per run however often the run is replayed. The Prometheus exporter adds _total to the
// counters and _seconds to the durations.
const (
	MetricRuns         = "bcdr_runs"          // counter: runbook, mode, outcome
	MetricRunDuration  = "bcdr_run_duration"  // duration from the RTO clock's start to the end: runbook, mode, outcome
	MetricRTOAchieved  = "bcdr_rto_achieved"  // duration: runbook, mode, met (true/false); runs that measured an RTO
	MetricRPOAchieved  = "bcdr_rpo_achieved"  // duration: runbook, mode, met; runs that measured an RPO
	MetricStepDuration = "bcdr_step_duration" // duration: runbook, step, kind, status
	MetricApprovalWait = "bcdr_approval_wait" // duration from asking to the decision: runbook, step, status
	MetricStepRetries  = "bcdr_step_retries"  // counter of attempts after the first: runbook, step, kind
)

// recordRun records a finished run: its outcome, its duration, and the RTO and RPO it
// achieved against their targets.
func recordRun(ctx workflow.Context, st *Status) {
	tags := map[string]string{"runbook": st.Runbook, "mode": string(st.Mode)}
	h := workflow.GetMetricsHandler(ctx).WithTags(tags)
	outcome := h.WithTags(map[string]string{"outcome": string(st.State)})
	outcome.Counter(MetricRuns).Inc(1)
	outcome.Timer(MetricRunDuration).Record(st.Elapsed)
	if st.RTOActual > 0 {
		h.WithTags(map[string]string{"met": met(st.RTOActual, st.RTOTarget)}).Timer(MetricRTOAchieved).Record(st.RTOActual)
	}
	if st.RPOActual > 0 {
		h.WithTags(map[string]string{"met": met(st.RPOActual, st.RPOTarget)}).Timer(MetricRPOAchieved).Record(st.RPOActual)
	}
}

// recordStep records a step that has ended: how long it took and, for an approval, how
// long the people took to decide.
func recordStep(ctx workflow.Context, runbook string, s *StepState) {
	if !s.Status.Terminal() || s.StartedAt.IsZero() || s.EndedAt.Before(s.StartedAt) {
		return
	}
	h := workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"runbook": runbook, "step": s.ID})
	took := s.EndedAt.Sub(s.StartedAt)
	if s.Uses == runbooks.KindApproval {
		h.WithTags(map[string]string{"status": string(s.Status)}).Timer(MetricApprovalWait).Record(took)
	}
	h.WithTags(map[string]string{"kind": s.Uses, "status": string(s.Status)}).Timer(MetricStepDuration).Record(took)
	if s.Attempts > 1 {
		h.WithTags(map[string]string{"kind": s.Uses}).Counter(MetricStepRetries).Inc(int64(s.Attempts - 1))
	}
}

// met says whether an achieved objective met its target: "true", "false", or "none"
// when the runbook sets no target.
func met(actual, target time.Duration) string {
	switch {
	case target <= 0:
		return "none"
	case actual > target:
		return "false"
	}
	return "true"
}
