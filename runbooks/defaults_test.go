package runbooks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A kind's declared defaults fill the inputs a step left out or set to null, and never
// one it gave; the caller's map is left as it was.
func TestKindWithDefaults(t *testing.T) {
	k, ok := Builtin(KindHTTPCheck)
	require.True(t, ok)
	with := map[string]any{"url": "https://example.test/healthz", "method": "HEAD", "timeout": nil}
	got := k.WithDefaults(with)
	assert.Equal(t, map[string]any{"url": "https://example.test/healthz", "method": "HEAD", "timeout": "10s",
		"expect_status": 200, "expect_down": false}, got)
	assert.Nil(t, with["timeout"], "the step's own inputs are not changed")
	_, ok = Builtin("http.chek")
	assert.False(t, ok)
}
