package codec

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload.
const (
	// Encoding is the "encoding" metadata of an encrypted payload.
	Encoding = "binary/encrypted"
	// MetaKeyID names the key that encrypted the payload.
	MetaKeyID = "encryption-key-id"
	// MetaCipher names the cipher.
	MetaCipher = "encryption-cipher"
	// MetaDataKey holds the data key wrapped by KMS (envelope encryption), when the
	// keyring is KMS.
	MetaDataKey = "encryption-data-key"

	cipherName = "AES256-GCM"
	// KeySize is the size of an AES-256 key in bytes.
	KeySize = 32
)

// kmsTimeout bounds one call to KMS (payload codecs get no context).
const kmsTimeout = 10 * time.Second

// Keyring hands out the key that encrypts new payloads and finds the key that
// encrypted a stored one.
type Keyring interface {
	// EncryptionKey returns the key for new payloads and the metadata that lets
	// DecryptionKey find it again (at least MetaKeyID).
	EncryptionKey(ctx context.Context) (key []byte, meta map[string][]byte, err error)
	// DecryptionKey returns the key an encrypted payload's metadata names.
	DecryptionKey(ctx context.Context, meta map[string][]byte) ([]byte, error)
}

// Codec encrypts and decrypts payloads with AES-256-GCM. It implements the SDK's
// converter.PayloadCodec.
type Codec struct {
	keys Keyring
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns a codec whose keys come from keys.
func New(keys Keyring) *Codec { return &Codec{keys: keys} }

// DataConverter is the SDK's default data converter with c encrypting every payload.
func DataConverter(c *Codec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// Encode encrypts each payload, whole (its metadata too), into a new payload.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if len(payloads) == 0 {
		return payloads, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), kmsTimeout)
	defer cancel()
	key, meta, err := c.keys.EncryptionKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("payload codec: encryption key: %w", err)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("payload codec: marshal payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("payload codec: nonce: %w", err)
		}
		md := map[string][]byte{
			converter.MetadataEncoding: []byte(Encoding),
			MetaCipher:                 []byte(cipherName),
		}
		for k, v := range meta {
			md[k] = v
		}
		out[i] = &commonpb.Payload{Metadata: md, Data: aead.Seal(nonce, nonce, plain, additionalData(md))}
	}
	return out, nil
}

// Decode decrypts encrypted payloads and returns the others unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	var ctx context.Context
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		if ctx == nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(context.Background(), kmsTimeout)
			defer cancel()
		}
		dec, err := c.decrypt(ctx, p)
		if err != nil {
			return nil, err
		}
		out[i] = dec
	}
	return out, nil
}

func (c *Codec) decrypt(ctx context.Context, p *commonpb.Payload) (*commonpb.Payload, error) {
	md := p.GetMetadata()
	if got := string(md[MetaCipher]); got != cipherName {
		return nil, fmt.Errorf("payload codec: payload encrypted with cipher %q; this codec knows %s", got, cipherName)
	}
	key, err := c.keys.DecryptionKey(ctx, md)
	if err != nil {
		return nil, fmt.Errorf("payload codec: %w", err)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	data := p.GetData()
	if len(data) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("payload codec: encrypted payload is too short")
	}
	nonce, sealed := data[:aead.NonceSize()], data[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, sealed, additionalData(md))
	if err != nil {
		return nil, fmt.Errorf("payload codec: decrypt payload with key %q: %w (wrong key, or the payload was altered)", md[MetaKeyID], err)
	}
	var dec commonpb.Payload
	if err := proto.Unmarshal(plain, &dec); err != nil {
		return nil, fmt.Errorf("payload codec: decrypted payload: %w", err)
	}
	return &dec, nil
}

// additionalData binds the ciphertext to the key and cipher named in its metadata, so
// that metadata cannot be swapped between payloads unnoticed.
func additionalData(md map[string][]byte) []byte {
	return []byte(cipherName + "\x00" + string(md[MetaKeyID]))
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("payload codec: key is %d bytes; AES-256 needs %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("payload codec: %w", err)
	}
	return cipher.NewGCM(block)
}
