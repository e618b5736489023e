package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/bcdr/bcdr/internal/demo"
	"github.com/bcdr/bcdr/internal/engine"
	"github.com/bcdr/bcdr/internal/httpserver"
	"github.com/bcdr/bcdr/internal/identity"
	"github.com/bcdr/bcdr/runbooks"
)

func newDevCommand(a *app) *cobra.Command {
	var withDemo bool
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run everything in one process: embedded Temporal engine, Web UI, worker and bcdr server",
		Long: `dev runs the embedded Temporal server (SQLite in the data folder, so runs survive a
restart), the Temporal Web UI, a bcdr worker and the bcdr HTTP server, all on 127.0.0.1
unless told otherwise. A run that was in flight when dev stopped continues when it
starts again. Stop it with Ctrl-C.

At start it runs SQLite's quick_check on data_dir/temporal.db and refuses a damaged file
(restore it from a backup, or use a new data folder); /readyz answers 503 while the
engine's store reports errors. Steps may reach loopback, but not dev's own ports.

Without auth.tokens or OIDC configured, dev makes a local admin token at first start,
keeps it in data_dir/dev-admin.token (mode 0600) and prints a link that signs the
dashboard in with it (bcdr server never does this). With --demo it also serves the demo
web service that runbooks/library/demo-failover.yaml recovers, so
'bcdr run runbooks/library/demo-failover.yaml --mode drill' works against it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token, err := devSignIn(a.cfg)
			if err != nil {
				return err
			}
			d, err := a.startDev(cmd.Context(), false)
			if err != nil {
				return err
			}
			d.token = token
			if withDemo {
				svc, err := demo.StartOn(demo.DefaultRouter, demo.DefaultPrimary, demo.DefaultStandby)
				if err != nil {
					_ = d.stop()
					return fmt.Errorf("%w (is 'bcdr demo' or another 'bcdr dev --demo' running?)", err)
				}
				defer svc.Close()
				d.demo = svc
			}
			fmt.Fprintln(a.stdout, d.banner())
			<-cmd.Context().Done()
			fmt.Fprintln(a.stdout, "bcdr dev: stopping")
			return d.stop()
		},
	}
	f := cmd.Flags()
	f.String("ip", "", "address every server binds to (config dev.ip, default 127.0.0.1)")
	f.Int("port", 0, "Temporal frontend port (config dev.frontend_port, default 7233)")
	f.Int("ui-port", 0, "Temporal Web UI port, 0 for none (config dev.ui_port, default 8233)")
	f.String("http", "", "bcdr HTTP server host:port (config http.address, default 127.0.0.1:8080)")
	f.Var(new(runbooks.Duration), "retention", "how long closed runs stay in the engine, e.g. 7d (config dev.retention, default 30d)")
	f.BoolVar(&withDemo, "demo", false, "also serve the demo web service that runbooks/library/demo-failover.yaml recovers (router 127.0.0.1:18080, primary :18081, standby :18082)")
	return cmd
}

// dev is a running `bcdr dev`: engine, worker and HTTP server.
type dev struct {
	engine *engine.Server
	client client.Client
	worker worker.Worker
	http   *http.Server
	httpAt string
	data   string
	token  string        // the local admin token that signs the dashboard in, if dev made one
	demo   *demo.Service // the demo web service, with --demo
	// engineLevel quiets the server's shutdown chatter (pollers losing their connection).
	engineLevel *slog.LevelVar
}

// startDev starts the embedded engine, a worker and the HTTP server. With freePorts the
// engine and HTTP server take free ports and no Web UI (the demo, tests).
func (a *app) startDev(ctx context.Context, freePorts bool) (*dev, error) {
	logger := a.logger()
	engineLevel := new(slog.LevelVar)
	opts := engine.Options{
		DataDir: a.cfg.DataDir, IP: a.cfg.Dev.IP, FrontendPort: a.cfg.Dev.FrontendPort,
		UIPort: a.cfg.Dev.UIPort, Namespace: a.cfg.Temporal.Namespace, Retention: a.cfg.Dev.Retention.Std(),
		Logger: a.engineLogger(engineLevel),
	}
	httpAddr := a.cfg.HTTP.Address
	if freePorts {
		opts.FrontendPort, opts.UIPort = engine.PickFreePort, 0
		httpAddr = net.JoinHostPort(a.cfg.Dev.IP, "0")
	}
	ln, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return nil, fmt.Errorf("bcdr HTTP server: cannot listen on %s: %w (set --http or http.address)", httpAddr, err)
	}
	codec, err := a.newDevCodec(ln.Addr().String()) // nil without a codec key
	if err != nil {
		ln.Close()
		return nil, err
	}
	if codec != nil {
		opts.UICodecEndpoint = codec.url
	}
	// The local shortcut: worker, server and CLI share the data folder, so a key made
	// there on first start signs and verifies every decision (docs/security.md).
	if _, err := identity.EnsureKey(a.cfg.IdentityKeyFile()); err != nil {
		ln.Close()
		return nil, err
	}
	eng, err := engine.Start(ctx, opts)
	if err != nil {
		ln.Close()
		return nil, err
	}
	d := &dev{engine: eng, data: a.cfg.DataDir, httpAt: ln.Addr().String(), engineLevel: engineLevel}
	a.cfg.Temporal.Address = eng.Address()
	if d.client, err = a.dialObserved(ctx, a.quietLogger()); err != nil {
		ln.Close()
		_ = eng.Stop()
		return nil, err
	}
	steps, err := stepEgress(a.cfg, true, append(eng.Listeners(), d.httpAt)...)
	if err != nil {
		_ = d.stop()
		return nil, err
	}
	d.worker = newWorker(d.client, a.cfg, logger, steps)
	if err := d.worker.Start(); err != nil {
		_ = d.stop()
		return nil, fmt.Errorf("start worker: %w", err)
	}
	handler := a.httpHandler(ctx, d.client, eng.Health)
	if codec != nil {
		if handler, err = codec.wrap(ctx, a, handler, eng.UIAddress()); err != nil {
			_ = d.stop()
			return nil, err
		}
	}
	d.http = httpserver.New(handler, httpserver.Default)
	go func() {
		if err := d.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("bcdr HTTP server stopped", "error", err)
		}
	}()
	return d, nil
}

func (d *dev) banner() string {
	s := fmt.Sprintf("bcdr dev ready\n  temporal  %s (namespace %s)\n", d.engine.Address(), d.engine.Namespace())
	if ui := d.engine.UIAddress(); ui != "" {
		s += fmt.Sprintf("  web ui    http://%s\n", ui)
	}
	s += fmt.Sprintf("  bcdr      http://%s (health: /healthz)\n  dashboard http://%s/ui/\n", d.httpAt, d.httpAt)
	if d.token != "" {
		s += fmt.Sprintf("  sign in   %s\n            (a local admin token, kept in %s)\n", signInLink(d.httpAt, d.token), filepath.Join(d.data, devTokenFile))
	}
	if d.demo != nil {
		s += fmt.Sprintf("  demo      router %s -> primary %s | standby %s\n            (bcdr run runbooks/library/demo-failover.yaml --mode drill)\n", d.demo.Router, d.demo.Primary, d.demo.Standby)
	} else {
		s += "  demo      off ('bcdr dev --demo' serves the web service demo-failover.yaml recovers)\n"
	}
	s += fmt.Sprintf("  data      %s", d.data)
	return s
}

// stop shuts down in reverse order: HTTP, worker, client, engine.
func (d *dev) stop() error {
	var errs []error
	if d.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, d.http.Shutdown(ctx))
		cancel()
	}
	if d.worker != nil {
		d.worker.Stop()
	}
	if d.client != nil {
		d.client.Close()
	}
	d.engineLevel.Set(slog.LevelError + 1)
	errs = append(errs, d.engine.Stop())
	return errors.Join(errs...)
}

// engineLogger is the embedded server's logger: warnings and errors only, unless bcdr
// itself logs at debug level (the server is chatty at info).
func (a *app) engineLogger(level *slog.LevelVar) *slog.Logger {
	level.Set(slog.LevelWarn)
	if a.cfg.Log.Level == "debug" {
		level.Set(slog.LevelDebug)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(a.stderr, opts)
	if a.cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(a.stderr, opts)
	}
	return slog.New(h).With("component", "temporal")
}

// quietLogger is the SDK client's logger: its info lines (worker started/stopped) are noise
// on a terminal.
func (a *app) quietLogger() *slog.Logger {
	if a.cfg.Log.Level == "debug" {
		return a.logger()
	}
	opts := &slog.HandlerOptions{Level: slog.LevelWarn}
	if a.cfg.Log.Format == "json" { // bcdr server's logs are shipped: one format per stream
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}

// discard is a logger that drops everything (the demo keeps its output clean).
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
