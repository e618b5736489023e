package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBCPCommand writes the sample's plan to a file through the real CLI, and refuses a
// PDF without a browser with an error that says what to install, writing nothing.
func TestBCPCommand(t *testing.T) {
	e := newEnv(t)
	out := filepath.Join(e.dir, "plan.md")
	_, errOut, code := e.cli("bcp", "--catalogue", sampleCatalogue, "--no-engine", "--out", out)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "wrote "+out)
	md, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, name := range []string{"storefront", "hr-payroll", "us-east-1-lost", "ransomware-file-shares", "fatima"} {
		assert.Contains(t, string(md), name)
	}

	pdf := filepath.Join(e.dir, "plan.pdf")
	_, errOut, code = e.cli("bcp", "--catalogue", sampleCatalogue, "--no-engine", "-o", "pdf", "--chromium", filepath.Join(e.dir, "no-chromium"), "--out", pdf)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "install Chromium (Debian, Ubuntu: apt-get install chromium)")
	assert.Contains(t, errOut, "--output html writes the plan without it")
	assert.NoFileExists(t, pdf)

	_, errOut, code = e.cli("bcp", "--catalogue", sampleCatalogue, "--no-engine", "-o", "docx")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, `--output "docx": must be one of md, html, pdf`)
}
