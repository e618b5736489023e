package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

const (
	dbFileName   = "temporal.db"
	lockFileName = "temporal.lock"
)

// dataDir is a prepared, writable, locked data folder.
type dataDir struct {
	path   string // absolute
	unlock func() error
}

func (d *dataDir) dbPath() string { return filepath.Join(d.path, dbFileName) }

// openDataDir creates the folder (0700) when missing, checks that it and the
// database file in it are writable, and takes an exclusive lock on it so
// that two engines never share one database. Every error names the path.
func openDataDir(dir string) (*dataDir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data folder %q: %w", dir, err)
	}
	if info, err := os.Stat(abs); err != nil {
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return nil, fmt.Errorf("data folder %s cannot be created: %w", abs, err)
		}
	} else if !info.IsDir() {
		return nil, fmt.Errorf("data folder %s is not a folder", abs)
	}
	probe, err := os.CreateTemp(abs, ".write-check-*")
	if err != nil {
		return nil, fmt.Errorf("data folder %s is not writable: %w", abs, err)
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())

	db := filepath.Join(abs, dbFileName)
	if f, err := os.OpenFile(db, os.O_RDWR, 0); err == nil {
		_ = f.Close()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("database %s is not writable: %w", db, err)
	}

	unlock, err := lockFile(filepath.Join(abs, lockFileName))
	if err != nil {
		return nil, fmt.Errorf("data folder %s: %w", abs, err)
	}
	return &dataDir{path: abs, unlock: unlock}, nil
}

// fresh reports whether the database has yet to be created.
func (d *dataDir) fresh() (bool, error) {
	info, err := os.Stat(d.dbPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("database %s: %w", d.dbPath(), err)
	default:
		return info.Size() == 0, nil
	}
}

// removeDB deletes a database whose first setup failed, with its WAL files,
// so that the next start sets it up again instead of finding half a schema.
func (d *dataDir) removeDB() {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(d.dbPath() + suffix)
	}
}
