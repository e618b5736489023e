package evidence

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/workflows"
)

// Activity writes finished runs' evidence bundles; the worker registers Write under
// workflows.EvidenceActivity.
type Activity struct {
	Store *Store
}

// Write appends the run's bundle to the chain (idempotent per run), then the openings of
// the improvement items its action items and gaps start (Store.OpenImprovements). A
// chain that does not verify is refused without retries (ErrChainBroken): retrying
// cannot mend it.
func (a *Activity) Write(ctx context.Context, st workflows.Status) (workflows.EvidenceRef, error) {
	ref, err := a.Store.Append(ctx, st)
	if err == nil {
		err = a.Store.OpenImprovements(ctx, st)
	}
	var ce *ChainError
	if errors.As(err, &ce) {
		return ref, temporal.NewNonRetryableApplicationError(ce.Error(), ErrChainBroken, ce)
	}
	return ref, err
}

// ErrChainBroken is the error type of a write refused because the chain does not verify.
const ErrChainBroken = "EvidenceChainBroken"

// WriteReadiness appends a scheduled check's readiness record to the chain (idempotent
// per record); the worker registers it under workflows.ReadinessRecordActivity.
func (a *Activity) WriteReadiness(ctx context.Context, rec readiness.Record) (workflows.EvidenceRef, error) {
	ref, err := a.Store.AppendReadiness(ctx, rec)
	var ce *ChainError
	if errors.As(err, &ce) {
		return ref, temporal.NewNonRetryableApplicationError(ce.Error(), ErrChainBroken, ce)
	}
	return ref, err
}
