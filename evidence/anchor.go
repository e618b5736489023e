package evidence

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// anchor is a second record of the chain's heads, kept outside the store: an
// append-only file with one "<seq> <hash>" line per bundle written. Removing the newest
// bundles and rewriting HEAD leaves a chain that agrees with itself; the anchor still
// names the bundles that were removed. It is only as far out of reach as the place it is
// kept: configure evidence.anchor on another volume, or ship it with the logs.
type anchor struct{ path string }

type anchored struct {
	seq  int64
	hash string
}

// AnchorTo makes the store also record every bundle it writes in the file at path
// (created when missing), and Verify check the chain against it.
func (s *Store) AnchorTo(path string) { s.anchor = &anchor{path: path} }

// read returns the anchored heads after the first from bytes (0: all of them), oldest
// first, and the file's length; exists is false when there is no file. A file shorter
// than from lost lines, which an append-only file never does.
func (a *anchor) read(from int64) (entries []anchored, length int64, exists bool, err error) {
	raw, err := os.ReadFile(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("evidence anchor %s: %w", a.path, err)
	}
	if int64(len(raw)) < from {
		return nil, 0, true, fmt.Errorf("evidence anchor %s: %d bytes long, but %d were read from it before: lines were removed", a.path, len(raw), from)
	}
	line := 1 + bytes.Count(raw[:from], []byte("\n"))
	sc := bufio.NewScanner(bytes.NewReader(raw[from:]))
	for ; sc.Scan(); line++ {
		var e anchored
		if _, err := fmt.Sscanf(sc.Text(), "%d %s", &e.seq, &e.hash); err != nil {
			return nil, 0, true, fmt.Errorf("evidence anchor %s:%d: unreadable line %q", a.path, line, sc.Text())
		}
		entries = append(entries, e)
	}
	return entries, int64(len(raw)), true, nil
}

// add appends lines for the given heads and syncs the file.
func (a *anchor) add(heads ...anchored) error {
	if err := os.MkdirAll(filepath.Dir(a.path), 0o700); err != nil {
		return fmt.Errorf("evidence anchor %s: %w", a.path, err)
	}
	f, err := os.OpenFile(a.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("evidence anchor %s: %w", a.path, err)
	}
	var buf bytes.Buffer
	for _, h := range heads {
		fmt.Fprintf(&buf, "%d %s\n", h.seq, h.hash)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("evidence anchor %s: %w", a.path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("evidence anchor %s: %w", a.path, err)
	}
	return f.Close()
}

// ensure anchors m unless the file already holds it (a retried write).
func (a *anchor) ensure(m Manifest) error {
	entries, _, _, err := a.read(0)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.seq == m.Seq {
			return nil
		}
	}
	return a.add(anchored{m.Seq, m.Hash})
}

// check compares the anchored heads with the chain (hashes by position, head its last
// position) and returns the problems.
func (a *anchor) check(entries []anchored, exists bool, hashes map[int64]string, head int64) []string {
	if !exists {
		if head > 0 {
			return []string{fmt.Sprintf("the anchor %s is missing (it is written with every bundle)", a.path)}
		}
		return nil
	}
	var problems []string
	var top int64
	for _, e := range entries {
		top = max(top, e.seq)
		if h, ok := hashes[e.seq]; ok && h != e.hash {
			problems = append(problems, fmt.Sprintf("bundle %d does not match its anchor in %s (hash %s, anchored %s)", e.seq, a.path, short(h), short(e.hash)))
		}
	}
	if top > head {
		problems = append(problems, fmt.Sprintf("bundle %d is anchored in %s but the chain ends at bundle %d: bundles were removed from its end", top, a.path, head))
	}
	return problems
}
