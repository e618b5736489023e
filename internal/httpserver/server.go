// Package httpserver builds the http.Server every bcdr listener uses (bcdr dev's and bcdr
// server's HTTP server, bcdr worker's metrics and probes, the embedded Temporal Web UI's
// listener in internal/engine), so that none is without read
// timeouts: a client that dribbles its headers or its body cannot hold a connection (and
// a goroutine) open for long, also on unauthenticated endpoints such as webhook triggers.
package httpserver

import (
	"net/http"
	"time"
)

// Timeouts bound how long a request may take to arrive.
type Timeouts struct {
	// Header is how long the request line and headers may take (http.Server's
	// ReadHeaderTimeout).
	Header time.Duration
	// Request is how long the whole request, body included, may take (ReadTimeout). It
	// does not limit how long an answer may stream (run events): see the tests.
	Request time.Duration
}

// Default are the timeouts of bcdr's listeners: 5 s for headers, 30 s for a whole request
// (the largest request, an uploaded runbook, is 1 MiB).
var Default = Timeouts{Header: 5 * time.Second, Request: 30 * time.Second}

// New returns a server for h with the timeouts t.
func New(h http.Handler, t Timeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.Header,
		ReadTimeout:       t.Request,
	}
}
