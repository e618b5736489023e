package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/bcdr/bcdr/readiness"
)

// ReadinessFile is the one file of a readiness record's bundle: the record as JSON. A
// readiness record is small: a scheduled check's findings, not a run's reports.
const ReadinessFile = "readiness.json"

// NewReadinessBundle renders a scheduled check's record as a bundle at position seq
// after prevHash. Its manifest has mode readiness.RecordMode and the check's result as
// its state, so readers of runs pass it by.
func NewReadinessBundle(rec readiness.Record, seq int64, prevHash string, now time.Time) (Bundle, Manifest, error) {
	raw, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, Manifest{}, fmt.Errorf("encode readiness record %s: %w", rec.ID, err)
	}
	b := Bundle{ReadinessFile: raw}
	m := Manifest{
		Version: 1, Seq: seq, RunID: rec.ID, Runbook: rec.Runbook, Service: rec.Service, Mode: readiness.RecordMode,
		State: string(rec.Result), StartedAt: rec.CheckedAt, EndedAt: rec.CheckedAt.Add(rec.Duration), WrittenAt: now.UTC(),
		PrevHash: prevHash,
	}
	return b.seal(m)
}

// LatestReadiness reads the newest readiness record of each runbook in the chain ms
// lists (any order), checked against its manifest, sorted by runbook. A record that
// cannot be read or was changed is left out and named in the errors.
func LatestReadiness(ctx context.Context, store FileReader, ms []Manifest) ([]readiness.Record, []error) {
	newest := map[string]Manifest{}
	for _, m := range ms {
		if m.Mode == readiness.RecordMode && m.Seq > newest[m.Runbook].Seq {
			newest[m.Runbook] = m
		}
	}
	latest := make([]Manifest, 0, len(newest))
	for _, n := range slices.Sorted(maps.Keys(newest)) {
		latest = append(latest, newest[n])
	}
	return readEach[readiness.Record](ctx, store, latest, ReadinessFile)
}
