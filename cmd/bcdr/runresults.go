package main

import (
	"context"
	"fmt"
	"time"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/workflows"
)

// engineHistory is the engine's visibility store as a catalogue.RunHistory: the ended
// drill and live runs of the given runbooks since a time, each with the measured RTO
// and RPO from its record (the run's result, or the details of its failure).
//
// It is one of two sources of run results. The other, evidenceHistory, outlives the
// engine's retention; the engine adds runs whose evidence could not be written.
type engineHistory struct {
	runs     api.Runs
	since    time.Time
	runbooks map[string]bool // runbook names the catalogue uses; others are not fetched
	limit    int
}

// RunResults implements catalogue.RunHistory.
func (h engineHistory) RunResults(ctx context.Context) ([]catalogue.RunResult, error) {
	limit := h.limit
	if limit <= 0 {
		limit = api.MaxListRuns // the most the coverage report reads from the engine
	}
	runs, err := h.runs.List(ctx, api.RunFilter{Since: h.since, Limit: limit})
	if err != nil {
		return nil, err
	}
	var out []catalogue.RunResult
	for _, r := range runs {
		if r.ClosedAt.IsZero() || r.Status == "continued_as_new" || !h.runbooks[r.Runbook] {
			continue
		}
		if r.Mode != string(workflows.ModeDrill) && r.Mode != string(workflows.ModeLive) {
			continue
		}
		res := catalogue.RunResult{
			RunID: r.RunID, Runbook: r.Runbook, Service: r.Service, Mode: r.Mode, Outcome: r.Outcome,
			StartedAt: r.StartedAt, EndedAt: r.ClosedAt,
		}
		if res.Outcome == "" {
			res.Outcome = outcomeOfStatus(r.Status)
		}
		// The record is the run's result, or the details of its failure; a run that was
		// terminated or timed out has none, and keeps what visibility says.
		if st, err := h.runs.Wait(ctx, r.RunID); err == nil {
			res.RTO, res.RPO = st.RTO(), st.RPO()
		}
		out = append(out, res)
	}
	return out, nil
}

// outcomeOfStatus names the outcome of a run that ended without bcdr setting one
// (terminated, timed out).
func outcomeOfStatus(status string) string {
	switch status {
	case "completed":
		return "succeeded"
	case "canceled":
		return "cancelled"
	}
	return fmt.Sprintf("failed (%s)", status)
}

// evidenceHistory is the evidence store as a catalogue.RunHistory: the drill and live
// runs of the given runbooks that started since a time, each with the measured RTO and
// RPO of its record. Bundles are kept for as long as the store keeps them (an S3 bucket
// under Object Lock, years), so a drill older than the engine's retention still proves
// its service. A record that does not match its manifest's digest is not trusted: it is
// left out and named through warn.
type evidenceHistory struct {
	store    *evidence.Store
	since    time.Time
	runbooks map[string]bool
	warn     func(string)
}

// RunResults implements catalogue.RunHistory.
func (h evidenceHistory) RunResults(ctx context.Context) ([]catalogue.RunResult, error) {
	list, err := h.store.List(ctx)
	if err != nil {
		return nil, err
	}
	var ms []evidence.Manifest
	for _, m := range list {
		if h.runbooks[m.Runbook] && !m.StartedAt.Before(h.since) &&
			(m.Mode == string(workflows.ModeDrill) || m.Mode == string(workflows.ModeLive)) {
			ms = append(ms, m)
		}
	}
	records, errs := evidence.ReadRecords(ctx, h.store, ms)
	results := make([]catalogue.RunResult, 0, len(ms))
	for i, st := range records {
		m := ms[i]
		if st == nil {
			h.warn(fmt.Sprintf("evidence bundle %d (run %s) left out: its record cannot be read or was changed (bcdr evidence verify): %v", m.Seq, m.RunID, errs[i]))
			continue
		}
		results = append(results, evidence.RunResult(m, st))
	}
	return results, nil
}
