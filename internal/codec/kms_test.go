package codec

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"

	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// countingKMS counts the calls that reach KMS.
type countingKMS struct {
	KMSClient
	generate, decrypt atomic.Int32
}

func (c *countingKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, o ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	c.generate.Add(1)
	return c.KMSClient.GenerateDataKey(ctx, in, o...)
}

func (c *countingKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, o ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	c.decrypt.Add(1)
	return c.KMSClient.Decrypt(ctx, in, o...)
}

// TestKMSEnvelopeAgainstMoto encrypts in one process's keyring and decrypts in
// another's (two workers), with data keys from a KMS key in moto.
func TestKMSEnvelopeAgainstMoto(t *testing.T) {
	endpoint := awstest.StartMoto(t)
	ctx := context.Background()
	client := kms.NewFromConfig(awstest.SDKConfig(t, endpoint, awstest.Region))
	key, err := client.CreateKey(ctx, &kms.CreateKeyInput{Description: awssdk.String("bcdr payload codec")})
	require.NoError(t, err)
	keyID := awssdk.ToString(key.KeyMetadata.KeyId)

	writerKMS := &countingKMS{KMSClient: client}
	writer := NewKMS(writerKMS, keyID)
	payloads := []*commonpb.Payload{{Data: []byte(secret)}, {Data: []byte("second")}}
	enc, err := New(writer).Encode(payloads)
	require.NoError(t, err)
	_, err = New(writer).Encode(payloads)
	require.NoError(t, err)
	assert.EqualValues(t, 1, writerKMS.generate.Load(), "one data key for many payloads")
	for _, p := range enc {
		assert.NotContains(t, string(p.Data), secret)
		assert.Equal(t, "kms:"+keyID, string(p.Metadata[MetaKeyID]))
		assert.NotEmpty(t, p.Metadata[MetaDataKey])
	}

	readerKMS := &countingKMS{KMSClient: client}
	reader := New(NewKMS(readerKMS, keyID))
	dec, err := reader.Decode(enc)
	require.NoError(t, err)
	assert.Equal(t, secret, string(dec[0].Data))
	assert.Equal(t, "second", string(dec[1].Data))
	_, err = reader.Decode(enc)
	require.NoError(t, err)
	assert.EqualValues(t, 1, readerKMS.decrypt.Load(), "the unwrapped data key is cached")

	// The data key is replaced after its lifetime.
	writer.now = func() time.Time { return time.Now().Add(2 * dataKeyLifetime) }
	enc2, err := New(writer).Encode(payloads[:1])
	require.NoError(t, err)
	assert.EqualValues(t, 2, writerKMS.generate.Load())
	assert.NotEqual(t, enc[0].Metadata[MetaDataKey], enc2[0].Metadata[MetaDataKey])

	// A static keyring cannot read KMS payloads, and says why.
	_, err = staticCodec(t, newKey(t)).Decode(enc)
	assert.ErrorContains(t, err, "kms:"+keyID)

	// An unknown KMS key fails the encoding with the key named.
	_, err = New(NewKMS(client, "alias/no-such-key")).Encode(payloads)
	assert.ErrorContains(t, err, `KMS GenerateDataKey with key "alias/no-such-key"`)
}
