// Package dashboardtest renders the dashboard's views in Node (../testdata/render.mjs)
// for tests that compare what the dashboard states with what the API or the CLI states.
// Tests import it; nothing else does.
package dashboardtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// Render runs render.mjs on in (its input: {"runs": ..., "portfolio": ..., "now": ...})
// and decodes what the views state into out. Without node it skips the test, or fails
// it on CI, where node is installed.
func Render(t testing.TB, in, out any) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the dashboard's views: node is missing; .ci/run installs it (apt-get install -y nodejs)")
		}
		t.Skipf("SKIPPING: node is missing (apt-get install -y nodejs); the dashboard's views cannot be rendered")
	}
	_, self, _, ok := runtime.Caller(0)
	require.True(t, ok, "where dashboardtest is")
	raw, err := json.Marshal(in)
	require.NoError(t, err)
	cmd := exec.Command("node", filepath.Join(filepath.Dir(self), "..", "testdata", "render.mjs"))
	cmd.Stdin = bytes.NewReader(raw)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	rendered, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	require.NoError(t, json.Unmarshal(rendered, out), string(rendered))
}
