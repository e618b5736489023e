package codec

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// Static is a keyring of configured keys: the first encrypts, every one decrypts (so a
// key can be rotated by putting the new key first and keeping the old one).
type Static struct {
	ids  []string
	keys map[string][]byte
}

// NewStatic returns a keyring of 32-byte keys; the first encrypts.
func NewStatic(keys ...[]byte) (*Static, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("payload codec: no key")
	}
	s := &Static{keys: map[string][]byte{}}
	for _, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("payload codec: key is %d bytes; AES-256 needs %d", len(k), KeySize)
		}
		id := KeyID(k)
		s.ids = append(s.ids, id)
		s.keys[id] = append([]byte(nil), k...)
	}
	return s, nil
}

// KeyID names a static key by its fingerprint: "local:" and 16 hex characters of the
// SHA-256 of the key. The fingerprint of a random 256-bit key tells nothing about it.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("bcdr payload codec key\x00"), key...))
	return "local:" + hex.EncodeToString(sum[:8])
}

// EncryptionKey returns the first key.
func (s *Static) EncryptionKey(context.Context) ([]byte, map[string][]byte, error) {
	id := s.ids[0]
	return s.keys[id], map[string][]byte{MetaKeyID: []byte(id)}, nil
}

// DecryptionKey returns the key the metadata names.
func (s *Static) DecryptionKey(_ context.Context, meta map[string][]byte) ([]byte, error) {
	id := string(meta[MetaKeyID])
	if k, ok := s.keys[id]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("payload encrypted with key %q; this process has %s (configure that key in codec.key or codec.key_file)", id, strings.Join(s.ids, ", "))
}

// ParseKey decodes a key written in base64 (standard or URL alphabet, padded or not);
// surrounding whitespace is ignored.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("key is %d bytes; want %d (generate one with: head -c 32 /dev/urandom | base64)", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("key is not base64 (generate one with: head -c 32 /dev/urandom | base64)")
}

// ReadKeyFile reads a key file: the key in base64. The file should be readable by its
// owner only; a file others can read is refused.
func ReadKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
