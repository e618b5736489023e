package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/workflows"
)

// runs returns the run service every run command talks to: the bcdr server at
// server.url, which acts as the identity its token authenticates, or, without one, the
// engine at temporal.address directly, acting as identity.user (whoever reaches the
// engine directly can do everything; its own access control is the boundary). The
// commands never know which they have, so every flag works the same in both modes.
// done releases the connection.
func (a *app) runs(ctx context.Context) (svc api.Runs, done func(), err error) {
	return a.runService(ctx, dial)
}

// runService is runs with the way to connect to the engine.
func (a *app) runService(ctx context.Context, connect func(context.Context, *config.Config, *slog.Logger) (client.Client, error)) (api.Runs, func(), error) {
	if a.remote() {
		return api.NewClient(a.cfg.Server.URL, a.cfg.Server.Token), func() {}, nil
	}
	c, err := connect(ctx, a.cfg, discard())
	if err != nil {
		return nil, nil, err
	}
	by, _ := a.identity() // reading needs no identity; a start or an action asks for one first (a.actor)
	e, err := a.engine(c, by, "cli")
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return e, c.Close, nil
}

// engine is the run service straight on the engine c, acting as by; the runs it starts
// record trigger as the way they came in.
func (a *app) engine(c client.Client, by workflows.Actor, trigger string) (*api.Engine, error) {
	opts, err := a.apiOptions(c, discard()) // without an identity key, the runs refuse decisions and say why
	if err != nil {
		return nil, err
	}
	return api.NewEngine(opts, by, trigger), nil
}

// startInput starts, on the engine c, a run whose input this process composed (a
// scenario's generated recovery, the demo), as its initiator, and says what the
// proven-version gate made of it. It returns the run service acting as the initiator.
func (a *app) startInput(ctx context.Context, c client.Client, in workflows.Input) (*api.Engine, string, error) {
	e, err := a.engine(c, in.Initiator, in.Trigger)
	if err != nil {
		return nil, "", err
	}
	ref, err := e.StartInput(ctx, in)
	if err != nil {
		return nil, "", err
	}
	a.warnUnproven(ref.Unproven)
	return e, ref.RunID, nil
}

// withRuns runs f with the run service (runs), once this CLI knows who it acts as (actor):
// the way every command that starts or changes something reaches runs and schedules.
func (a *app) withRuns(ctx context.Context, f func(api.Runs) error) error {
	if err := a.actor(); err != nil {
		return err
	}
	return a.readRuns(ctx, f)
}

// readRuns runs f with the run service (runs) and closes the service after: the way a
// command that only reads runs and schedules reaches them, as no one in particular.
func (a *app) readRuns(ctx context.Context, f func(api.Runs) error) error {
	svc, done, err := a.runs(ctx)
	if err != nil {
		return err
	}
	defer done()
	return f(svc)
}

// actor checks, before a start or an action, that this CLI knows who it acts as when it
// reaches the engine directly; through a server, the server's identity for the token
// acts, whatever --as says.
func (a *app) actor() error {
	if a.remote() {
		return nil
	}
	_, err := a.identity()
	return err
}

// asFlag names the flag where the run service names a request field ("--since").
func asFlag(err error) error {
	var e *api.Error
	if errors.As(err, &e) && e.Field != "" {
		return fmt.Errorf("--%s: %s", e.Field, e.Message)
	}
	return err
}
