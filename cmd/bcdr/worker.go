package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/engine"
	"github.com/bcdr/bcdr/internal/httpserver"
)

func newWorkerCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Serve bcdr's workflows and step activities on an existing Temporal cluster",
		Long: `worker connects to the Temporal frontend in temporal.address (TLS/mTLS with
temporal.tls.*, Temporal Cloud with temporal.api_key) and serves the runbook interpreter
and every step kind on temporal.task_queue. Run several, in several regions: they share
the work, and a worker in the recovery region keeps a recovery going when the primary
region is gone. Stops cleanly on SIGINT/SIGTERM.

Steps that call URLs (http.check, http.request, notify to a URL) reach only what the
egress policy allows: never metadata or link-local addresses or bcdr's own listeners,
not loopback unless egress.allow lists it (see egress.allow and egress.deny).

On metrics.address (default 127.0.0.1:9464, "" for none) it serves /metrics for
Prometheus, /healthz (the process is up) and /readyz (Temporal answers).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger := a.logger()
			ln, err := a.listenWorkerOps(logger)
			if err != nil {
				return err
			}
			engine.SetBinaryChecksum() // not an MD5 of the 450 MB executable at the first poll
			c, err := a.dialObserved(cmd.Context(), logger)
			if err != nil {
				if ln != nil {
					ln.Close()
				}
				return err
			}
			defer c.Close()
			defer a.serveWorkerOps(ln, c, logger)()
			steps, err := stepEgress(a.cfg, false)
			if err != nil {
				return err
			}
			w := newWorker(c, a.cfg, logger, steps)
			logger.Info("bcdr worker started", "address", a.cfg.Temporal.Address,
				"namespace", a.cfg.Temporal.Namespace, "task_queue", a.cfg.Temporal.TaskQueue,
				"metrics", a.cfg.Metrics.Address)
			interrupt := make(chan any)
			go func() { <-cmd.Context().Done(); close(interrupt) }()
			if err := w.Run(interrupt); err != nil {
				return fmt.Errorf("worker: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().String("task-queue", "", "task queue (config temporal.task_queue, default bcdr)")
	cmd.Flags().String("metrics", "", `host:port for /metrics, /healthz and /readyz, "" for none (config metrics.address, default 127.0.0.1:9464)`)
	return cmd
}

// listenWorkerOps opens metrics.address, where the worker serves its metrics and
// probes; nil when none is set. An address that was configured and cannot be bound is an
// error: a worker nobody can probe or scrape should not start as if all were well. The
// default address is only a convenience: when a second worker on the machine finds it
// taken, that worker serves none.
func (a *app) listenWorkerOps(logger *slog.Logger) (net.Listener, error) {
	addr := a.cfg.Metrics.Address
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && addr == config.Defaults("", "")["metrics.address"] {
		logger.Warn("metrics and probes not served: the default metrics.address is taken; set metrics.address",
			"address", addr, "error", err)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config metrics.address: cannot listen on %s: %w", addr, err)
	}
	return ln, nil
}

// serveWorkerOps serves /metrics, /healthz and /readyz on ln (if any) and returns the
// function that stops serving.
func (a *app) serveWorkerOps(ln net.Listener, c client.Client, logger *slog.Logger) (stop func()) {
	if ln == nil {
		return func() {}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	mux.Handle("GET /readyz", readyHandler(c))
	mux.Handle("GET /metrics", a.metricsHandler())
	srv := httpserver.New(mux, httpserver.Default)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("worker metrics server stopped", "error", err)
		}
	}()
	logger.Info("worker metrics and probes", "address", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
}
