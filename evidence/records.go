package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/bcdr/bcdr/workflows"
)

// FileReader reads one checked file of a listed bundle; *Store is one.
type FileReader interface {
	File(ctx context.Context, m Manifest, name string) ([]byte, error)
}

// recordReads is how many records ReadRecords reads at once: an S3 store answers
// several reads in the time of one.
const recordReads = 8

// ReadRecords reads the run record of each bundle ms lists, a few at a time, each
// checked against its manifest. records[i] is nil where errs[i] says why (a store
// error, a record changed since it was written, a record that is not JSON).
func ReadRecords(ctx context.Context, store FileReader, ms []Manifest) (records []*workflows.Status, errs []error) {
	records, errs = make([]*workflows.Status, len(ms)), make([]error, len(ms))
	var wg sync.WaitGroup
	slots := make(chan struct{}, recordReads)
	for i, m := range ms {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			st, err := readJSON[workflows.Status](ctx, store, m, RecordFile)
			if err != nil {
				errs[i] = err
				return
			}
			records[i] = &st
		}()
	}
	wg.Wait()
	return records, errs
}

// readEach reads the file name of each bundle ms lists, in order, as readJSON does; one
// that cannot be read is left out and its error returned.
func readEach[T any](ctx context.Context, store FileReader, ms []Manifest, name string) ([]T, []error) {
	var out []T
	var errs []error
	for _, m := range ms {
		v, err := readJSON[T](ctx, store, m, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, v)
	}
	return out, errs
}

// readJSON reads the file name of the bundle m lists, checked against m, as the JSON of
// a T: a run's record, a readiness record or an improvement event.
func readJSON[T any](ctx context.Context, store FileReader, m Manifest, name string) (T, error) {
	var v T
	raw, err := store.File(ctx, m, name)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("evidence: bundle %d (run %s): %s: %w", m.Seq, m.RunID, name, err)
	}
	return v, nil
}
