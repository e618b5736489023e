package evidence

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/workflows"
)

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
