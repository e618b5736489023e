package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/workflows"
)

// ImprovementFile is the one file of an improvement record's bundle: the event as JSON.
const ImprovementFile = "improvement.json"

// ErrImprovementConflict is returned by AppendImprovement when the item changed since it
// was read: another update took the event's number first.
var ErrImprovementConflict = errors.New("evidence: the improvement item was changed meanwhile")

// Openings returns the events that open an improvement item for each action item and
// gap a run recorded (observations open none).
func Openings(st workflows.Status) []improvements.Event {
	var out []improvements.Event
	for _, f := range st.Findings {
		if f.Kind != workflows.FindingAction && f.Kind != workflows.FindingGap {
			continue
		}
		out = append(out, improvements.Opening(improvements.Source{
			Run: st.RunID, Runbook: st.Runbook, Service: st.Service, Mode: string(st.Mode), Kind: f.Kind, Text: f.Text,
			Owner: f.Owner, Step: f.Step, By: f.By, At: f.At, RunEnded: st.EndedAt,
		}))
	}
	return out
}

// OpenImprovements writes the opening of an improvement item for each action item and
// gap of an ended run (Openings), after the run's own bundle. It is idempotent: run
// again (a retried activity, an import of old runs) it writes only what is missing.
func (s *Store) OpenImprovements(ctx context.Context, st workflows.Status) error {
	for _, e := range Openings(st) {
		if _, err := s.AppendImprovement(ctx, st.Runbook, st.Service, e); err != nil {
			return fmt.Errorf("evidence: open improvement %s of run %s: %w", e.Item, st.RunID, err)
		}
	}
	return nil
}

// NewImprovementBundle renders an improvement event of an item of runbook and service
// as a bundle at position seq after prevHash. Its manifest has mode
// improvements.RecordMode, the event's record id as its id, and the status the event
// sets (or "updated") as its state, so readers of runs pass it by.
func NewImprovementBundle(runbook, service string, e improvements.Event, seq int64, prevHash string, now time.Time) (Bundle, Manifest, error) {
	raw, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, Manifest{}, fmt.Errorf("encode improvement event %s: %w", e.RecordID(), err)
	}
	state := "updated"
	switch {
	case e.Opened != nil:
		state = string(improvements.Open)
	case e.Change != nil && e.Change.Status != nil:
		state = string(*e.Change.Status)
	}
	b := Bundle{ImprovementFile: raw}
	m := Manifest{
		Version: 1, Seq: seq, RunID: e.RecordID(), Runbook: runbook, Service: service, Mode: improvements.RecordMode,
		State: state, StartedAt: e.At, EndedAt: e.At, WrittenAt: now.UTC(),
		PrevHash: prevHash,
	}
	return b.seal(m)
}

// AppendImprovement writes an improvement event at the end of the chain. An opening
// written before is left as it is (re-importing a run changes nothing); an update whose
// number another event already took is refused with ErrImprovementConflict.
func (s *Store) AppendImprovement(ctx context.Context, runbook, service string, e improvements.Event) (workflows.EvidenceRef, error) {
	if e.Item == "" || e.N < 1 {
		return workflows.EvidenceRef{}, errors.New("evidence: the improvement event has no item or number")
	}
	ref, added, err := s.add(ctx, e.RecordID(), func(seq int64, prev string, now time.Time) (Bundle, Manifest, error) {
		return NewImprovementBundle(runbook, service, e, seq, prev, now)
	})
	if err != nil || added || e.Opened != nil {
		return ref, err
	}
	_, m, err := s.Get(ctx, e.RecordID())
	if err != nil {
		return ref, err
	}
	stored, err := s.File(ctx, m, ImprovementFile)
	if err != nil {
		return ref, err
	}
	mine, _ := json.MarshalIndent(e, "", "  ")
	if !bytes.Equal(stored, mine) {
		return ref, fmt.Errorf("%w: event %d of %s was written by another update; read the item again and retry", ErrImprovementConflict, e.N, e.Item)
	}
	return ref, nil
}

// ImprovementEvents reads every improvement event of the chain ms lists, oldest first,
// each checked against its manifest. An event that cannot be read, or was changed since
// it was written, is left out and named in the errors.
func ImprovementEvents(ctx context.Context, store FileReader, ms []Manifest) ([]improvements.Event, []error) {
	var events []Manifest
	for _, m := range ms {
		if m.Mode == improvements.RecordMode {
			events = append(events, m)
		}
	}
	return readEach[improvements.Event](ctx, store, events, ImprovementFile)
}

// Improvements reads the improvement plan of a store: its items, as their events and
// the successful drills of the store make them (improvements.Build), with dueAfter the
// default time to fix an item of a service. Records left out are named in problems.
func Improvements(ctx context.Context, store Lister, dueAfter func(service string) time.Duration) (items []improvements.Item, problems []error, err error) {
	ms, err := store.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	events, problems := ImprovementEvents(ctx, store, ms)
	drills, err := Drills(ctx, store)
	if err != nil {
		return nil, problems, err
	}
	return improvements.Build(events, drills, dueAfter), problems, nil
}

// ImportImprovements opens the improvement items of every run the chain holds (runs
// written before the plan existed, or whose openings a crash left out): it reads the
// records of the runs whose items are not all there and writes only the missing
// openings. It returns how many it wrote; run again, it writes none.
func (s *Store) ImportImprovements(ctx context.Context) (int, error) {
	ms, err := s.List(ctx)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	var runs []Manifest
	for _, m := range ms {
		switch {
		case m.Mode == improvements.RecordMode:
			have[m.RunID] = true
		case m.Files[RecordFile] != "":
			runs = append(runs, m)
		}
	}
	records, errs := ReadRecords(ctx, s, runs)
	written := 0
	for i, st := range records {
		if st == nil {
			return written, errs[i]
		}
		for _, e := range Openings(*st) {
			if have[e.RecordID()] {
				continue
			}
			if _, err := s.AppendImprovement(ctx, st.Runbook, st.Service, e); err != nil {
				return written, fmt.Errorf("evidence: open improvement %s of run %s: %w", e.Item, st.RunID, err)
			}
			written++
		}
	}
	return written, nil
}
