package config

import (
	"encoding/base64"
	"os"
	"strings"
)

// Codec configures the payload codec that encrypts what runs carry through Temporal
// (inputs, step inputs and outputs, results) so that the Temporal service stores
// ciphertext. At most one key source: Key, KeyFile or KMSKeyID; none turns the codec
// off. Every CLI, worker and server of one namespace needs the same key.
type Codec struct {
	// Key is a base64 AES-256 key (32 bytes): `head -c 32 /dev/urandom | base64`.
	Key string `mapstructure:"key" yaml:"key" json:"key"`
	// KeyFile holds the base64 key; it must be readable by its owner only.
	KeyFile string `mapstructure:"key_file" yaml:"key_file" json:"key_file"`
	// KMSKeyID is a KMS key id, ARN or alias: payloads are encrypted with data keys it
	// wraps (envelope encryption); the process needs kms:GenerateDataKey and kms:Decrypt.
	KMSKeyID string `mapstructure:"kms_key_id" yaml:"kms_key_id" json:"kms_key_id"`
	// PreviousKeys are older base64 keys, kept to decrypt runs encrypted before a
	// rotation.
	PreviousKeys []string `mapstructure:"previous_keys" yaml:"previous_keys" json:"previous_keys"`
	// Origins are the Temporal Web UI origins (https://temporal.example.com) allowed to
	// call the codec endpoint (/codec/encode, /codec/decode) from the browser. bcdr dev
	// adds its own Web UI.
	Origins []string `mapstructure:"origins" yaml:"origins" json:"origins"`
}

// Enabled reports whether a key source is configured.
func (c Codec) Enabled() bool { return c.Key != "" || c.KeyFile != "" || c.KMSKeyID != "" }

func (c *Config) validateCodec(bad func(key, format string, args ...any)) {
	k := c.Codec
	n := 0
	for _, set := range []bool{k.Key != "", k.KeyFile != "", k.KMSKeyID != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		bad("codec.key", "give one of codec.key, codec.key_file and codec.kms_key_id")
	}
	if k.Key != "" && !isAESKey(k.Key) {
		bad("codec.key", "must be 32 bytes in base64 (head -c 32 /dev/urandom | base64)")
	}
	if k.KeyFile != "" {
		if fi, err := os.Stat(k.KeyFile); err != nil {
			bad("codec.key_file", "%v", err)
		} else if fi.Mode().Perm()&0o077 != 0 {
			bad("codec.key_file", "%s is readable by others (mode %v): chmod 600 it", k.KeyFile, fi.Mode().Perm())
		}
	}
	for _, p := range k.PreviousKeys {
		if !isAESKey(p) {
			bad("codec.previous_keys", "each must be 32 bytes in base64")
			break
		}
	}
	if len(k.PreviousKeys) > 0 && n == 0 {
		bad("codec.previous_keys", "apply with a current key: set codec.key, codec.key_file or codec.kms_key_id")
	}
	for _, o := range k.Origins {
		if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") || strings.HasSuffix(o, "/") {
			bad("codec.origins", "%q is not an origin (scheme://host[:port], no path)", o)
		}
	}
}

func isAESKey(s string) bool {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return len(b) == 32
		}
	}
	return false
}

// maskCodec replaces the codec's keys, for printing.
func (c *Config) maskCodec() {
	if c.Codec.Key != "" {
		c.Codec.Key = "***"
	}
	if len(c.Codec.PreviousKeys) > 0 {
		masked := make([]string, len(c.Codec.PreviousKeys))
		for i := range masked {
			masked[i] = "***"
		}
		c.Codec.PreviousKeys = masked
	}
}
