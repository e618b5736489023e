//go:build !noui

package engine

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/internal/httpserver"
	"github.com/bcdr/bcdr/internal/httpserver/httpservertest"
)

// Attack (issue 18, finding 11): the Web UI's own listener had no read timeouts, unlike
// bcdr's, so a client dribbling a request's headers or body held a connection (and a
// goroutine) as long as it liked. The UI is now served with bcdr's timeouts.
func TestWebUIListenerCutsOffDribbledRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	// The frontend is not needed for what is tried here: no request gets that far.
	ui, err := startUI(context.Background(), "127.0.0.1", port, "127.0.0.1:1", "default", "",
		httpserver.Timeouts{Header: 300 * time.Millisecond, Request: 600 * time.Millisecond})
	require.NoError(t, err)
	defer ui.stop()
	addr := ln.Addr().String()
	attacks := figures.NewAttacks(t, "18.11", "a dribbled header or body holds the Web UI's connection")

	for name, head := range map[string]string{
		"header": "GET /healthz HTTP/1.1\r\nHost: x\r\n",
		"body":   "POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			// 150 bytes at 20 ms: 3 s if nothing cuts it off
			closed, took := httpservertest.Dribble(t, addr, head, 150, time.Second)
			attacks.Try(closed && took < 2500*time.Millisecond)
			assert.True(t, closed, "the connection stayed open")
			assert.Less(t, took, 2500*time.Millisecond, "the UI should cut the request off")
		})
	}
}
