package evidence

import (
	"context"

	"github.com/bcdr/bcdr/workflows"
)

// Activity writes finished runs' evidence bundles; the worker registers Write under
// workflows.EvidenceActivity.
type Activity struct {
	Store *Store
}

// Write appends the run's bundle to the chain (idempotent per run).
func (a *Activity) Write(ctx context.Context, st workflows.Status) (workflows.EvidenceRef, error) {
	return a.Store.Append(ctx, st)
}
