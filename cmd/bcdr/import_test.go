package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/workflows"
)

// TestImportChaosToolkitRunsAsDrill converts a Chaos Toolkit experiment, and the runbook
// runs as a drill against a stand-in storefront: the hypothesis gates the start, the
// method's action and probe run, the rollback runs after them.
func TestImportChaosToolkitRunsAsDrill(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	primaryUp := true
	stand := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		switch r.Method + " " + r.URL.Path {
		case "GET /healthz":
			fmt.Fprintln(w, "ok")
		case "POST /admin/primary/stop":
			primaryUp = false
		case "POST /admin/primary/start":
			primaryUp = true
		case "GET /backend/standby":
			if primaryUp {
				http.Error(w, "primary still serves", http.StatusConflict)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer stand.Close()

	e := newEnv(t)
	out := filepath.Join(e.dir, "drill.yaml")
	_, errOut, code := e.cli("import", "chaostoolkit", "testdata/chaostoolkit/storefront-failover.json", "--out", out)
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, errOut, "everything in this experiment converts")
	e.mustCLI("validate", out)

	e.startDev(freePort(t))
	got := e.mustCLI("run", out, "--mode", "drill", "--param", "base_url="+stand.URL, "--wait", "--output", "json")
	var st workflows.Status
	require.NoError(t, json.Unmarshal([]byte(got), &st), got)
	assert.Equal(t, workflows.RunSucceeded, st.State, got)
	mu.Lock()
	defer mu.Unlock()
	calls := strings.Join(seen, "\n")
	assert.Contains(t, calls, "GET /healthz\nPOST /admin/primary/stop\nGET /backend/standby\nPOST /admin/primary/start", "gate, method, rollback in order")
	assert.True(t, primaryUp, "the rollback started the primary again")

	_, errOut, code = e.cli("import", "chaostoolkit", "nothere.json")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "nothere.json: no such file or directory")
	_, errOut, code = e.cli("import", "terraform", "x.tf")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `import what? "terraform" is not chaostoolkit or ssm`)
	_ = os.Remove(out)
}
