package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerServesMetricsAndJSONLogs starts `bcdr server` with log.format json: it
// serves /metrics beside its probes, and every line it logs is JSON.
func TestServerServesMetricsAndJSONLogs(t *testing.T) {
	e := newEnv(t)
	e.startDev(freePort(t))
	e.vars["BCDR_LOG_FORMAT"] = "json"
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := e.spawn("server", "--http", addr)
	url := "http://" + addr
	srv.eventually(t, "bcdr server to be ready", time.Minute, func() bool { return ready(url) })
	metrics := scrape(url)
	assert.Contains(t, metrics, "go_goroutines")
	assert.Contains(t, metrics, "process_resident_memory_bytes")

	srv.kill()
	lines := 0
	for sc := bufio.NewScanner(strings.NewReader(srv.logs.String())); sc.Scan(); {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "bcdr server on ") { // its address, on stdout
			continue
		}
		lines++
		assert.True(t, json.Valid([]byte(line)), "not JSON: %s", line)
	}
	assert.Positive(t, lines, "the server logged its start")
}

// TestWorkerMetricsAddressTaken: a configured metrics.address that is taken stops the
// worker with a message naming the key; the default address taken (a second worker on
// the machine) only costs that worker its metrics.
func TestWorkerMetricsAddressTaken(t *testing.T) {
	e := newEnv(t)
	e.startDev(freePort(t))
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()

	e.vars["BCDR_METRICS_ADDRESS"] = taken.Addr().String()
	_, errOut, code := e.cli("worker")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "config metrics.address: cannot listen on "+taken.Addr().String())

	delete(e.vars, "BCDR_METRICS_ADDRESS")
	def, err := net.Listen("tcp", "127.0.0.1:9464")
	if err != nil {
		t.Skip("the default metrics address is in use by another process: ", err)
	}
	defer def.Close()
	w := e.spawn("worker")
	w.eventually(t, "the worker to start without its metrics", time.Minute, func() bool {
		return strings.Contains(w.logs.String(), "bcdr worker started")
	})
	assert.Contains(t, w.logs.String(), "the default metrics.address is taken")
}
