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
	"github.com/bcdr/bcdr/improvements"
	"github.com/bcdr/bcdr/internal/browsertest"
)

// TestImprovementPagesInBrowser drives the dashboard's improvement pages in the real
// headless Chromium against this API on loopback: a viewer sees the item and no update
// form; the item's owner marks it done through the form; dropping it without a reason
// shows the API's refusal at the field and changes nothing; the portfolio counts it.
func TestImprovementPagesInBrowser(t *testing.T) {
	browser := browsertest.Start(t)
	e := newPlanEnv(t)
	mux := http.NewServeMux()
	mux.Handle("/ui/", dashboard.Handler())
	mux.Handle("/v1/", e.s.Handler())
	srv := httptest.NewServer(mux) // 127.0.0.1
	defer srv.Close()
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
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#token="+token)))
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
