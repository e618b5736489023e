package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// KeySize is the length of a generated key in bytes.
const KeySize = 32

// Claim is what an assertion vouches for.
type Claim struct {
	RunID   string
	Action  string // approve, decline, complete, pause, ...
	Step    string
	User    string
	At      time.Time
	Comment string
	// Rollback is a cancel's rollback flag.
	Rollback bool
}

// message is the canonical text signed: every field, each length-prefixed, so that no
// two claims share one.
func (c Claim) message() []byte {
	var b strings.Builder
	b.WriteString("bcdr-identity/v1")
	for _, f := range []string{c.RunID, c.Action, c.Step, c.User, c.At.UTC().Format(time.RFC3339Nano), c.Comment, strconv.FormatBool(c.Rollback)} {
		b.WriteString("\n")
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteString(":")
		b.WriteString(f)
	}
	return []byte(b.String())
}

// Sign returns the claim's signature under key.
func Sign(key []byte, c Claim) string {
	m := hmac.New(sha256.New, key)
	m.Write(c.message())
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ErrNoKey says that no key is configured.
var ErrNoKey = errors.New("no identity key is configured")

// Verify reports whether sig is the claim's signature under key.
func Verify(key []byte, c Claim, sig string) error {
	if len(key) == 0 {
		return ErrNoKey
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mustDecode(Sign(key, c))) {
		return errors.New("the identity assertion's signature does not verify")
	}
	return nil
}

func mustDecode(s string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return b
}

// LoadKey reads a key file: base64 (standard or URL alphabet) of at least 16 bytes. A
// missing file is ErrNoKey, wrapped with the path.
func LoadKey(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist", ErrNoKey, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read identity key %s: %w", path, err)
	}
	return ParseKey(strings.TrimSpace(string(raw)), path)
}

// ParseKey decodes a base64 key; where names it in errors.
func ParseKey(s, where string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) < 16 {
				return nil, fmt.Errorf("identity key %s is %d bytes; use at least 16 (bcdr dev writes a 32-byte one)", where, len(k))
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("identity key %s is not base64; generate one with: head -c 32 /dev/urandom | base64", where)
}

// EnsureKey returns the key in path, writing a new random one (mode 0600) when the file
// does not exist: the local shortcut of `bcdr dev`, whose worker, server and CLI share
// the data folder.
func EnsureKey(path string) ([]byte, error) {
	k, err := LoadKey(path)
	if !errors.Is(err, ErrNoKey) {
		return k, err
	}
	k = make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generate identity key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("write identity key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process wrote it first
		return LoadKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("write identity key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write identity key %s: %w", path, err)
	}
	return k, f.Close()
}
