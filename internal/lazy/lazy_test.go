package lazy

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValueIsMadeOnceAndAgainAfterAFailure(t *testing.T) {
	calls := 0
	v := &Value[int]{New: func(context.Context) (int, error) {
		calls++
		if calls == 1 {
			return 0, errors.New("away")
		}
		return 42, nil
	}}
	_, err := v.Get(context.Background())
	require.EqualError(t, err, "away")
	for range 3 {
		got, err := v.Get(context.Background())
		require.NoError(t, err)
		assert.Equal(t, 42, got)
	}
	assert.Equal(t, 2, calls, "made once after the failure, then kept")
}
