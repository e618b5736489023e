package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/workflows"
)

// engineHistory is the engine's visibility store as a catalogue.RunHistory: the ended
// drill and live runs of the given runbooks since a time, each with the measured RTO
// and RPO from its record (the run's result, or the details of its failure).
//
// It is one source of run results; the evidence store is meant to be a second one
// (its bundles hold the same records and outlive the engine's retention). Both give
// catalogue.RunResult, so the coverage report does not change when it arrives.
type engineHistory struct {
	c        client.Client
	since    time.Time
	runbooks map[string]bool // runbook names the catalogue uses; others are not fetched
	limit    int
}

// maxHistoryRuns bounds how many runs the coverage report reads from the engine.
const maxHistoryRuns = 10_000

// RunResults implements catalogue.RunHistory.
func (h engineHistory) RunResults(ctx context.Context) ([]catalogue.RunResult, error) {
	limit := h.limit
	if limit <= 0 {
		limit = maxHistoryRuns
	}
	runs, err := listRuns(ctx, h.c, RunFilter{Since: h.since, Limit: limit})
	if err != nil {
		return nil, err
	}
	var out []catalogue.RunResult
	for _, r := range runs {
		if r.EndedAt.IsZero() || r.Status == "CONTINUED_AS_NEW" || !h.runbooks[r.Runbook] {
			continue
		}
		if r.Mode != string(workflows.ModeDrill) && r.Mode != string(workflows.ModeLive) {
			continue
		}
		res := catalogue.RunResult{
			RunID: r.RunID, Runbook: r.Runbook, Service: r.Service, Mode: r.Mode, Outcome: r.Outcome,
			StartedAt: r.StartedAt, EndedAt: r.EndedAt,
		}
		if res.Outcome == "" {
			res.Outcome = outcomeOfStatus(r.Status)
		}
		// The record is the run's result, or the details of its failure; a run that was
		// terminated or timed out has none, and keeps what visibility says.
		if st, err := waitRun(ctx, h.c, r.RunID); err == nil {
			res.RTOActual, res.RTOTarget = st.RTOActual, st.RTOTarget
			res.RPOActual, res.RPOTarget = st.RPOActual, st.RPOTarget
		}
		out = append(out, res)
	}
	return out, nil
}

// outcomeOfStatus names the outcome of a run that ended without bcdr setting one
// (terminated, timed out).
func outcomeOfStatus(status string) string {
	switch status {
	case "COMPLETED":
		return "succeeded"
	case "CANCELED":
		return "cancelled"
	}
	return fmt.Sprintf("failed (%s)", status)
}
