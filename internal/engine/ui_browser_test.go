//go:build !noui

package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/internal/browsertest"
	"github.com/bcdr/bcdr/internal/engine/webui"
)

// TestWebUIRendersInBrowser loads the engine's Temporal Web UI in a real headless Chromium
// and follows a run from the workflow list to its history: the app renders both pages
// from this build's copy of the UI's files (precompressed under -tags uigz), and no file
// the pages load is missing, which also checks that the precompressed copy kept every
// file of the UI's current build.
func TestWebUIRendersInBrowser(t *testing.T) {
	browser := browsertest.Start(t)
	t.Logf("precompressed Web UI: %v", webui.Precompressed)
	o := testOptions(t.TempDir())
	o.UIPort = PickFreePort
	s := startEngine(t, o)
	c := dial(t, s)
	startWorker(t, c, registerTestWorkflows)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "ui-greet", TaskQueue: taskQueue}, greetWorkflow, "ui")
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	tab, cancelTab := chromedp.NewContext(browser)
	defer cancelTab()
	base := "http://" + s.UIAddress() + "/namespaces/" + s.Namespace()

	// waitText waits until the page's text holds every one of want.
	waitText := func(what string, want ...string) {
		t.Helper()
		js, _ := json.Marshal(want)
		expr := fmt.Sprintf(`(() => { const s = document.body ? document.body.innerText : ''; return %s.every(w => s.includes(w)) })()`, js)
		wait, cancel := context.WithTimeout(tab, 90*time.Second)
		defer cancel()
		if _, err := chromedp.Run(wait, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
			text, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
			t.Fatalf("waiting for %s (%q): %v\npage:\n%.2000s", what, want, err, text)
		}
	}
	type resource struct {
		Name   string `json:"name"`
		Status int    `json:"responseStatus"`
	}
	var loaded []resource
	// collect records what the page loaded: resource timing entries carry each
	// response's status.
	collect := func() {
		t.Helper()
		raw, err := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify(performance.getEntriesByType('resource').map(e => ({name: e.name, responseStatus: e.responseStatus})))`))
		require.NoError(t, err)
		var rs []resource
		require.NoError(t, json.Unmarshal([]byte(raw), &rs))
		loaded = append(loaded, rs...)
	}

	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(base+"/workflows")))
	waitText("the workflow list with the run", "ui-greet", "greetWorkflow")
	collect()
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(base+"/workflows/ui-greet/"+run.GetRunID()+"/history")))
	waitText("the run's history", "ui-greet", "Completed")
	collect()

	scripts := 0
	for _, r := range loaded {
		if !strings.Contains(r.Name, s.UIAddress()) || strings.Contains(r.Name, "/api/") {
			continue
		}
		if strings.HasSuffix(r.Name, ".js") {
			scripts++
		}
		assert.True(t, r.Status == 200 || r.Status == 304, "%s: status %d", r.Name, r.Status)
	}
	assert.Greater(t, scripts, 10, "the app loaded its scripts: %v", loaded)
}
