package config

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEvidenceAnchor(t *testing.T) {
	c := Config{DataDir: "/var/lib/bcdr"}
	assert.Equal(t, filepath.Join("/var/lib/bcdr", "evidence.anchor"), c.EvidenceAnchor(), "a folder store is anchored by default")
	c.Evidence.S3Bucket = "evidence"
	assert.Empty(t, c.EvidenceAnchor(), "an S3 store is not, unless told")
	c.Evidence.Anchor = "/mnt/other/evidence.anchor"
	assert.Equal(t, "/mnt/other/evidence.anchor", c.EvidenceAnchor())
	c.Evidence.Anchor = "none"
	assert.Empty(t, c.EvidenceAnchor())
}
