package main

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/bcdr/bcdr/internal/telemetry"
)

// observability is the process's telemetry, created on first use: the long-running
// commands (dev, worker, server) connect to Temporal through it and serve its /metrics.
type observability struct {
	once, stopped sync.Once
	tel           *telemetry.Telemetry
	err           error
	service       string // the command, for service.name: worker -> bcdr-worker
}

// telemetry returns the process's telemetry, configured by metrics.* and tracing.*.
func (a *app) telemetry() (*telemetry.Telemetry, error) {
	a.obs.once.Do(func() {
		t := a.cfg.Tracing
		a.obs.tel, a.obs.err = telemetry.New(context.Background(), telemetry.Options{
			Service: "bcdr-" + a.obs.service, Version: version,
			TracingEndpoint: t.Endpoint, TracingInsecure: t.Insecure, SampleRatio: t.SampleRatio,
		})
	})
	return a.obs.tel, a.obs.err
}

// metricsHandler serves the process's metrics (GET /metrics).
func (a *app) metricsHandler() http.Handler {
	tel, err := a.telemetry()
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "metrics unavailable: "+err.Error(), http.StatusInternalServerError)
		})
	}
	return tel.Handler()
}

// stopTelemetry sends the spans still buffered, once; it does nothing when telemetry
// was never used. The root command calls it after every command that succeeded.
func (a *app) stopTelemetry() error {
	var err error
	a.obs.stopped.Do(func() {
		if a.obs.tel == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = a.obs.tel.Shutdown(ctx)
	})
	return err
}
