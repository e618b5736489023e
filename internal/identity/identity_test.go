package identity

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignVerify(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	c := Claim{RunID: "r1", Action: "approve", Step: "gate", User: "bob", At: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Comment: "go"}
	sig := Sign(key, c)
	require.NoError(t, Verify(key, c, sig))

	for name, mut := range map[string]func(*Claim){
		"user":     func(c *Claim) { c.User = "eve" },
		"run":      func(c *Claim) { c.RunID = "r2" },
		"action":   func(c *Claim) { c.Action = "decline" },
		"step":     func(c *Claim) { c.Step = "other" },
		"time":     func(c *Claim) { c.At = c.At.Add(time.Nanosecond) },
		"comment":  func(c *Claim) { c.Comment = "go!" },
		"rollback": func(c *Claim) { c.Rollback = true },
		"shifted":  func(c *Claim) { c.Step, c.Comment = "gat", "ego" },
	} {
		t.Run(name, func(t *testing.T) {
			d := c
			mut(&d)
			assert.Error(t, Verify(key, d, sig))
		})
	}
	assert.Error(t, Verify([]byte("another key of sixteen+ bytes"), c, sig))
	assert.ErrorIs(t, Verify(nil, c, sig), ErrNoKey)
	assert.Error(t, Verify(key, c, "not base64 !"))
}

func TestEnsureKeyWritesOnceAndPrivately(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "identity.key")
	_, err := LoadKey(path)
	assert.True(t, errors.Is(err, ErrNoKey))
	k1, err := EnsureKey(path)
	require.NoError(t, err)
	assert.Len(t, k1, KeySize)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	k2, err := EnsureKey(path)
	require.NoError(t, err)
	assert.Equal(t, k1, k2, "an existing key is kept")

	require.NoError(t, os.WriteFile(path, []byte("c2hvcnQ=\n"), 0o600))
	_, err = LoadKey(path)
	assert.ErrorContains(t, err, "at least 16")
}
