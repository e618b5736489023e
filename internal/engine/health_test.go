package engine

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/server/common/log/tag"

	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/internal/fixture"
)

// preparedDataDir is a data folder with a created database, as a first start leaves it.
func preparedDataDir(t *testing.T) string {
	dir := t.TempDir()
	d, err := openDataDir(dir)
	require.NoError(t, err)
	require.NoError(t, prepareDatabase(d, sqlConfig(d.dbPath()), clusterName, "default", 24*time.Hour))
	require.NoError(t, d.unlock())
	// Move what the WAL holds into the file, so that damaging the file damages data.
	db, err := sql.Open("sqlite", d.dbPath())
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	return dir
}

// damage overwrites a page in the middle of the database with garbage, as a torn write
// or a bad disk would: SQLite still opens the file.
func damage(t *testing.T, path string) {
	raw := fixture.Read(t, path)
	const page = 4096
	require.Greater(t, len(raw), 8*page)
	mid := (len(raw) / page / 2) * page
	for i := mid; i < mid+page; i++ {
		raw[i] = byte(i * 7)
	}
	require.NoError(t, os.WriteFile(path, raw, 0o600))
}

// Issue 18, finding 6: with a damaged temporal.db, bcdr dev said ready and accepted runs.
// Start now runs SQLite's quick_check first and refuses, naming the file and the way out.
func TestStartRefusesADamagedDatabase(t *testing.T) {
	dir := preparedDataDir(t)
	db := filepath.Join(dir, dbFileName)
	require.NoError(t, checkDatabase(db), "an intact database passes")
	damage(t, db)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Start(ctx, Options{DataDir: dir, FrontendPort: PickFreePort, Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		_ = s.Stop()
	}
	figures.NewAttacks(t, "18.6", "the engine starts on a damaged database").Try(err != nil)
	require.Error(t, err, "the engine started on a damaged database")
	assert.Contains(t, err.Error(), db)
	assert.Contains(t, err.Error(), "damaged")
	assert.Contains(t, err.Error(), "restore")
	assert.Contains(t, err.Error(), "new data folder")
}

// Health fails once the engine's store has logged an error, and on a damaged file.
func TestHealthFailsWhenTheStoreErrors(t *testing.T) {
	dir := preparedDataDir(t)
	d := &dataDir{path: dir}
	s := &Server{data: d, logger: newSlogLogger(slog.New(slog.DiscardHandler))}
	require.NoError(t, s.Health(context.Background()))

	s.logger.With(tag.Operation("CreateWorkflowExecution")).Error("Persistent store operation failure",
		tag.Error(errors.New("database disk image is malformed (11)")))
	err := s.Health(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "database disk image is malformed")
	assert.Contains(t, err.Error(), filepath.Join(dir, dbFileName))

	s2 := &Server{data: d, logger: newSlogLogger(slog.New(slog.DiscardHandler))}
	damage(t, d.dbPath())
	assert.ErrorContains(t, s2.Health(context.Background()), "damaged")
}

// A running engine's store checks healthy: quick_check reads the live file beside the
// server's own connections (WAL mode).
func TestHealthOfARunningEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Start(ctx, Options{DataDir: t.TempDir(), FrontendPort: PickFreePort, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer s.Stop()
	require.NoError(t, s.Health(ctx))
}
