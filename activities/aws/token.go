package aws

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/bcdr/bcdr/activities"
)

// requestToken is a client request token for one call of one step of one run: a retried
// attempt sends the same token, so AWS does the work once. purpose tells apart two calls
// of the same step. It is 32 hex characters.
func requestToken(req activities.Request, purpose string) string {
	sum := sha256.Sum256([]byte(req.RunID + "\x00" + req.StepID + "\x00" + purpose))
	return hex.EncodeToString(sum[:16])
}

// requestUUID is requestToken in the UUID format some APIs require (version 4 layout,
// derived, not random).
func requestUUID(req activities.Request, purpose string) string {
	sum := sha256.Sum256([]byte(req.RunID + "\x00" + req.StepID + "\x00" + purpose))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
