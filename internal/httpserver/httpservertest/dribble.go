// Package httpservertest holds what tests of bcdr's HTTP listeners share: the slow
// client of issue 18's finding 11 (Dribble). Tests import it; nothing else does.
package httpservertest

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Dribble connects to addr, writes head (a request's start, which the server waits to
// see the rest of), then sends up to n more bytes one every 20 ms, as an attacker holding
// the connection would. It reports whether the server closed the connection, first by
// a write failing and else by reading (for up to readWait) to the server's end, and how
// long that took from the first dribbled byte.
func Dribble(t testing.TB, addr, head string, n int, readWait time.Duration) (closed bool, took time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte(head))
	require.NoError(t, err)
	began := time.Now()
	for range n {
		if _, err := conn.Write([]byte("x")); err != nil {
			closed = true
			break
		}
		time.Sleep(20 * time.Millisecond) // the attacker's pace, not a wait for luck
	}
	if !closed { // writes may still be buffered: the read side tells
		_ = conn.SetReadDeadline(time.Now().Add(readWait))
		_, err := io.ReadAll(conn)
		closed = err == nil
	}
	return closed, time.Since(began)
}
