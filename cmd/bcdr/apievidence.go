package main

import (
	"context"
	"sync"

	"go.temporal.io/sdk/converter"

	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/codec"
	"github.com/bcdr/bcdr/internal/config"
)

// lazyEvidence is the configured evidence store, opened on first use (the CLI's
// in-process API rarely needs it) and again after a failure to open it.
type lazyEvidence struct {
	cfg *config.Config
	mu  sync.Mutex
	s   *evidence.Store
}

func (l *lazyEvidence) store(ctx context.Context) (*evidence.Store, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.s != nil {
		return l.s, nil
	}
	s, err := openEvidence(ctx, l.cfg)
	if err != nil {
		return nil, err
	}
	l.s = s
	return s, nil
}

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

// runDataConverter is the converter that reads run inputs back from the engine: the
// payload codec's when one is configured (a bad codec configuration already failed the
// dial), else the SDK's default (nil).
func (a *app) runDataConverter() converter.DataConverter {
	pc, err := payloadCodec(context.Background(), a.cfg)
	if err != nil || pc == nil {
		return nil
	}
	return codec.DataConverter(pc)
}
