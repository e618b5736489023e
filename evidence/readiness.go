package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
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
	names := make([]string, 0, len(newest))
	for n := range newest {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []readiness.Record
	var errs []error
	for _, n := range names {
		m := newest[n]
		rec, err := readJSON[readiness.Record](ctx, store, m, ReadinessFile)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, rec)
	}
	return out, errs
}
