package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/api/dashboard"
)

// httpHandler is everything the bcdr HTTP server serves (bcdr dev, bcdr server): health
// and readiness, metrics, the API under /v1/, the payload codec under /codec/ and the
// dashboard under /ui/ (/ leads there). ready are further readiness checks (bcdr dev:
// the embedded engine's store). Until ctx ends, the server also exports the improvement
// plan to the configured trackers.
func (a *app) httpHandler(ctx context.Context, c client.Client, ready ...func(context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(dashboard.Prefix, dashboard.Handler())
	mux.Handle("GET /{$}", dashboard.Redirect())
	mux.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	mux.Handle("GET /readyz", readyHandler(c, ready...))
	mux.Handle("GET /metrics", a.metricsHandler())
	// The codec's configuration was checked when c was dialled with it.
	if codec, err := a.codecEndpoint(context.Background()); err == nil && codec != nil {
		mux.Handle("/codec/", codec)
	}
	srv, err := a.apiServer(c)
	if err != nil { // the step kinds do not register: the worker cannot start either
		mux.Handle("/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "bcdr API unavailable: "+err.Error(), http.StatusInternalServerError)
		}))
		return mux
	}
	mux.Handle("/v1/", srv.Handler())
	go srv.RunExports(ctx)
	return mux
}

// readyHandler answers 200 once the engine answers and every check passes, 503 before.
func readyHandler(c client.Client, checks ...func(context.Context) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			http.Error(w, "engine not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		for _, check := range checks {
			if err := check(ctx); err != nil {
				http.Error(w, "engine not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
}
