package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 18, finding 6: with a damaged temporal.db, bcdr dev said ready and accepted
// runs. It now refuses to start, naming the file and the way out.
func TestDevRefusesADamagedDatabase(t *testing.T) {
	e := newEnv(t)
	args := e.devArgs(freePort(t), 0, "127.0.0.1:0")

	// A first start creates the database; a clean stop leaves it in one file.
	out, errOut, stop, done := e.goDev(args)
	eventually(t, "bcdr dev to be ready", time.Minute, func() bool {
		return strings.Contains(out.String(), "bcdr dev ready")
	})
	stop()
	require.Equal(t, 0, <-done, errOut.String())

	db := filepath.Join(e.vars["BCDR_DATA_DIR"], "temporal.db")
	// What the WAL holds moves into the file, as SQLite's automatic checkpoints do on a
	// dev that has run a while.
	raw := checkpoint(t, db, "TRUNCATE")
	// Garbage over the header of every page after the first, as a bad disk would leave
	// it (the WAL, if any, still overlays the pages it holds).
	for page := 4096; page+64 <= len(raw); page += 4096 {
		for i := page; i < page+64; i++ {
			raw[i] = byte(i * 7)
		}
	}
	require.NoError(t, os.WriteFile(db, raw, 0o600))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, errb syncBuffer
	code := run(ctx, args, strings.NewReader(""), &stdout, &errb, e.getenv, e.environ())
	stderr := errb.String()
	assert.NotContains(t, stdout.String(), "bcdr dev ready")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, db)
	assert.Contains(t, stderr, "is damaged")
	assert.Contains(t, stderr, "restore")
	assert.Contains(t, stderr, "new data folder (--data-dir or data_dir)")
}

// /readyz of bcdr dev fails when the engine's store does: here its file is damaged under
// the running engine.
func TestDevReadyzFailsWhenTheStoreIsDamaged(t *testing.T) {
	e := newEnv(t)
	out, _, stop, done := e.goDev(e.devArgs(freePort(t), 0, "127.0.0.1:0"))
	defer func() { stop(); <-done }()
	var base string
	eventually(t, "bcdr dev to be ready", time.Minute, func() bool {
		_, after, ok := strings.Cut(out.String(), "  bcdr      ")
		base, _, _ = strings.Cut(after, " ")
		return ok && strings.HasPrefix(base, "http://")
	})

	db := filepath.Join(e.vars["BCDR_DATA_DIR"], "temporal.db")
	raw := checkpoint(t, db, "PASSIVE")
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	require.NoError(t, err)
	for page := int64(4096); page+64 <= int64(len(raw)); page += 4096 {
		_, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 64), page)
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())

	resp, err := http.Get(base + "/readyz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, string(body))
	assert.Contains(t, string(body), "is damaged")
	assert.Contains(t, string(body), db)
}

// checkpoint moves what the write-ahead log of the engine's database db holds into the
// file (PRAGMA wal_checkpoint(mode): TRUNCATE on a stopped engine, PASSIVE under a running
// one) and returns the file's contents.
func checkpoint(t *testing.T, db, mode string) []byte {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = conn.Exec("PRAGMA wal_checkpoint(" + mode + ")")
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	raw, err := os.ReadFile(db)
	require.NoError(t, err)
	return raw
}

// goDev runs bcdr with args (a `bcdr dev`, devArgs) in this process, in a goroutine, until
// stop is called; its exit status arrives on done.
func (e *env) goDev(args []string) (out, errOut *syncBuffer, stop context.CancelFunc, done <-chan int) {
	ctx, stop := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	out, errOut = &syncBuffer{}, &syncBuffer{}
	go func() { exit <- run(ctx, args, strings.NewReader(""), out, errOut, e.getenv, e.environ()) }()
	return out, errOut, stop, exit
}
