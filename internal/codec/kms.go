package codec

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSClient is the part of the KMS API the keyring calls.
type KMSClient interface {
	GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// encryptionContext binds the data keys to this use: KMS refuses to unwrap them for a
// caller that does not name it, and CloudTrail records it.
var encryptionContext = map[string]string{"purpose": "bcdr payload codec"}

const (
	// dataKeyLifetime is how long one data key encrypts new payloads.
	dataKeyLifetime = time.Hour
	// maxUnwrapped bounds the cache of unwrapped data keys.
	maxUnwrapped = 1024
)

// KMS is a keyring backed by AWS KMS (envelope encryption): a data key from
// GenerateDataKey encrypts payloads for an hour, and travels with each payload wrapped by
// the KMS key (MetaDataKey); decrypting a payload unwraps its data key with KMS Decrypt,
// once per data key. The KMS key itself never leaves KMS.
type KMS struct {
	client KMSClient
	keyID  string
	now    func() time.Time

	mu        sync.Mutex
	current   []byte
	wrapped   []byte
	made      time.Time
	unwrapped map[string][]byte // wrapped data key -> data key
}

// NewKMS returns a keyring that encrypts with data keys of the KMS key keyID (key id, ARN
// or alias). It does not call KMS until the first payload.
func NewKMS(client KMSClient, keyID string) *KMS {
	return &KMS{client: client, keyID: keyID, now: time.Now, unwrapped: map[string][]byte{}}
}

// EncryptionKey returns the current data key, generating one when there is none or it
// is an hour old.
func (k *KMS) EncryptionKey(ctx context.Context) ([]byte, map[string][]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.current == nil || k.now().Sub(k.made) > dataKeyLifetime {
		out, err := k.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
			KeyId: &k.keyID, KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: encryptionContext,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("KMS GenerateDataKey with key %q: %w", k.keyID, err)
		}
		if len(out.Plaintext) != KeySize {
			return nil, nil, fmt.Errorf("KMS GenerateDataKey with key %q: got a %d-byte key", k.keyID, len(out.Plaintext))
		}
		k.current, k.wrapped, k.made = out.Plaintext, out.CiphertextBlob, k.now()
		k.remember(out.CiphertextBlob, out.Plaintext)
	}
	return k.current, map[string][]byte{MetaKeyID: []byte("kms:" + k.keyID), MetaDataKey: k.wrapped}, nil
}

// DecryptionKey unwraps the payload's data key with KMS, or finds it in the cache.
func (k *KMS) DecryptionKey(ctx context.Context, meta map[string][]byte) ([]byte, error) {
	wrapped := meta[MetaDataKey]
	if len(wrapped) == 0 {
		return nil, fmt.Errorf("payload encrypted with key %q, not with KMS: configure that key (codec.key or codec.key_file)", meta[MetaKeyID])
	}
	k.mu.Lock()
	key, ok := k.unwrapped[string(wrapped)]
	k.mu.Unlock()
	if ok {
		return key, nil
	}
	out, err := k.client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: wrapped, EncryptionContext: encryptionContext})
	if err != nil {
		return nil, fmt.Errorf("KMS Decrypt of the data key of a payload encrypted with %q: %w", meta[MetaKeyID], err)
	}
	k.mu.Lock()
	k.remember(wrapped, out.Plaintext)
	k.mu.Unlock()
	return out.Plaintext, nil
}

// remember caches an unwrapped data key; k.mu is held.
func (k *KMS) remember(wrapped, key []byte) {
	if len(k.unwrapped) >= maxUnwrapped {
		clear(k.unwrapped)
	}
	k.unwrapped[string(wrapped)] = key
}
