package evidence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/workflows"
)

// anchoredStore is a folder store whose chain head is also anchored in a file outside
// the folder.
func anchoredStore(t *testing.T) (*Store, string, string) {
	s, dir := newFileStore(t)
	anchor := filepath.Join(t.TempDir(), "evidence.anchor")
	s.AnchorTo(anchor)
	appendDrills(t, s, 3)
	verified(t, s)
	return s, dir, anchor
}

// Attack (issue 18, finding 8): remove the newest bundle and rewrite HEAD to name the one
// before. The chain and HEAD agree, so only the anchor outside the folder tells.
func TestTruncatedChainIsDetectedByItsAnchor(t *testing.T) {
	s, dir, anchor := anchoredStore(t)
	ctx := context.Background()
	ms, err := s.List(ctx)
	require.NoError(t, err)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "bundles", "0000000003-run-3")))
	require.NoError(t, os.Remove(filepath.Join(dir, "chain", "0000000003.json")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "HEAD"), []byte(fmt.Sprintf("%d %s\n", ms[1].Seq, ms[1].Hash)), 0o600))

	rep, err := s.Verify(ctx)
	require.NoError(t, err)
	attacks := figures.NewAttacks(t, "18.8", "a truncated chain passes verify, or is extended")
	attacks.Try(!rep.OK())
	require.False(t, rep.OK(), "a truncated chain verified as intact")
	assert.Contains(t, strings.Join(rep.Problems, "\n"), "bundle 3 is anchored in "+anchor+" but the chain ends at bundle 2")

	// The writer refuses to extend it, and says why and what to do.
	_, err = s.Append(ctx, record("run-4", workflows.ModeDrill))
	attacks.Try(err != nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not verify")
	assert.Contains(t, err.Error(), "bundle 3 is anchored")
	assert.Contains(t, err.Error(), "bcdr evidence verify")
	_, statErr := os.Stat(filepath.Join(dir, "chain", "0000000003.json"))
	assert.True(t, os.IsNotExist(statErr), "the refused write claimed a position")
}

// The writer refuses to extend a chain whose bundles were edited: a writer verifies the
// whole chain once (a new Store: a worker that starts), then what was added since and
// the newest bundle before each write.
func TestWriterRefusesATamperedChain(t *testing.T) {
	attacks := figures.NewAttacks(t, "18.8", "the writer extends a tampered chain")
	for name, tc := range map[string]struct {
		bundle string
		fresh  bool
	}{
		"an older bundle, a writer that starts": {"0000000002-run-2", true},
		"the newest bundle, the same writer":    {"0000000003-run-3", false},
	} {
		t.Run(name, func(t *testing.T) {
			s, dir, anchor := anchoredStore(t)
			if tc.fresh {
				var err error
				s, err = NewFileStore(dir)
				require.NoError(t, err)
				s.AnchorTo(anchor)
			}
			flipByte(t, filepath.Join(dir, "bundles", tc.bundle, RecordFile))
			_, err := s.Append(context.Background(), record("run-4", workflows.ModeDrill))
			var ce *ChainError
			attacks.Try(errors.As(err, &ce))
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, err.Error(), "record.json was changed")
			assert.Contains(t, err.Error(), "restore")
			names, _ := os.ReadDir(filepath.Join(dir, "bundles"))
			assert.Len(t, names, 3, "nothing written")
		})
	}
}

// A retried write of a run already in the chain still answers with its bundle, and an
// intact chain keeps being extended.
func TestAnchoredStoreKeepsAppending(t *testing.T) {
	s, _, anchor := anchoredStore(t)
	ctx := context.Background()
	ref, err := s.Append(ctx, record("run-4", workflows.ModeDrill))
	require.NoError(t, err)
	again, err := s.Append(ctx, record("run-4", workflows.ModeDrill))
	require.NoError(t, err)
	assert.Equal(t, ref, again)
	raw := fixture.Read(t, anchor)
	assert.Equal(t, 4, strings.Count(string(raw), "\n"), "one anchor line per bundle:\n%s", raw)
	assert.Contains(t, string(raw), fmt.Sprintf("%d %s\n", ref.Seq, ref.Hash))
}

// Stray and partial bundle folders (a write interrupted by a full disk leaves files but
// claims no position) are reported.
func TestVerifyReportsStrayAndPartialFolders(t *testing.T) {
	s, dir, _ := anchoredStore(t)
	partial := filepath.Join(dir, "bundles", "0000000004-run-4")
	require.NoError(t, os.MkdirAll(partial, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(partial, RecordFile), []byte(`{"runId":`), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bundles", "notes"), 0o700))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bundles", "0000000002-run-x"), 0o700))

	rep, err := s.Verify(context.Background())
	require.NoError(t, err)
	stray := strings.Join(rep.Stray, "\n")
	assert.Contains(t, stray, "bundles/0000000004-run-4: no chain position 4 was claimed for it")
	assert.Contains(t, stray, "bundles/notes: not a bundle folder")
	assert.Contains(t, stray, "bundles/0000000002-run-x: chain position 2 belongs to run run-2")
	assert.Len(t, rep.Stray, 3)
	assert.True(t, rep.OK(), "stray folders are reported, not counted as tampering: %v", rep.Problems)
}

// A store that was not anchored before (an upgrade) is anchored from its next write on,
// starting with the head it verified; until then Verify says the anchor is missing.
func TestStoreAnchoredFromItsNextWrite(t *testing.T) {
	s, _ := newFileStore(t)
	ctx := context.Background()
	appendDrills(t, s, 2)
	anchor := filepath.Join(t.TempDir(), "evidence.anchor")
	s.AnchorTo(anchor)
	rep, err := s.Verify(ctx)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(rep.Problems, "\n"), "the anchor "+anchor+" is missing")

	ref, err := s.Append(ctx, record("run-3", workflows.ModeDrill))
	require.NoError(t, err)
	raw := fixture.Read(t, anchor)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	require.Len(t, lines, 2)
	assert.True(t, strings.HasPrefix(lines[0], "2 sha256:"), lines[0])
	assert.Equal(t, fmt.Sprintf("%d %s", ref.Seq, ref.Hash), lines[1])
	rep, err = s.Verify(ctx)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Problems)
}

// The evidence activity does not retry a refused write: retrying cannot mend the chain.
func TestActivityRefusalIsNotRetried(t *testing.T) {
	s, dir, _ := anchoredStore(t)
	flipByte(t, filepath.Join(dir, "bundles", "0000000003-run-3", RecordFile))
	_, err := (&Activity{Store: s}).Write(context.Background(), record("run-4", workflows.ModeDrill))
	var app *temporal.ApplicationError
	require.ErrorAs(t, err, &app)
	assert.True(t, app.NonRetryable())
	assert.Equal(t, ErrChainBroken, app.Type())
	assert.Contains(t, app.Error(), "does not verify")
}
