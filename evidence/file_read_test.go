package evidence

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/workflows"
)

func TestFileReadsOneCheckedFile(t *testing.T) {
	s, _ := newFileStore(t)
	ctx := context.Background()
	ref, err := s.Append(ctx, record("run-1", workflows.ModeDrill))
	require.NoError(t, err)
	list, err := s.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)

	raw, err := s.File(ctx, list[0], RecordFile)
	require.NoError(t, err)
	var st workflows.Status
	require.NoError(t, json.Unmarshal(raw, &st))
	assert.Equal(t, "run-1", st.RunID)

	_, err = s.File(ctx, list[0], "nope.txt")
	assert.ErrorContains(t, err, "has no nope.txt")

	path := filepath.Join(ref.Location, RecordFile)
	raw[len(raw)/2] ^= 1
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	_, err = s.File(ctx, list[0], RecordFile)
	assert.ErrorContains(t, err, "record.json was changed")
}

func TestGetSaysWhenARunHasNoBundle(t *testing.T) {
	s, _ := newFileStore(t)
	_, _, err := s.Get(context.Background(), "run-9")
	assert.ErrorIs(t, err, ErrNoBundle)
	assert.ErrorContains(t, err, "evidence: no bundle for run run-9 in ")
}
