package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the driver Temporal's SQLite store uses, registered as "sqlite"
)

// checkDatabase runs SQLite's quick_check on the database file at path (https://sqlite.org/pragma.html#pragma_quick_check:
// "ok" when no problems are found) and says what is wrong, naming the file and the way out.
func checkDatabase(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return damaged(path, err.Error())
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check(20)")
	if err != nil {
		return damaged(path, err.Error())
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return damaged(path, err.Error())
		}
		if line != "ok" {
			found = append(found, line)
		}
	}
	if err := rows.Err(); err != nil {
		return damaged(path, err.Error())
	}
	if len(found) > 0 {
		return damaged(path, strings.Join(found, "; "))
	}
	return nil
}

func damaged(path, what string) error {
	return fmt.Errorf("engine database %s is damaged (SQLite quick_check: %s); the engine will not start on it: "+
		"stop bcdr and restore %s (with any -wal and -shm files beside it) from a backup, "+
		"or start with a new data folder (--data-dir or data_dir), whose engine will not know this one's runs", path, what, path)
}

// storeErrors remembers the last error the engine's persistence logged.
type storeErrors struct {
	mu   sync.Mutex
	last string
	at   time.Time
}

// storeFailure marks what the SQLite store says when the file or the disk fails
// (https://sqlite.org/rescode.html: SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_IOERR,
// SQLITE_FULL, SQLITE_READONLY and their messages).
var storeFailure = []string{
	"database disk image is malformed", "file is not a database", "disk I/O error",
	"database or disk is full", "attempt to write a readonly database",
	"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_READONLY",
}

// note records an engine error log whose message or tags carry a store failure.
func (e *storeErrors) note(msg string, attrs []slog.Attr) {
	text := msg
	for _, a := range attrs {
		text += " " + a.Value.String()
	}
	for _, f := range storeFailure {
		if strings.Contains(text, f) {
			e.mu.Lock()
			e.last, e.at = text, time.Now()
			e.mu.Unlock()
			return
		}
	}
}

// storeErrorWindow is how long after a store error the engine counts as not ready.
const storeErrorWindow = time.Minute

// healthEvery is how often Health runs quick_check again; between checks it answers
// from the last one.
const healthEvery = 30 * time.Second

// Health says whether the engine's store works: it fails for a minute after the engine
// logged a store failure (a damaged file, a full or failing disk), and when SQLite's
// quick_check, run at most every 30 s (after the first, in the background), finds the
// file damaged. /readyz of bcdr dev asks it.
func (s *Server) Health(ctx context.Context) error {
	if st := s.logger.store; st != nil {
		st.mu.Lock()
		last, at := st.last, st.at
		st.mu.Unlock()
		if last != "" && time.Since(at) < storeErrorWindow {
			return fmt.Errorf("engine store %s failed %s ago: %s", s.data.dbPath(), time.Since(at).Round(time.Second), last)
		}
	}
	return s.health.get(ctx, s.data.dbPath())
}

// healthCheck is the last quick_check's outcome. The first check runs in the caller;
// later ones, when the last is older than healthEvery, in the background, so that a
// probe never waits for a check of a large file.
type healthCheck struct {
	mu      sync.Mutex
	at      time.Time
	err     error
	running bool
}

func (h *healthCheck) get(ctx context.Context, path string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.at.IsZero():
		h.err, h.at = checkDatabase(path), time.Now()
	case time.Since(h.at) >= healthEvery && !h.running:
		h.running = true
		go func() {
			err := checkDatabase(path)
			h.mu.Lock()
			h.err, h.at, h.running = err, time.Now(), false
			h.mu.Unlock()
		}()
	}
	if ctx.Err() != nil {
		return errors.Join(ctx.Err(), h.err)
	}
	return h.err
}
