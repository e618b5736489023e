package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api/dashboard"
	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/internal/browsertest"
)

// TestImprovementPagesInBrowser drives the dashboard's improvement pages in the real
// headless Chromium against this API on loopback: a viewer sees the item and no update
// form; the item's owner marks it done through the form; dropping it without a reason
// shows the API's refusal at the field and changes nothing; the portfolio counts it.
func TestImprovementPagesInBrowser(t *testing.T) {
	browser, srv, e := planDashboard(t)
	var mu sync.Mutex
	var jsErrors []string
	tab := func(token string) context.Context {
		ctx, cancel := chromedp.NewContext(browser)
		t.Cleanup(cancel)
		require.NoError(t, chromedp.Do(ctx))
		go func() {
			for m, err := range chromedp.Console(ctx) {
				if err != nil {
					return
				}
				// The refused drop's 400 is logged by Chromium itself; the page shows it.
				expected := strings.Contains(m.String(), "the server responded with a status of 400")
				if (m.Type == chromedp.ConsoleError || m.IsException()) && !expected {
					mu.Lock()
					jsErrors = append(jsErrors, m.String())
					mu.Unlock()
				}
			}
		}()
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv+"/ui/#token="+token)))
		waitPage(t, ctx, "signed in", fmt.Sprintf(`document.getElementById('who-name').textContent === %q`, token))
		// The sign-in link lands on the runs page: let it finish loading before moving on.
		waitPage(t, ctx, "the runs page", `document.querySelector('h1').textContent === 'Runs' && document.querySelector('main p.loading') === null`)
		return ctx
	}
	item := "/v1/improvements/" + e.item

	viewer := tab("vic")
	evalJS[any](t, viewer, `location.hash = '#/improvements'`)
	waitPage(t, viewer, "the item listed", fmt.Sprintf(`document.querySelector('tr.imp-row[data-id=%q][data-status=open]') !== null`, e.item))
	assert.Contains(t, evalJS[string](t, viewer, `document.querySelector('section.card h2#imp-h').textContent`), "1 open (0 overdue), 0 done, 0 verified, 0 dropped")
	evalJS[any](t, viewer, fmt.Sprintf(`location.hash = '#/improvement/%s'`, e.item))
	waitPage(t, viewer, "the item page", `document.querySelector('.imp-item') !== null && document.querySelector('h1').textContent === 'script the DNS switch'`)
	assert.False(t, evalJS[bool](t, viewer, `document.querySelector('form.imp-update') !== null`), "a viewer is offered no update form")

	owner := tab("sam")
	evalJS[any](t, owner, fmt.Sprintf(`location.hash = '#/improvement/%s'`, e.item))
	waitPage(t, owner, "the update form", `document.querySelector('form.imp-update') !== null`)
	before := e.chain(t)
	submit := func(status, reason, note string) {
		evalJS[any](t, owner, fmt.Sprintf(`(() => { const f = document.querySelector('form.imp-update');
			f.elements.status.value = %q; f.elements.reason.value = %q; f.elements.note.value = %q;
			f.querySelector('button[type=submit]').click(); })()`, status, reason, note))
	}
	submit("dropped", "", "")
	waitPage(t, owner, "the API's refusal", `document.querySelector('form.imp-update p.error').textContent.includes('reason: dropping an item needs a reason')`)
	assert.Equal(t, before, e.chain(t), "the refused drop wrote nothing")
	submit("done", "", "scripted in the ops repo")
	waitPage(t, owner, "the item done", `document.querySelector('.imp-item').dataset.status === 'done'`)
	assert.Equal(t, []string{"sam"}, evalJS[[]string](t, owner, `[...document.querySelectorAll('tr.hist-row[data-field=status]')].map(r => r.dataset.by)`))
	assert.Equal(t, improvements.Done, e.get(t).Status)
	assert.Equal(t, before+1, e.chain(t))
	w, _ := call(e.s, "GET", item, "vic", "", "")
	assert.Contains(t, w.Body.String(), `"by": "sam"`)

	evalJS[any](t, viewer, `location.hash = '#/portfolio'`)
	waitPage(t, viewer, "the portfolio's improvement counts", `[...document.querySelectorAll('.kpi')].some(k => k.textContent === '0open improvements')`)
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, jsErrors, "the pages logged errors")
}

// TestALateAnswerDoesNotTakeOverTheNextPage: a reader who leaves a page before its data
// arrives stays on the page they went to. The runs list's first request is held in the
// browser until the reader is on the improvement plan; when its answer then arrives, the
// runs view must not replace the page (it did: the dashboard test's tabletop page was
// overwritten by the runs list the sign-in had opened, under load).
func TestALateAnswerDoesNotTakeOverTheNextPage(t *testing.T) {
	browser, srv, _ := planDashboard(t)

	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv+"/ui/#token=vic")))
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

// planDashboard serves the dashboard and the API of newPlanEnv on loopback, for the
// headless Chromium it starts; it returns the browser, the server's address and the env.
func planDashboard(t *testing.T) (context.Context, string, *planEnv) {
	browser := browsertest.Start(t)
	e := newPlanEnv(t)
	mux := http.NewServeMux()
	mux.Handle("/ui/", dashboard.Handler())
	mux.Handle("/v1/", e.s.Handler())
	srv := httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(srv.Close)
	return browser, srv.URL, e
}

func waitPage(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	safe := "(() => { try { return !!(" + expr + ") } catch (e) { return false } })()"
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](safe, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('main').innerText`))
		t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, strings.TrimSpace(body))
	}
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}
