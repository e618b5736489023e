package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes

func TestCodecKeyFromFileAndEnvironment(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "codec.key")
	require.NoError(t, os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600))
	file := writeFile(t, "codec:\n  key_file: "+keyFile+"\n  origins: [https://temporal.example.com]\n")
	getenv, environ := env(map[string]string{"HOME": "/home/x"})
	c, err := Load(Source{File: file, Getenv: getenv, Environ: environ})
	require.NoError(t, err)
	assert.True(t, c.Codec.Enabled())
	assert.Equal(t, keyFile, c.Codec.KeyFile)
	assert.Equal(t, []string{"https://temporal.example.com"}, c.Codec.Origins)

	getenv, environ = env(map[string]string{"HOME": "/home/x", "BCDR_CODEC_KEY": testKey, "BCDR_CODEC_PREVIOUS_KEYS": testKey + "," + testKey})
	c, err = Load(Source{Getenv: getenv, Environ: environ})
	require.NoError(t, err)
	assert.Equal(t, testKey, c.Codec.Key)
	assert.Len(t, c.Codec.PreviousKeys, 2)
	masked := c.Masked()
	assert.Equal(t, "***", masked.Codec.Key)
	assert.Equal(t, []string{"***", "***"}, masked.Codec.PreviousKeys)
	assert.Equal(t, testKey, c.Codec.Key, "Masked copies")

	getenv, environ = env(map[string]string{"HOME": "/home/x"})
	c, err = Load(Source{Getenv: getenv, Environ: environ})
	require.NoError(t, err)
	assert.False(t, c.Codec.Enabled(), "off by default")
}

func TestCodecProblemsNameTheirKeys(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open.key")
	require.NoError(t, os.WriteFile(open, []byte(testKey), 0o644))
	file := writeFile(t, `codec:
  key: c2hvcnQ=
  key_file: `+open+`
  previous_keys: [nope]
  origins: [temporal.example.com, "https://ui.example.com/"]
`)
	getenv, environ := env(map[string]string{"HOME": "/home/x"})
	_, err := Load(Source{File: file, Getenv: getenv, Environ: environ})
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		"config codec.key: give one of codec.key, codec.key_file and codec.kms_key_id",
		"config codec.key: must be 32 bytes in base64",
		"config codec.key_file: " + open + " is readable by others",
		"config codec.previous_keys: each must be 32 bytes in base64",
		`config codec.origins: "temporal.example.com" is not an origin`,
		`config codec.origins: "https://ui.example.com/" is not an origin`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.NotContains(t, msg, "c2hvcnQ=", "a bad key is not echoed")
	assert.Equal(t, 6, strings.Count(msg, "config codec."), msg)
}
