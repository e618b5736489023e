package main

import (
	"bufio"
	"encoding/json"
	"fmt"
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
	eventually(t, "bcdr server to be ready", time.Minute, func() bool {
		require.False(t, srv.exited(), "bcdr server exited:\n%s", srv.logs.String())
		return ready(url)
	})
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
