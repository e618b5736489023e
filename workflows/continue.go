package workflows

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/runbooks"
)

// defaultContinueAfter is the history length after which a run continues as new.
// Temporal caps a history at 51,200 events and warns from 10,240; a step costs about
// six events, so a 10,000-step runbook needs two or more histories.
const defaultContinueAfter = 10000

// Resume carries a run's state across continue-as-new. Callers never set it.
type Resume struct {
	Status  Status                `json:"status"`
	Outputs []map[string]any      `json:"outputs"`
	Secrets []string              `json:"secrets,omitempty"`
	Paused  bool                  `json:"paused,omitempty"`
	Ledger  []CarriedCompensation `json:"ledger,omitempty"`
	Cleanup []CarriedCompensation `json:"cleanup,omitempty"`
}

// resumeFields is Resume without its JSON methods.
type resumeFields Resume

// packedResume is how a Resume is carried: its JSON, gzipped (base64 in the payload).
type packedResume struct {
	Packed []byte `json:"packed"`
}

// MarshalJSON packs the carried state. The record of a run grows with every step and is
// repetitive: beside its 0.9 MB runbook, a 10,000-step run carried 1.5 MB of it, over
// Temporal's 2 MB payload limit, so its continue-as-new failed (PAYLOADS_TOO_LARGE) and
// the run stalled; packed, the state is a few percent of that.
func (r Resume) MarshalJSON() ([]byte, error) {
	raw, err := json.Marshal(resumeFields(r))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return json.Marshal(packedResume{Packed: buf.Bytes()})
}

// UnmarshalJSON reads a packed Resume, or an unpacked one (carried by an earlier version).
func (r *Resume) UnmarshalJSON(b []byte) error {
	var p packedResume
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p.Packed == nil {
		return json.Unmarshal(b, (*resumeFields)(r))
	}
	zr, err := gzip.NewReader(bytes.NewReader(p.Packed))
	if err != nil {
		return fmt.Errorf("unpack resume: %w", err)
	}
	if err := json.NewDecoder(zr).Decode((*resumeFields)(r)); err != nil {
		return fmt.Errorf("unpack resume: %w", err)
	}
	return nil
}

// CarriedCompensation is a compensation as carried across continue-as-new.
type CarriedCompensation struct {
	Step   int             `json:"step"`
	Action runbooks.Action `json:"action"`
	With   map[string]any  `json:"with,omitempty"`
	Err    string          `json:"err,omitempty"`
}

// tooLong reports whether the run should continue in a new history: its history is long,
// no step runs or waits for a person, and the run is not held on a failure.
func (r *run) tooLong(ctx workflow.Context) bool {
	limit := r.in.ContinueAfter
	if limit <= 0 {
		limit = defaultContinueAfter
	}
	return workflow.GetInfo(ctx).GetCurrentHistoryLength() >= limit
}

// canContinue reports whether nothing would be lost by continuing as new now.
func (r *run) canContinue() bool {
	return r.running == 0 && r.blocked == "" && !r.failing && r.cancel == nil
}

// continueAsNew ends this history and carries the run on in a new one, once every
// update handler has finished.
func (r *run) continueAsNew(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	in := r.in
	in.Resume = &Resume{
		Status: r.st, Outputs: r.outputs, Secrets: r.secrets, Paused: r.paused,
		Ledger: carry(r.ledger), Cleanup: carry(r.cleanup),
	}
	return workflow.NewContinueAsNewError(ctx, WorkflowName, in)
}

// restore restores the state a previous history carried over.
func (r *run) restore(res *Resume) {
	r.st = res.Status
	r.st.Pending = nil
	copy(r.outputs, res.Outputs)
	r.secrets, r.paused = res.Secrets, res.Paused
	r.ledger, r.cleanup = uncarry(res.Ledger), uncarry(res.Cleanup)
}

func carry(list []compensation) []CarriedCompensation {
	out := make([]CarriedCompensation, len(list))
	for i, c := range list {
		out[i] = CarriedCompensation{Step: c.step, Action: c.action, With: c.with}
		if c.err != nil {
			out[i].Err = c.err.Error()
		}
	}
	return out
}

func uncarry(list []CarriedCompensation) []compensation {
	out := make([]compensation, len(list))
	for i, c := range list {
		out[i] = compensation{step: c.Step, action: c.Action, with: c.With}
		if c.Err != "" {
			out[i].err = errors.New(c.Err)
		}
	}
	return out
}
