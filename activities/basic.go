package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bcdr/bcdr/internal/egress"
	"github.com/bcdr/bcdr/runbooks"
)

// Basic carries out the builtin kinds that need no cloud: notify and noop.
type Basic struct {
	HTTP   *HTTP
	Logger *slog.Logger
}

type notifyInput struct {
	Channel string `json:"channel"`
	Message string `json:"message"`
}

// Notify is the notify kind. An http(s) URL channel receives a JSON {"text": message}
// (Slack incoming webhooks accept it); a named channel is written to the worker's log. A failing
// notification returns an error; runbooks mark notify steps on_error: continue so that
// it never fails a recovery.
func (b *Basic) Notify(ctx context.Context, req Request) (Result, error) {
	var in notifyInput
	if err := decodeBuiltin(runbooks.KindNotify, req.With, &in); err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(in.Channel, "http://") || strings.HasPrefix(in.Channel, "https://"):
		_, err := b.HTTP.Request(ctx, Request{RunID: req.RunID, StepID: req.StepID, With: map[string]any{
			"url": in.Channel, "method": http.MethodPost, "body": map[string]any{"text": in.Message},
		}})
		if err != nil {
			return nil, err
		}
	default:
		// A named channel ("incident", "log") goes to the worker's log, which is the
		// run's log; channel routing to chat, e-mail and SNS is configured separately.
		b.logger().Info("notify", "channel", in.Channel, "run", req.RunID, "step", req.StepID, "message", in.Message)
	}
	return Result{"channel": in.Channel}, nil
}

type noopInput struct {
	Sleep  string         `json:"sleep"`
	Output map[string]any `json:"output"`
	Fail   string         `json:"fail"`
}

// Noop does nothing, optionally for a while, and returns its `output` input.
func (b *Basic) Noop(ctx context.Context, req Request) (Result, error) {
	var in noopInput
	if err := decodeBuiltin(runbooks.KindNoop, req.With, &in); err != nil {
		return nil, err
	}
	if in.Sleep != "" {
		d, err := runbooks.ParseDuration(in.Sleep)
		if err != nil {
			return nil, NonRetryable(ErrValidation, fmt.Errorf("noop: sleep: %w", err))
		}
		t := time.NewTimer(d.Std())
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if in.Fail != "" {
		return nil, errors.New(in.Fail)
	}
	return Result(in.Output), nil
}

func (b *Basic) logger() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}

// Builtins returns the builtin activity kinds with their functions.
func Builtins(logger *slog.Logger, steps *egress.Policy) []Action {
	h := NewHTTP(steps)
	b := &Basic{HTTP: h, Logger: logger}
	fns := map[string]func(context.Context, Request) (Result, error){
		runbooks.KindHTTPCheck: h.Check, runbooks.KindHTTPRequest: h.Request,
		runbooks.KindNotify: b.Notify, runbooks.KindNoop: b.Noop,
	}
	var out []Action
	for _, k := range runbooks.Builtins() {
		if fn, ok := fns[k.Name]; ok {
			out = append(out, Action{Kind: k, Fn: fn})
		}
	}
	return out
}
