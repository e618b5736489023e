package main

import (
	"context"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/lazy"
	"github.com/bcdr/bcdr/workflows"
)

// lazyEvidence is the configured evidence store, opened on first use (most of the
// CLI's uses of the run service never need it) and again after a failure to open it.
type lazyEvidence struct{ s lazy.Value[*evidence.Store] }

func newLazyEvidence(cfg *config.Config) *lazyEvidence {
	l := &lazyEvidence{}
	l.s.New = func(ctx context.Context) (*evidence.Store, error) { return openEvidence(ctx, cfg) }
	return l
}

func (l *lazyEvidence) store(ctx context.Context) (*evidence.Store, error) { return l.s.Get(ctx) }

func (l *lazyEvidence) List(ctx context.Context) ([]evidence.Manifest, error) {
	s, err := l.store(ctx)
	if err != nil {
		return nil, err
	}
	return s.List(ctx)
}

func (l *lazyEvidence) Get(ctx context.Context, runID string) (evidence.Bundle, evidence.Manifest, error) {
	s, err := l.store(ctx)
	if err != nil {
		return nil, evidence.Manifest{}, err
	}
	return s.Get(ctx, runID)
}

func (l *lazyEvidence) File(ctx context.Context, m evidence.Manifest, name string) ([]byte, error) {
	s, err := l.store(ctx)
	if err != nil {
		return nil, err
	}
	return s.File(ctx, m, name)
}

// Append writes a run's bundle: the record of a run the engine ended outside bcdr, on
// its first read (api.EvidenceWriter).
func (l *lazyEvidence) Append(ctx context.Context, st workflows.Status) (workflows.EvidenceRef, error) {
	s, err := l.store(ctx)
	if err != nil {
		return workflows.EvidenceRef{}, err
	}
	return s.Append(ctx, st)
}

// OpenImprovements opens the items of a run's action items and gaps (api.EvidenceWriter).
func (l *lazyEvidence) OpenImprovements(ctx context.Context, st workflows.Status) error {
	s, err := l.store(ctx)
	if err != nil {
		return err
	}
	return s.OpenImprovements(ctx, st)
}

// AppendImprovement writes an improvement item's change (api.ImprovementWriter).
func (l *lazyEvidence) AppendImprovement(ctx context.Context, runbook, service string, e improvements.Event) (workflows.EvidenceRef, error) {
	s, err := l.store(ctx)
	if err != nil {
		return workflows.EvidenceRef{}, err
	}
	return s.AppendImprovement(ctx, runbook, service, e)
}
