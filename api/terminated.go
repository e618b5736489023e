package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/workflows"
)

// A run the engine ends without it (`temporal workflow terminate`, the SDK's
// TerminateWorkflow, a run timeout) never finishes its own record: it has no result,
// its status query still answers the last state (running, an approval waiting), and it
// writes no evidence bundle. bcdr reconciles such a run from the engine's history:
// its last known state (the status query, which the engine answers for closed runs by
// replaying them), marked terminated with who and why as the close event says
// (workflows.Status.Terminated). Every surface reads that record (Engine.Run, and so
// status, reports and the API), and the reconciler writes it as the run's evidence: on
// the first read where the evidence store is writable, and in the worker's sweep
// (Reconciler) for runs nobody reads.

// errEndedOutside is runResult's error for a run the engine closed without a result.
var errEndedOutside = errors.New("the run was ended in the engine, outside bcdr")

// endedOutside reports whether err (a run's result) says the engine ended the run:
// terminated or timed out.
func endedOutside(err error) bool {
	var term *temporal.TerminatedError
	var timeout *temporal.TimeoutError
	return errors.As(err, &term) || errors.As(err, &timeout)
}

// EvidenceWriter is an evidence store that can also append a bundle (evidence.Store).
// The reconciler needs one; an Options.Evidence that is one lets Engine.Run write a
// terminated run's bundle on first read.
type EvidenceWriter interface {
	Get(ctx context.Context, runID string) (evidence.Bundle, evidence.Manifest, error)
	Append(ctx context.Context, st workflows.Status) (workflows.EvidenceRef, error)
	// OpenImprovements opens the improvement items of the run's action items and gaps
	// (evidence.Store.OpenImprovements), after its bundle.
	OpenImprovements(ctx context.Context, st workflows.Status) error
}

// TerminatedRecord returns the record of a run the engine ended without it, from the
// engine's history; a run that closed by itself is an error.
func TerminatedRecord(ctx context.Context, c client.Client, dc converter.DataConverter, runID string) (workflows.Status, error) {
	at, by, reason, err := closeEvent(ctx, c, runID)
	if err != nil {
		return workflows.Status{}, err
	}
	st, err := lastState(ctx, c, dc, runID)
	if err != nil {
		return workflows.Status{}, err
	}
	return st.Terminated(at, by, reason), nil
}

// closeEvent reads when, by whom and why the engine ended the run.
func closeEvent(ctx context.Context, c client.Client, runID string) (time.Time, string, string, error) {
	it := c.GetWorkflowHistory(ctx, runID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	if !it.HasNext() {
		return time.Time{}, "", "", fmt.Errorf("run %s: the engine has no close event", runID)
	}
	ev, err := it.Next()
	if err != nil {
		return time.Time{}, "", "", temporalError(err, "history of run "+runID)
	}
	at := ev.GetEventTime().AsTime()
	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
		a := ev.GetWorkflowExecutionTerminatedEventAttributes()
		return at, a.GetIdentity(), a.GetReason(), nil
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
		return at, "", "the run's timeout in the engine passed", nil
	}
	return time.Time{}, "", "", fmt.Errorf("run %s closed by itself (%s), not in the engine", runID, ev.GetEventType())
}

// lastState is the run's last known state: what its status query answers, replayed
// from its history by a worker; without a worker that can (the history does not replay),
// the state its input gives at its start, steps pending and parameters left out (which
// are secret is known only to the run).
func lastState(ctx context.Context, c client.Client, dc converter.DataConverter, runID string) (workflows.Status, error) {
	var st workflows.Status
	qctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, qerr := c.QueryWorkflow(qctx, runID, "", workflows.QueryStatus)
	if qerr == nil && v.Get(&st) == nil && st.RunID != "" {
		return st, nil
	}
	it := c.GetWorkflowHistory(ctx, runID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return st, fmt.Errorf("run %s: the engine has no history (status query: %v)", runID, qerr)
	}
	ev, err := it.Next()
	if err != nil {
		return st, temporalError(err, "history of run "+runID)
	}
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	var in workflows.Input
	if err := dc.FromPayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil {
		return st, fmt.Errorf("run %s: read its input: %w (status query: %v)", runID, err, qerr)
	}
	return workflows.StartStatus(runID, in, ev.GetEventTime().AsTime()), nil
}

// endedRecord is the record of a run the engine ended: its evidence bundle's when it has
// one, else reconciled from the history (and written, when the store is writable).
func (e *Engine) endedRecord(ctx context.Context, runID string) (workflows.Status, error) {
	if e.opts.Evidence != nil {
		if st, ok, err := bundleRecord(ctx, e.opts.Evidence, runID); ok || err != nil {
			return st, err
		}
	}
	st, err := TerminatedRecord(ctx, e.opts.Client, e.opts.DataConverter, runID)
	if err != nil {
		return st, err
	}
	if w, ok := e.opts.Evidence.(EvidenceWriter); ok {
		ref, err := w.Append(ctx, st)
		switch {
		case err != nil:
			st.EvidenceError = err.Error()
		default:
			st.Evidence = &ref
			if err := w.OpenImprovements(ctx, st); err != nil {
				st.EvidenceError = "improvement items: " + err.Error()
			}
		}
	}
	return st, nil
}

// bundleRecord reads a run's record from its evidence bundle; ok is false when it has
// none.
func bundleRecord(ctx context.Context, store interface {
	Get(ctx context.Context, runID string) (evidence.Bundle, evidence.Manifest, error)
}, runID string) (workflows.Status, bool, error) {
	var st workflows.Status
	b, m, err := store.Get(ctx, runID)
	if errors.Is(err, evidence.ErrNoBundle) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	if err := b.Intact(); err != nil {
		return st, false, errorf(http.StatusConflict, "", "%v; 'bcdr evidence verify' checks the chain", err)
	}
	if err := json.Unmarshal(b[evidence.RecordFile], &st); err != nil {
		return st, false, fmt.Errorf("evidence of run %s: read its record: %w", runID, err)
	}
	ref := workflows.EvidenceRef{Seq: m.Seq, Hash: m.Hash}
	st.Evidence = &ref
	return st, true, nil
}

// Reconciler writes the evidence of runs the engine ended outside bcdr: the worker runs
// its Sweep at start and every Every. Several workers may: a run's bundle is written
// once (evidence.Store.Append is idempotent per run).
type Reconciler struct {
	Client        client.Client
	DataConverter converter.DataConverter
	Store         EvidenceWriter
	// Since is how far back a sweep looks (default 30 days); Every how often the worker
	// sweeps (default 30 s).
	Since, Every time.Duration
	// Now is the clock (default time.Now); Log reports what a sweep did (may be nil).
	Now func() time.Time
	Log func(msg string, args ...any)
}

// Sweep writes a bundle for every run the engine terminated or timed out (closed
// within Since) that has none, and returns the runs it wrote. It goes on past a run it
// cannot reconcile and returns those errors joined.
func (r *Reconciler) Sweep(ctx context.Context) ([]string, error) {
	now, since := time.Now, r.Since
	if r.Now != nil {
		now = r.Now
	}
	if since <= 0 {
		since = 30 * 24 * time.Hour
	}
	query := fmt.Sprintf("WorkflowType = '%s' AND (ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut') AND CloseTime >= '%s'",
		workflows.WorkflowName, now().Add(-since).UTC().Format(time.RFC3339))
	runs, err := listRuns(ctx, r.Client, query, MaxListRuns)
	if err != nil {
		return nil, err
	}
	var wrote []string
	var errs []error
	for _, rs := range runs {
		if _, ok, err := bundleRecord(ctx, r.Store, rs.RunID); ok || err != nil {
			if err != nil {
				errs = append(errs, fmt.Errorf("run %s: %w", rs.RunID, err))
			}
			continue
		}
		st, err := TerminatedRecord(ctx, r.Client, r.DataConverter, rs.RunID)
		if err == nil {
			_, err = r.Store.Append(ctx, st)
		}
		if err == nil {
			err = r.Store.OpenImprovements(ctx, st)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("run %s: %w", rs.RunID, err))
			continue
		}
		wrote = append(wrote, rs.RunID)
		if r.Log != nil {
			r.Log("evidence written for a run ended in the engine", "run", rs.RunID, "error", st.Error)
		}
	}
	return wrote, errors.Join(errs...)
}

// Run sweeps at once and then every Every until ctx ends.
func (r *Reconciler) Run(ctx context.Context) {
	every := r.Every
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.Sweep(ctx); err != nil && ctx.Err() == nil && r.Log != nil {
			r.Log("reconciling runs ended in the engine", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
