package evidence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/workflows"
)

// countingBackend counts the reads of each key under chain/ and bundles/.
type countingBackend struct {
	backend
	mu    sync.Mutex
	reads int
}

func (c *countingBackend) read(ctx context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.backend.read(ctx, key)
}

func (c *countingBackend) take() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.reads
	c.reads = 0
	return n
}

// A writer's cost does not grow with the chain: between full checks it re-reads the head
// it verified and what was added since, not every manifest (issue 22: many small runs
// each paid for reading the whole chain).
func TestWriteReadsWhatWasAddedNotTheWholeChain(t *testing.T) {
	s, _ := newFileStore(t)
	s.AnchorTo(filepath.Join(t.TempDir(), "evidence.anchor"))
	cb := &countingBackend{backend: s.b}
	s.b = cb
	ctx := context.Background()
	var perWrite []int
	for i := range 60 {
		_, err := s.Append(ctx, record(fmt.Sprintf("run-%d", i), workflows.ModeDrill))
		require.NoError(t, err)
		perWrite = append(perWrite, cb.take())
	}
	assert.Equal(t, perWrite[10], perWrite[59], "reads of the 11th write and of the 60th: %v", perWrite)
	assert.LessOrEqual(t, perWrite[59], 10, "reads of one write: %v", perWrite)
	rep, err := s.Verify(ctx)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Problems)
	assert.Equal(t, 60, rep.Bundles)
}

// The writer checks what other writers added since its last write in full, and re-checks
// its own last head: a forged or edited bundle there is refused at the next write.
func TestWriterRefusesWhatWasChangedSinceItsLastWrite(t *testing.T) {
	for name, tamper := range map[string]func(t *testing.T, other *Store, dir string){
		"a bundle added after it, with a file changed": func(t *testing.T, other *Store, dir string) {
			_, err := other.Append(context.Background(), record("run-4", workflows.ModeDrill))
			require.NoError(t, err)
			flipByte(t, filepath.Join(dir, "bundles", "0000000004-run-4", MarkdownFile))
		},
		"a forged bundle that does not link": func(t *testing.T, _ *Store, dir string) {
			b, m, err := NewBundle(record("forged", workflows.ModeDrill), 4, "sha256:0000", t0)
			require.NoError(t, err)
			for n, data := range b {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, "bundles", dirName(4, "forged")), 0o700))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "bundles", dirName(4, "forged"), n), data, 0o600))
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, "chain", "0000000004.json"), b[ManifestFile], 0o600))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "HEAD"), []byte(fmt.Sprintf("4 %s\n", m.Hash)), 0o600))
		},
		"its head's manifest rewritten": func(t *testing.T, _ *Store, dir string) {
			path := filepath.Join(dir, "chain", "0000000003.json")
			raw := fixture.Read(t, path)
			require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(raw), `"state": "succeeded"`, `"state": "failed"`, 1)), 0o600))
		},
		"its head removed and HEAD rewritten": func(t *testing.T, other *Store, dir string) {
			ms, err := other.List(context.Background())
			require.NoError(t, err)
			require.NoError(t, os.Remove(filepath.Join(dir, "chain", "0000000003.json")))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "HEAD"), []byte(fmt.Sprintf("2 %s\n", ms[1].Hash)), 0o600))
		},
	} {
		t.Run(name, func(t *testing.T) {
			s, dir, anchor := anchoredStore(t)
			other, err := NewFileStore(dir) // another worker
			require.NoError(t, err)
			other.AnchorTo(anchor)
			tamper(t, other, dir)
			_, err = s.Append(context.Background(), record("run-5", workflows.ModeDrill))
			var ce *ChainError
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, err.Error(), "does not verify")
			_, statErr := os.Stat(filepath.Join(dir, "chain", "0000000005.json"))
			assert.True(t, errors.Is(statErr, os.ErrNotExist), "the refused write claimed a position")
		})
	}
}

// An edit of a bundle before the writer's last head breaks a link the writer does not
// re-read before every write; the full check it makes every fullCheckEvery refuses it.
func TestWriterRefusesAnOlderEditAtItsNextFullCheck(t *testing.T) {
	s, dir, _ := anchoredStore(t)
	now := t0
	s.now = func() time.Time { return now }
	path := filepath.Join(dir, "chain", "0000000001.json")
	raw := fixture.Read(t, path)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(raw), `"state": "succeeded"`, `"state": "failed"`, 1)), 0o600))

	now = now.Add(fullCheckEvery)
	_, err := s.Append(context.Background(), record("run-4", workflows.ModeDrill))
	var ce *ChainError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "bundle 1 (run run-1): manifest.json was changed")
}
