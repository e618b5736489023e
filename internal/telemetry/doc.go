// Package telemetry gives a bcdr process its metrics and traces: a Temporal SDK metrics
// handler whose metrics (the SDK's own and the ones bcdr's workflow records, replay-safe,
// through workflow.GetMetricsHandler) are served in the Prometheus text format, and,
// when an OTLP endpoint is configured, OpenTelemetry tracing through the Temporal
// client interceptors, so that a run's workflow, activities, updates and signals are
// spans of one trace.
//
// It is not where metrics are named or recorded: the workflows package records the run
// metrics; this package only carries them.
package telemetry
