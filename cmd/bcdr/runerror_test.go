package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/config"
)

func TestEngineDownNamesBcdrDev(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	cfg := &config.Config{}
	cfg.Temporal.Address, cfg.Temporal.Namespace = addr, "default"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = dial(ctx, cfg, discard())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach the Temporal engine at "+addr)
	assert.Contains(t, err.Error(), "'bcdr dev'")
	assert.Contains(t, err.Error(), "--address")
}
