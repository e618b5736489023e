package runbooks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		text string
	}{
		{"90s", 90 * time.Second, "1m30s"},
		{"5m", 5 * time.Minute, "5m"},
		{"1h30m", 90 * time.Minute, "1h30m"},
		{"2d", 48 * time.Hour, "2d"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{"1.5d", 36 * time.Hour, "1d12h"},
		{"250ms", 250 * time.Millisecond, "250ms"},
		{"0s", 0, "0s"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			d, err := ParseDuration(c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, d.Std())
			assert.Equal(t, c.text, d.String())
		})
	}
	for _, bad := range []string{"", "5", "5 minutes", "-5m", "d", "2d-1h", "1e10d", "5m2d"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := ParseDuration(bad)
			assert.Error(t, err)
		})
	}
}

func TestAsDuration(t *testing.T) {
	for _, v := range []any{"30s", 30, int64(30), 30.0, Duration(30 * time.Second), 30 * time.Second} {
		d, err := AsDuration(v)
		require.NoError(t, err, "%#v", v)
		assert.Equal(t, 30*time.Second, d.Std())
	}
	_, err := AsDuration(true)
	assert.Error(t, err)
}
