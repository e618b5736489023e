package main

import (
	"context"
	"log/slog"
	"sync"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/config"
)

// sweepingWorker is a worker that, while it runs, also writes the evidence of runs the
// engine ended outside bcdr (api.Reconciler): a terminated run's bundle is written even
// when nobody reads the run.
type sweepingWorker struct {
	worker.Worker
	r    *api.Reconciler
	mu   sync.Mutex
	stop context.CancelFunc
	done chan struct{}
}

// withSweep returns w sweeping with a reconciler on c and the configured evidence
// store; w alone when the store does not open (the worker already logs why). The
// reconciler reads encrypted histories with the configured payload codec.
func withSweep(w worker.Worker, c client.Client, cfg *config.Config, logger *slog.Logger) worker.Worker {
	store, err := openEvidence(context.Background(), cfg)
	if err != nil {
		return w
	}
	return &sweepingWorker{Worker: w, r: &api.Reconciler{Client: c, Store: store, Log: logger.Info,
		DataConverter: runDataConverter(cfg)}}
}

func (w *sweepingWorker) Start() error {
	if err := w.Worker.Start(); err != nil {
		return err
	}
	w.startSweep()
	return nil
}

func (w *sweepingWorker) Run(interrupt <-chan any) error {
	w.startSweep()
	defer w.stopSweep()
	return w.Worker.Run(interrupt)
}

func (w *sweepingWorker) Stop() {
	w.stopSweep()
	w.Worker.Stop()
}

func (w *sweepingWorker) startSweep() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan struct{})
	go func() { defer close(w.done); w.r.Run(ctx) }()
}

func (w *sweepingWorker) stopSweep() {
	w.mu.Lock()
	stop, done := w.stop, w.done
	w.stop = nil
	w.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}
