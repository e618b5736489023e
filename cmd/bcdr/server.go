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

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/httpserver"
)

func newServerCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Serve the bcdr API (and health checks) against an existing Temporal cluster",
		Long: `server connects to the Temporal frontend in temporal.address, like 'bcdr worker', and
serves the bcdr HTTP API on http.address (default 127.0.0.1:8080: loopback only; put a
TLS-terminating proxy in front to serve it beyond this machine). It runs no workflows: run
'bcdr worker' beside it. 'bcdr dev' serves the same API on its embedded engine.

Callers authenticate with static API tokens (auth.tokens, stored as hashes: see 'bcdr token')
or OIDC bearer tokens (auth.oidc); auth.bindings give them roles. Webhook triggers
(triggers.*) are served at POST /v1/triggers/NAME. The routes are described in
api/openapi.yaml, also served at GET /v1/openapi.yaml.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger := a.logger()
			c, err := a.dialObserved(cmd.Context(), a.quietLogger()) // SDK metrics on /metrics, tracing when set
			if err != nil {
				return err
			}
			defer c.Close()
			opts, err := a.apiOptions(c, logger)
			if err != nil {
				return err
			}
			if err := api.New(opts).CheckTriggers(); err != nil {
				return err // a trigger that cannot start its runbook fails at start, not at 3 a.m.
			}
			ln, err := net.Listen("tcp", a.cfg.HTTP.Address)
			if err != nil {
				return fmt.Errorf("bcdr server: cannot listen on %s: %w (set --http or http.address)", a.cfg.HTTP.Address, err)
			}
			srv := httpserver.New(a.httpHandler(cmd.Context(), c), httpserver.Default)
			logger.Info("bcdr server started", "address", "http://"+ln.Addr().String(), "temporal", a.cfg.Temporal.Address,
				"namespace", a.cfg.Temporal.Namespace)
			fmt.Fprintf(a.stdout, "bcdr server on http://%s\n", ln.Addr())
			go func() {
				<-cmd.Context().Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().String("http", "", "bcdr HTTP server host:port (config http.address, default 127.0.0.1:8080)")
	return cmd
}

// apiServer builds the API server from the configuration.
func (a *app) apiServer(c client.Client) (*api.Server, error) {
	opts, err := a.apiOptions(c, a.logger())
	if err != nil {
		return nil, err
	}
	if opts.Catalogue != nil {
		if _, _, err := opts.Catalogue(); err != nil {
			return nil, fmt.Errorf("config catalogue (the portfolio's services): %w", err)
		}
	}
	opts.Exporters = a.exporters()
	s := api.New(opts)
	if err := s.CheckTriggers(); err != nil {
		a.logger().Warn("bcdr API: a webhook trigger cannot start its runbook", "error", err)
	}
	return s, nil
}

// apiOptions are the run service's options from the configuration, on the engine c,
// logging to logger: the server's, and the CLI's when it reaches the engine directly.
func (a *app) apiOptions(c client.Client, logger *slog.Logger) (api.Options, error) {
	reg, err := registry(a.cfg)
	if err != nil {
		return api.Options{}, err
	}
	cadence := map[string]time.Duration{}
	for tier, d := range a.cfg.Drills.Cadence {
		cadence[tier] = d.Std()
	}
	return api.Options{
		Client: c, TaskQueue: a.cfg.Temporal.TaskQueue, Registry: reg,
		Catalog: api.NewCatalog(reg, a.cfg.Drills.RunbookDirs...), Auth: api.NewAuthenticator(a.cfg.Auth, a.cfg.GroupsOf, nil),
		Triggers: a.cfg.Triggers, Catalogue: a.portfolioCatalogue(), Scenario: a.scenarioRunbooks,
		Cadence: cadence, Notify: a.cfg.Notifies(), Logger: logger,
		Evidence: newLazyEvidence(a.cfg), DataConverter: runDataConverter(a.cfg),
		OutageWindow: a.cfg.OutageWindow.Std(), ProvenPolicy: a.cfg.ProvenPolicy(),
		IdentityKey: identityKey(a.cfg, logger),
	}, nil
}

// remote reports whether the CLI goes through a bcdr server (server.url).
func (a *app) remote() bool { return a.cfg.Server.URL != "" }

// apiClient returns the API the CLI talks to: the server at server.url with
// server.token, or, without one, an in-process API on a direct Temporal connection that
// acts as identity.user with every role (whoever reaches Temporal directly can do all).
func (a *app) apiClient(ctx context.Context) (*api.Client, func(), error) {
	return a.apiClientWith(ctx, dial)
}

// apiClientWith is apiClient whose direct Temporal connection dial makes: dialLazy for
// commands that may need no engine (the improvement plan is read from the evidence store).
func (a *app) apiClientWith(ctx context.Context, dial func(context.Context, *config.Config, *slog.Logger) (client.Client, error)) (*api.Client, func(), error) {
	if a.remote() {
		return api.NewClient(a.cfg.Server.URL, a.cfg.Server.Token), func() {}, nil
	}
	actor, err := a.identity()
	if err != nil {
		return nil, nil, err
	}
	c, err := dial(ctx, a.cfg, discard())
	if err != nil {
		return nil, nil, err
	}
	opts, err := a.apiOptions(c, discard())
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	opts.Local = &api.Identity{Name: actor.Name, Groups: actor.Groups, Grants: []api.Grant{{Role: api.Admin}}, Via: "local"}
	return api.InProcess(api.New(opts).Handler()), c.Close, nil
}
