package engine

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.temporal.io/server/common/log/tag"
)

func TestServerLogsGoToSlog(t *testing.T) {
	var buf bytes.Buffer
	l := newSlogLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))

	l.Info("chatty")
	l.Warn("shard moved", tag.NewStringTag("shard", "1"))
	l.Warn("HTTP API port has not been set. Nexus HTTP endpoints will not be available.")
	l.Error("service failures", tag.Error(errors.New("Frontend is not healthy yet")))
	l.Fatal("would have exited", tag.NewInt("code", 1))
	l.With(tag.NewStringTag("service", "history")).Warn("with tags")

	out := buf.String()
	assert.NotContains(t, out, "chatty", "below Warn")
	assert.Contains(t, out, `level=WARN msg="shard moved" shard=1`)
	assert.NotContains(t, out, "HTTP API port", "benign at start")
	assert.NotContains(t, out, "service failures", "benign at start")
	assert.Contains(t, out, `level=ERROR msg="would have exited" code=1`, "Fatal is an error, not an exit")
	assert.Contains(t, out, `level=WARN msg="with tags" service=history`)

	buf.Reset()
	l.stopping.Store(true)
	l.Warn("failed to poll")
	l.Error("real trouble")
	assert.NotContains(t, buf.String(), "failed to poll", "warnings while stopping")
	assert.Contains(t, buf.String(), "real trouble")
}
