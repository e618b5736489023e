package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/internal/config"
)

func TestRunErrorsSpeakTheUsersLanguage(t *testing.T) {
	// The errors as the Temporal frontend returns them.
	gone := runError("nosuch-run", "status of run", serviceerror.NewNotFound("workflow not found for ID: nosuch-run"))
	assert.NotContains(t, gone.Error(), "workflow not found for ID")
	assert.Contains(t, gone.Error(), "no such run")
	assert.Contains(t, gone.Error(), "'bcdr runs'")

	ended := runError("r-1", "approve", serviceerror.NewNotFound("workflow execution already completed"))
	assert.NotContains(t, ended.Error(), "workflow execution")
	assert.Contains(t, ended.Error(), "the run has ended")
	assert.Contains(t, ended.Error(), "'bcdr status r-1'")

	refused := runError("r-1", "approve", temporal.NewApplicationError("alice started this run and cannot approve it (four-eyes)", "Refused"))
	assert.Equal(t, "approve r-1: refused: alice started this run and cannot approve it (four-eyes)", refused.Error())
}

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
