package api

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/workflows"
)

// DefaultHistoryWindow is how far back the run history is read by default: a little
// more than the longest drill cadence of the sample catalogue (365 days), so that a
// yearly drill still counts when its next one is due.
const DefaultHistoryWindow = 400 * 24 * time.Hour

// maxHistoryRuns bounds how many runs the history reads from the engine.
const maxHistoryRuns = 10_000

// History is bcdr's one run-history reader: the ended drill and live runs, each with the
// RTO and RPO figures its record states and what it says for the proof rule. The
// evidence store comes first: it keeps every run for as long as the store keeps bundles
// (an S3 bucket under Object Lock, years). The engine's visibility adds the runs within
// its retention that left no evidence. The portfolio, the overdue report, the executive
// summary (the dashboard's page of the portfolio) and bcdr coverage all read runs here,
// so they count the same ones.
type History struct {
	// Evidence and Engine are the two sources; a nil one is not read.
	Evidence Evidence
	Engine   client.Client
	cache    *resultCache
}

// NewHistory returns the reader of the evidence store and the engine. Records read from
// the store are kept (a bundle in the chain never changes), so a long-lived server reads
// each once.
func NewHistory(store Evidence, engine client.Client) *History {
	return &History{Evidence: store, Engine: engine, cache: newResultCache()}
}

// Read returns the ended drill and live runs that started since, of the runbooks named in
// runbooks (metadata.name; nil means every runbook), each once: a run found in the
// evidence store is not read again from the engine. With them come each runbook's last
// scheduled readiness check from the evidence store (mode readiness.RecordMode), which
// coverage judges as a check, not a run. Records that cannot be read, or were
// changed, are left out and named in problems; a source that cannot be read at all is
// named in err, and what the other source held is still returned.
func (h *History) Read(ctx context.Context, since time.Time, runbooks map[string]bool) (results []catalogue.RunResult, problems []string, err error) {
	if h.cache == nil {
		h.cache = newResultCache()
	}
	wanted := func(runbook, mode string, started time.Time) bool {
		return (runbooks == nil || runbooks[runbook]) && !started.Before(since) &&
			(mode == string(workflows.ModeDrill) || mode == string(workflows.ModeLive))
	}
	seen := map[string]bool{}
	var errs []error
	if h.Evidence != nil {
		rs, ps, err := h.fromEvidence(ctx, wanted, func(m evidence.Manifest) bool {
			return m.Mode == readiness.RecordMode && (runbooks == nil || runbooks[m.Runbook]) && !m.StartedAt.Before(since)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("evidence store: %w", err))
		}
		problems = append(problems, ps...)
		for _, r := range rs {
			seen[r.RunID] = true
		}
		results = append(results, rs...)
	}
	if h.Engine != nil {
		rs, err := h.fromEngine(ctx, since, wanted, seen)
		if err != nil {
			errs = append(errs, fmt.Errorf("engine: %w", err))
		}
		results = append(results, rs...)
	}
	return results, problems, errors.Join(errs...)
}

// fromEvidence reads the wanted runs of the evidence store, and the newest readiness
// record of each runbook among the checks.
func (h *History) fromEvidence(ctx context.Context, wanted func(runbook, mode string, started time.Time) bool, check func(evidence.Manifest) bool) ([]catalogue.RunResult, []string, error) {
	list, err := h.Evidence.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ms, checks []evidence.Manifest
	for _, m := range list {
		switch {
		case wanted(m.Runbook, m.Mode, m.StartedAt):
			ms = append(ms, m)
		case check(m):
			checks = append(checks, m)
		}
	}
	got, problems := h.cache.get(ctx, h.Evidence, ms)
	out := make([]catalogue.RunResult, 0, len(ms))
	for _, r := range got {
		if r != nil {
			out = append(out, *r)
		}
	}
	recs, errs := evidence.LatestReadiness(ctx, h.Evidence, checks)
	for _, rec := range recs {
		out = append(out, evidence.ReadinessResult(rec))
	}
	for _, err := range errs {
		problems = append(problems, "readiness record left out: "+err.Error())
	}
	return out, problems, nil
}

// fromEngine reads the wanted runs the engine holds that are not in seen, each with the
// figures of its record (its result, or the details of its failure; a run that was
// terminated or timed out has none and keeps what visibility says) and the proof its
// start recorded (memo "proof"), or, for a child run, which has none, its record's.
func (h *History) fromEngine(ctx context.Context, since time.Time, wanted func(runbook, mode string, started time.Time) bool, seen map[string]bool) ([]catalogue.RunResult, error) {
	query := fmt.Sprintf("WorkflowType = '%s' AND StartTime >= '%s'", workflows.WorkflowName, since.UTC().Format(time.RFC3339))
	runs, err := listRuns(ctx, h.Engine, query, maxHistoryRuns)
	if err != nil {
		return nil, err
	}
	var out []catalogue.RunResult
	for _, rs := range runs {
		if rs.ClosedAt.IsZero() || rs.Status == "continued_as_new" || seen[rs.RunID] || !wanted(rs.Runbook, rs.Mode, rs.StartedAt) {
			continue
		}
		proof := rs.Proof
		r := catalogue.RunResult{
			RunID: rs.RunID, Runbook: rs.Runbook, Service: rs.Service, Mode: rs.Mode, Outcome: rs.Outcome,
			StartedAt: rs.StartedAt, EndedAt: rs.ClosedAt, Proof: &proof,
		}
		if r.Outcome == "" {
			r.Outcome = outcomeOfStatus(rs.Status)
		}
		if st, ok := h.cache.record(ctx, h.Engine, rs.RunID); ok {
			if proof.Digest == "" && len(proof.Authorized) == 0 {
				// A child run (a scenario's service, a nested runbook) has no proof
				// memo of its own: its record says it, as the evidence store's copy does.
				proof = st.Proof()
			}
			r.RTO, r.RPO = st.RTO(), st.RPO()
		}
		out = append(out, r)
	}
	return out, nil
}

// outcomeOfStatus names the outcome of a run that ended without bcdr setting one
// (terminated, timed out), from the engine's status as listRuns gives it.
func outcomeOfStatus(status string) string {
	switch status {
	case "completed":
		return "succeeded"
	case "canceled":
		return "cancelled"
	}
	return fmt.Sprintf("failed (%s)", strings.ReplaceAll(status, "_", " "))
}

// resultCache holds what the history read from records that never change: evidence
// bundles by hash, closed runs' records by run id.
type resultCache struct {
	mu      sync.Mutex
	bundles map[string]*catalogue.RunResult
	records map[string]*workflows.Status
}

func newResultCache() *resultCache {
	return &resultCache{bundles: map[string]*catalogue.RunResult{}, records: map[string]*workflows.Status{}}
}

// get returns the result of each bundle (nil where its record cannot be read, with the
// problem), reading the records not yet cached.
func (c *resultCache) get(ctx context.Context, store Evidence, ms []evidence.Manifest) ([]*catalogue.RunResult, []string) {
	out := make([]*catalogue.RunResult, len(ms))
	var missing []evidence.Manifest
	var at []int
	c.mu.Lock()
	for i, m := range ms {
		if out[i] = c.bundles[m.Hash]; out[i] == nil {
			missing, at = append(missing, m), append(at, i)
		}
	}
	c.mu.Unlock()
	records, errs := evidence.ReadRecords(ctx, store, missing)
	var problems []string
	c.mu.Lock()
	for j, st := range records {
		m := missing[j]
		if st == nil {
			problems = append(problems, fmt.Sprintf("evidence bundle %d (run %s) left out: its record cannot be read or was changed (bcdr evidence verify): %v", m.Seq, m.RunID, errs[j]))
			continue
		}
		r := evidence.RunResult(m, st)
		proof := st.Proof()
		r.Proof = &proof
		out[at[j]] = &r
		c.bundles[m.Hash] = &r
	}
	c.mu.Unlock()
	sort.Strings(problems)
	return out, problems
}

// record returns a closed run's record from the engine.
func (c *resultCache) record(ctx context.Context, engine client.Client, runID string) (*workflows.Status, bool) {
	c.mu.Lock()
	st := c.records[runID]
	c.mu.Unlock()
	if st != nil {
		return st, true
	}
	got, err := runResult(ctx, engine, runID)
	if err != nil {
		return nil, false
	}
	c.mu.Lock()
	c.records[runID] = &got
	c.mu.Unlock()
	return &got, true
}
