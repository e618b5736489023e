package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api/dashboard"
	"github.com/bcdr/bcdr/internal/browsertest"
)

// TestALateAnswerDoesNotTakeOverTheNextPage: a reader who leaves a page before its data
// arrives stays on the page they went to. The runs list's first request is held in the
// browser until the reader is on the improvement plan; when its answer then arrives, the
// runs view must not replace the page (it did: the dashboard test's tabletop page was
// overwritten by the runs list the sign-in had opened, under load).
func TestALateAnswerDoesNotTakeOverTheNextPage(t *testing.T) {
	browser := browsertest.Start(t)
	e := newPlanEnv(t)
	mux := http.NewServeMux()
	mux.Handle("/ui/", dashboard.Handler())
	mux.Handle("/v1/", e.s.Handler())
	srv := httptest.NewServer(mux) // 127.0.0.1
	defer srv.Close()

	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#token=vic")))
	waitPage(t, ctx, "the runs page", `document.querySelector('h1').textContent === 'Runs' && document.querySelector('main p.loading') === null`)

	// Hold GET /v1/runbooks (the runs view's first request) until released; its JSON,
	// once read, says so, so that the test knows when the view has gone on.
	evalJS[any](t, ctx, `(() => {
		const real = window.fetch;
		window.held = [];
		window.fetch = (url, opts) => String(url).startsWith('/v1/runbooks')
			? new Promise(resolve => window.held.push(() => real(url, opts).then(res => {
				const json = res.json.bind(res);
				res.json = () => json().finally(() => { window.consumed = true; });
				resolve(res);
			})))
			: real(url, opts);
	})()`)
	evalJS[any](t, ctx, `location.hash = '#/runs?mode=drill'`)
	waitPage(t, ctx, "the runs view waiting for its runbooks", `window.held.length === 1`)
	evalJS[any](t, ctx, `location.hash = '#/improvements'`)
	waitPage(t, ctx, "the improvement plan", `document.querySelector('h1').textContent === 'Improvement plan'`)

	evalJS[any](t, ctx, `window.held[0]()`)
	waitPage(t, ctx, "the held answer read", `window.consumed === true`)
	// What the runs view does with it runs in the microtasks after; a task queued now runs
	// after all of them.
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`new Promise(r => setTimeout(r, 0))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, "Improvement plan", evalJS[string](t, ctx, `document.querySelector('h1').textContent`), "the late runs view replaced the page the reader went to")
	assert.Equal(t, "#/improvements", evalJS[string](t, ctx, `location.hash`))
}
