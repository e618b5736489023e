package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Ack is what a roll call's one-click acknowledgement link vouches for: that User may
// acknowledge Step of run RunID until Expires.
type Ack struct {
	RunID   string    `json:"run"`
	Step    string    `json:"step"`
	User    string    `json:"user"`
	Expires time.Time `json:"exp"`
}

// ackLabel makes the link key: links are signed with a key derived from the identity key,
// so that no link signature is ever a decision's, nor the other way round.
const ackLabel = "bcdr-ack-link/v1"

// errBadLink is every way a link can fail to verify, told apart only in the logs of
// nobody: a person who edited a link learns nothing from the answer.
var errBadLink = errors.New("the acknowledgement link is not valid: use the link from the notification as it came, or acknowledge with bcdr complete RUN STEP")

// SignAck returns the token of an acknowledgement link: the claim (base64url JSON), a
// dot, and its HMAC-SHA256 under the link key (base64url). The token holds no key.
func SignAck(key []byte, a Ack) string {
	a.Expires = a.Expires.UTC().Truncate(time.Second)
	payload, _ := json.Marshal(struct {
		RunID   string `json:"run"`
		Step    string `json:"step"`
		User    string `json:"user"`
		Expires int64  `json:"exp"`
	}{a.RunID, a.Step, a.User, a.Expires.Unix()})
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(ackMAC(key, p))
}

// VerifyAck checks a link's token: its signature under the link key, then its expiry
// against now. It returns the claim the token was signed for.
func VerifyAck(key []byte, token string, now time.Time) (Ack, error) {
	if len(key) == 0 {
		return Ack{}, ErrNoKey
	}
	p, s, ok := strings.Cut(token, ".")
	sig, err := base64.RawURLEncoding.DecodeString(s)
	if !ok || err != nil || !hmac.Equal(sig, ackMAC(key, p)) {
		return Ack{}, errBadLink
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return Ack{}, errBadLink
	}
	var c struct {
		RunID   string `json:"run"`
		Step    string `json:"step"`
		User    string `json:"user"`
		Expires int64  `json:"exp"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.RunID == "" || c.Step == "" || c.User == "" {
		return Ack{}, errBadLink
	}
	a := Ack{RunID: c.RunID, Step: c.Step, User: c.User, Expires: time.Unix(c.Expires, 0).UTC()}
	if !now.Before(a.Expires) {
		return Ack{}, &ExpiredAckError{Ack: a}
	}
	return a, nil
}

// ExpiredAckError is the answer to a genuine link past its expiry.
type ExpiredAckError struct{ Ack Ack }

func (e *ExpiredAckError) Error() string {
	return fmt.Sprintf("the acknowledgement link expired at %s: acknowledge with bcdr complete %s %s, or on the run's page",
		e.Ack.Expires.Format(time.RFC3339), e.Ack.RunID, e.Ack.Step)
}

// ackMAC is the HMAC-SHA256 of a token's payload under the link key.
func ackMAC(key []byte, payload string) []byte {
	k := hmac.New(sha256.New, key)
	k.Write([]byte(ackLabel))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(payload))
	return m.Sum(nil)
}
