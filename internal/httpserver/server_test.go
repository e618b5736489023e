package httpserver

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/internal/httpserver/httpservertest"
)

func serve(t *testing.T, h http.Handler, to Timeouts) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := New(h, to)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// Attack (issue 18, finding 11): a client dribbles a request body one byte at a time to
// hold the unauthenticated trigger endpoint's connection open. The server closes it once
// the request's time is up, however slowly the bytes keep coming.
func TestDribbledBodyIsCutOff(t *testing.T) {
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		_, _ = w.Write([]byte("read it all"))
	}), Timeouts{Header: time.Second, Request: 300 * time.Millisecond})
	// 200 bytes at 20 ms: 4 s if nothing cuts it off
	closed, took := httpservertest.Dribble(t, addr, "POST /v1/triggers/am HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", 200, 2*time.Second)
	figures.NewAttacks(t, "18.11", "a dribbled body holds the trigger endpoint's connection").Try(closed && took < 3*time.Second)
	assert.True(t, closed, "the connection stayed open")
	assert.Less(t, took, 3*time.Second, "the server should cut the request off after its 300 ms")
}

// A dribbled header is cut off too.
func TestDribbledHeaderIsCutOff(t *testing.T) {
	addr := serve(t, http.NotFoundHandler(), Timeouts{Header: 200 * time.Millisecond, Request: time.Minute})
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n"))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	began := time.Now()
	_, err = io.ReadAll(conn) // EOF when the server gives up
	require.NoError(t, err)
	assert.Less(t, time.Since(began), 3*time.Second)
}

// An answer that streams for longer than the request timeout is not cut off by it.
func TestStreamOutlivesRequestTimeout(t *testing.T) {
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		for i := range 6 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			_, _ = w.Write([]byte{'0' + byte(i), '\n'})
			w.(http.Flusher).Flush()
		}
	}), Timeouts{Header: time.Second, Request: 200 * time.Millisecond})
	for _, body := range []string{"", `{"x":1}`} {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+addr+"/events", strings.NewReader(body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var lines []string
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		resp.Body.Close()
		assert.Equal(t, []string{"0", "1", "2", "3", "4", "5"}, lines, "body %q", body)
	}
}
