package identity

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAckLinkAttacks: a link verifies for the run, step and person it was made for until
// it expires; every edit of it, a link made with another key, one made for another person
// and an expired one are refused, and the token carries no key.
func TestAckLinkAttacks(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	ack := Ack{RunID: "r1", Step: "roll", User: "alice", Expires: now.Add(time.Hour)}
	tok := SignAck(key, ack)

	got, err := VerifyAck(key, tok, now)
	require.NoError(t, err)
	assert.Equal(t, ack, got)

	payload, sig, ok := strings.Cut(tok, ".")
	require.True(t, ok, "a token is payload.signature: %s", tok)
	forge := func(a Ack) string { // the victim's signature on an edited payload
		p, _, _ := strings.Cut(SignAck(key, a), ".")
		return p + "." + sig
	}
	for name, bad := range map[string]string{
		"another person":            forge(Ack{RunID: "r1", Step: "roll", User: "bob", Expires: ack.Expires}),
		"another run":               forge(Ack{RunID: "r2", Step: "roll", User: "alice", Expires: ack.Expires}),
		"another step":              forge(Ack{RunID: "r1", Step: "gate", User: "alice", Expires: ack.Expires}),
		"a later expiry":            forge(Ack{RunID: "r1", Step: "roll", User: "alice", Expires: ack.Expires.Add(time.Hour)}),
		"another key":               SignAck([]byte("another key, also sixteen bytes+"), ack),
		"a decision's signature":    payload + "." + Sign(key, Claim{RunID: "r1", Action: "complete", Step: "roll", User: "alice"}),
		"no signature":              payload,
		"an empty signature":        payload + ".",
		"garbage":                   "not a link",
		"a signature cut short":     tok[:len(tok)-2],
		"a payload not base64":      "!!!." + sig,
		"an unsigned claim as json": base64.RawURLEncoding.EncodeToString([]byte(`{"run":"r1","step":"roll","user":"alice","exp":9999999999}`)) + "." + sig,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := VerifyAck(key, bad, now)
			assert.ErrorContains(t, err, "acknowledgement link is not valid")
		})
	}
	t.Run("expired", func(t *testing.T) {
		_, err := VerifyAck(key, tok, ack.Expires)
		assert.ErrorContains(t, err, "acknowledgement link expired at 2026-12-03T16:00:00Z")
	})
	t.Run("no key", func(t *testing.T) {
		_, err := VerifyAck(nil, tok, now)
		assert.ErrorIs(t, err, ErrNoKey)
	})
	assert.NotContains(t, tok, base64.RawURLEncoding.EncodeToString(key))
	assert.NotContains(t, tok, base64.StdEncoding.EncodeToString(key))
}
