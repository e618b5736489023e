package engine

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogLogger adapts the server's tag-based log.Logger to a *slog.Logger.
// Panic and Fatal are logged as errors: an embedded server must not exit or
// panic the process because it logged.
type slogLogger struct {
	l *slog.Logger
	// stopping is set by Server.Stop: while the services stop one after the
	// other, the rest warn about the ones already gone (failed polls, dial
	// errors), which is expected; only errors are logged from then on.
	stopping *atomic.Bool
	// store remembers the store failures logged, for Server.Health.
	store *storeErrors
}

func newSlogLogger(l *slog.Logger) slogLogger {
	return slogLogger{l: l, stopping: new(atomic.Bool), store: new(storeErrors)}
}

// benign are warnings and errors the server logs on every start of this
// configuration; they are logged at Info instead. Each is matched against
// the message and the values of its tags.
var benign = []string{
	"HTTP API port has not been set", // no HTTP API and no Nexus: bcdr uses gRPC only
	"Frontend is not healthy yet",    // system workers dialing while the frontend starts
}

var (
	_ log.Logger     = slogLogger{}
	_ log.WithLogger = slogLogger{}
)

func (s slogLogger) Debug(msg string, tags ...tag.Tag)  { s.log(slog.LevelDebug, msg, tags) }
func (s slogLogger) Info(msg string, tags ...tag.Tag)   { s.log(slog.LevelInfo, msg, tags) }
func (s slogLogger) Warn(msg string, tags ...tag.Tag)   { s.log(slog.LevelWarn, msg, tags) }
func (s slogLogger) Error(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s slogLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }
func (s slogLogger) Panic(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s slogLogger) Fatal(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }

// With returns a logger that adds tags to every record.
func (s slogLogger) With(tags ...tag.Tag) log.Logger {
	return slogLogger{l: slog.New(s.l.Handler().WithAttrs(attrs(tags))), stopping: s.stopping, store: s.store}
}

func (s slogLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if level < slog.LevelWarn {
		if s.l.Enabled(ctx, level) { // do not render tags nobody will read
			s.l.LogAttrs(ctx, level, msg, attrs(tags)...)
		}
		return
	}
	if level < slog.LevelError && s.stopping.Load() {
		return
	}
	rendered := attrs(tags)
	if level >= slog.LevelError && s.store != nil {
		s.store.note(msg, rendered)
	}
	if isBenign(msg, rendered) {
		level = slog.LevelInfo
	}
	if s.l.Enabled(ctx, level) {
		s.l.LogAttrs(ctx, level, msg, rendered...)
	}
}

func isBenign(msg string, attrs []slog.Attr) bool {
	for _, b := range benign {
		if strings.Contains(msg, b) {
			return true
		}
		for _, a := range attrs {
			if strings.Contains(a.Value.String(), b) {
				return true
			}
		}
	}
	return false
}

func attrs(tags []tag.Tag) []slog.Attr {
	out := make([]slog.Attr, len(tags))
	for i, t := range tags {
		out[i] = slog.Any(t.Key(), t.Value())
	}
	return out
}
