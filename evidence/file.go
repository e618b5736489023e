package evidence

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// NewFileStore returns a store in a local folder, created (mode 0700) when missing.
func NewFileStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("evidence folder %s: %w", dir, err)
	}
	return &Store{b: &folder{dir: dir}, now: time.Now}, nil
}

// folder is a backend in a local folder.
type folder struct{ dir string }

func (f *folder) kind() string { return "file" }

func (f *folder) location(key string) string { return filepath.Join(f.dir, filepath.FromSlash(key)) }

func (f *folder) list(_ context.Context, dir string) ([]string, error) {
	entries, err := os.ReadDir(f.location(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Name()[0] != '.' {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

func (f *folder) listAfter(ctx context.Context, dir, after string) ([]string, error) {
	names, err := f.list(ctx, dir)
	return names[sort.SearchStrings(names, after+"\x00"):], err
}

func (f *folder) read(_ context.Context, key string) ([]byte, error) {
	return os.ReadFile(f.location(key))
}

// write replaces a file atomically (write to a temporary file, sync, rename).
func (f *folder) write(_ context.Context, key string, data []byte) error {
	path := f.location(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// create links a fully written temporary file into place; the link fails if the name
// exists, so two writers cannot claim one position.
func (f *folder) create(ctx context.Context, key string, data []byte) error {
	path := f.location(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmpKey := filepath.ToSlash(filepath.Join(filepath.Dir(key), "."+filepath.Base(key)+".tmp"))
	tmp := f.location(tmpKey)
	if err := f.write(ctx, tmpKey, data); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errTaken
		}
		return err
	}
	return nil
}

// lock takes an exclusive lock on the folder, so that workers on one machine append one
// at a time.
func (f *folder) lock(ctx context.Context) (func(), error) {
	lf, err := os.OpenFile(filepath.Join(f.dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("evidence folder %s: %w", f.dir, err)
	}
	for {
		err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			lf.Close()
			return nil, fmt.Errorf("lock evidence folder %s: %w", f.dir, err)
		}
		select {
		case <-ctx.Done():
			lf.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return func() {
		_ = syscall.Flock(int(lf.Fd()), syscall.LOCK_UN)
		lf.Close()
	}, nil
}
