package codec

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func newKey(t testing.TB) []byte {
	k := make([]byte, KeySize)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}

func staticCodec(t testing.TB, keys ...[]byte) *Codec {
	ring, err := NewStatic(keys...)
	require.NoError(t, err)
	return New(ring)
}

type input struct {
	Runbook string            `json:"runbook"`
	Params  map[string]string `json:"params"`
}

const secret = "hunter2-db-password-7f3a"

func TestDataConverterEncryptsAndRoundTrips(t *testing.T) {
	dc := DataConverter(staticCodec(t, newKey(t)))
	in := input{Runbook: "failover", Params: map[string]string{"db_password": secret}}
	p, err := dc.ToPayload(in)
	require.NoError(t, err)
	assert.Equal(t, Encoding, string(p.Metadata[converter.MetadataEncoding]))
	assert.NotContains(t, string(p.Data), secret)
	assert.NotContains(t, string(p.Data), "failover", "the whole payload is encrypted, not only its secrets")
	for k, v := range p.Metadata {
		assert.NotContains(t, string(v), secret, k)
	}
	var out input
	require.NoError(t, dc.FromPayload(p, &out))
	assert.Equal(t, in, out)

	// Two encryptions of one value differ (random nonce).
	p2, err := dc.ToPayload(in)
	require.NoError(t, err)
	assert.NotEqual(t, p.Data, p2.Data)
}

func TestDecodeLeavesPlainPayloadsAlone(t *testing.T) {
	c := staticCodec(t, newKey(t))
	plain, err := converter.GetDefaultDataConverter().ToPayload("written before the codec was enabled")
	require.NoError(t, err)
	out, err := c.Decode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	assert.Same(t, plain, out[0])
}

func TestDecodeRefusesWrongKeyAndTampering(t *testing.T) {
	key := newKey(t)
	c := staticCodec(t, key)
	enc, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}})
	require.NoError(t, err)

	_, err = staticCodec(t, newKey(t)).Decode(enc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "payload encrypted with key \""+KeyID(key)+"\"")

	flipped := cloneAll(enc)
	flipped[0].Data[len(flipped[0].Data)-1] ^= 1
	_, err = c.Decode(flipped)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "altered")

	short := cloneAll(enc)
	short[0].Data = short[0].Data[:5]
	_, err = c.Decode(short)
	assert.ErrorContains(t, err, "too short")

	otherCipher := cloneAll(enc)
	otherCipher[0].Metadata[MetaCipher] = []byte("ROT13")
	_, err = c.Decode(otherCipher)
	assert.ErrorContains(t, err, `cipher "ROT13"`)
}

func TestStaticKeyringRotation(t *testing.T) {
	oldKey, newKeyB := newKey(t), newKey(t)
	enc, err := staticCodec(t, oldKey).Encode([]*commonpb.Payload{{Data: []byte("old")}})
	require.NoError(t, err)
	rotated := staticCodec(t, newKeyB, oldKey)
	dec, err := rotated.Decode(enc)
	require.NoError(t, err)
	assert.Equal(t, "old", string(dec[0].Data))
	enc2, err := rotated.Encode([]*commonpb.Payload{{Data: []byte("new")}})
	require.NoError(t, err)
	assert.Equal(t, KeyID(newKeyB), string(enc2[0].Metadata[MetaKeyID]))

	_, err = NewStatic(make([]byte, 16))
	assert.ErrorContains(t, err, "AES-256 needs 32")
	_, err = NewStatic()
	assert.Error(t, err)
}

func TestParseKeyAndKeyFile(t *testing.T) {
	key := newKey(t)
	for _, s := range []string{base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key) + "\n"} {
		got, err := ParseKey(s)
		require.NoError(t, err)
		assert.Equal(t, key, got)
	}
	_, err := ParseKey(base64.StdEncoding.EncodeToString(key[:16]))
	assert.ErrorContains(t, err, "key is 16 bytes; want 32")
	_, err = ParseKey("not base64!")
	assert.ErrorContains(t, err, "not base64")

	dir := t.TempDir()
	file := filepath.Join(dir, "codec.key")
	require.NoError(t, os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600))
	got, err := ReadKeyFile(file)
	require.NoError(t, err)
	assert.Equal(t, key, got)
	require.NoError(t, os.Chmod(file, 0o644))
	_, err = ReadKeyFile(file)
	assert.ErrorContains(t, err, "readable by others")
}

func cloneAll(ps []*commonpb.Payload) []*commonpb.Payload {
	out := make([]*commonpb.Payload, len(ps))
	for i, p := range ps {
		md := map[string][]byte{}
		for k, v := range p.Metadata {
			md[k] = bytes.Clone(v)
		}
		out[i] = &commonpb.Payload{Metadata: md, Data: bytes.Clone(p.Data)}
	}
	return out
}
