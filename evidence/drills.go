package evidence

import (
	"context"
	"slices"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// Lister lists the bundles of a store and reads their files; *Store is one.
type Lister interface {
	List(ctx context.Context) ([]Manifest, error)
	FileReader
}

// Drills returns the successful drills of the named runbooks (every runbook when none is
// named) as their records tell them, for runbooks.Proven. Only the bundles whose
// manifest says a drill succeeded are read; a record that cannot be read or does not
// match its manifest proves nothing and is left out.
func Drills(ctx context.Context, store Lister, names ...string) ([]runbooks.Drill, error) {
	ms, err := store.List(ctx)
	if err != nil {
		return nil, err
	}
	var mine []Manifest
	for _, m := range ms {
		if m.Mode == string(workflows.ModeDrill) && m.State == string(workflows.RunSucceeded) &&
			(len(names) == 0 || slices.Contains(names, m.Runbook)) {
			mine = append(mine, m)
		}
	}
	records, _ := ReadRecords(ctx, store, mine)
	var out []runbooks.Drill
	for _, r := range records {
		if r == nil || r.Mode != workflows.ModeDrill {
			continue
		}
		out = append(out, runbooks.Drill{RunID: r.RunID, Runbook: r.Runbook, Version: r.Version, EndedAt: r.EndedAt,
			Succeeded: r.State == workflows.RunSucceeded, Proof: r.Proof()})
	}
	return out, nil
}
