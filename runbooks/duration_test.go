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

func TestFormatDurationIsTheRunbookFormatRoundedForPeople(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{90 * 24 * time.Hour, "90d"},
		{2160 * time.Hour, "90d"},
		{90 * time.Minute, "1h30m"},
		{3*time.Minute + 47*time.Second + 123*time.Millisecond, "3m47s"},
		{10830 * time.Millisecond, "10.83s"},
		{10834567 * time.Microsecond, "10.83s"},
		{21*time.Millisecond + 400*time.Microsecond, "21ms"},
		{300 * time.Second, "5m"},
		{26*time.Hour + 30*time.Second, "1d2h30s"},
		{0, "0s"},
		{-5 * time.Second, "-5s"},
	} {
		assert.Equal(t, c.want, FormatDuration(c.in), "%d", c.in)
	}
}

func TestDurationIsAFlagValue(t *testing.T) {
	var d Duration
	require.NoError(t, d.Set("90d"))
	assert.Equal(t, 90*24*time.Hour, d.Std())
	assert.Equal(t, "90d", d.String())
	assert.Equal(t, "duration", d.Type())
	err := d.Set("90 days")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"1h30m" or "2d"`)
}
