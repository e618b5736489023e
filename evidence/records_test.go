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

// File reads one file of a bundle, checked against its manifest.
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

// ReadRecords returns each listed bundle's record, and for a record changed after it
// was written, no record and the reason.
func TestReadRecordsChecksEachRecord(t *testing.T) {
	s, dir := newFileStore(t)
	ctx := context.Background()
	for _, id := range []string{"run-1", "run-2", "run-3"} {
		_, err := s.Append(ctx, record(id, workflows.ModeDrill))
		require.NoError(t, err)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bundles", "0000000002-run-2", RecordFile), []byte(`{}`), 0o600))
	ms, err := s.List(ctx)
	require.NoError(t, err)

	records, errs := ReadRecords(ctx, s, ms)
	require.Len(t, records, 3)
	assert.Equal(t, "run-1", records[0].RunID)
	assert.NoError(t, errs[0])
	assert.Nil(t, records[1])
	assert.ErrorContains(t, errs[1], "record.json was changed")
	assert.Equal(t, "run-3", records[2].RunID)
}
