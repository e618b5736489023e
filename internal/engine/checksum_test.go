package engine

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The binary checksum names this executable in every history it writes: it must be the
// same on every call (and so on every start of one binary).
func TestBinaryChecksumIsStable(t *testing.T) {
	sum := binaryChecksum()
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), sum)
	assert.Equal(t, sum, binaryChecksum())
}
