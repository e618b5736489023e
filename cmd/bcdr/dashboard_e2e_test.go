package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/browsertest"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// The dashboard's browser tests: `bcdr dev` in a child process with seeded runs, driven
// by a real headless Chromium (internal/browsertest) through the DevTools protocol.
// Screenshots go to $BCDR_SCREENSHOTS, else to a new folder under the system's temporary
// folder; the test prints where.

// dashboardRunbooks are the runbooks bcdr dev serves by name in these tests.
var dashboardRunbooks = map[string]string{
	// A drill with parallel branches, an approval and a critical path through snapshot.
	"checkout-failover": `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: checkout-failover, service: checkout, tier: 1}
objectives: {rto: 2m, rpo: 1m}
steps:
  - {id: prepare, uses: noop, with: {sleep: 2s}}
  - {id: snapshot, uses: noop, needs: [prepare], with: {sleep: 3s}}
  - {id: warm_standby, uses: noop, needs: [prepare], with: {sleep: 2s}}
  - id: approve
    uses: approval
    needs: [snapshot, warm_standby]
    description: Switch checkout traffic to the standby region.
    with: {approvers: [group:incident-commanders]}
  - {id: switch, uses: noop, needs: [approve], with: {sleep: 1s}}
  - {id: verify, uses: noop, needs: [switch]}
`,
	"ledger-restore":    "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: ledger-restore, service: ledger, tier: 1}\nsteps:\n  - {id: restore, uses: noop}\n",
	"payments-failover": "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: payments-failover, service: payments, tier: 1}\nobjectives: {rto: 15m, rpo: 5m}\nsteps:\n  - {id: promote, uses: noop}\n",
	"orders-failover":   "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: orders-failover, service: orders, tier: 2}\nobjectives: {rto: 1h, rpo: 15m}\nsteps:\n  - {id: promote, uses: noop}\n",
	"inventory-check":   "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: inventory-check, service: inventory}\nsteps:\n  - {id: check, uses: noop}\n",
	// A scenario as a tree: two child runs, the second waiting for an approval.
	"scenario-inventory": `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: scenario-inventory, service: inventory}
steps:
  - {id: check, uses: runbook, with: {path: inventory-check.yaml}}
  - {id: gate, uses: runbook, needs: [check], with: {path: inventory-gate.yaml}}
`,
	"inventory-gate": `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: inventory-gate, service: inventory}
steps:
  - id: ok
    name: Confirm the stock counts
    uses: approval
    description: The warehouse confirms the restored stock counts.
    with: {approvers: [group:incident-commanders]}
`,
	"board-tabletop": `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: board-tabletop, service: checkout, tier: 1}
injects:
  - at: 0s
    title: Region down
    message: The primary region stopped answering at 08:40.
steps:
  - id: triage
    uses: manual
    instructions: Who leads the call, and what do you check first?
  - id: decide
    uses: manual
    needs: [triage]
    instructions: Do you fail over now or wait for the provider?
`,
}

// dashUsers: each token is the user's name; roles are in the configuration.
var dashUsers = map[string]string{"vic": "viewer", "olga": "operator", "amy": "approver", "ada": "admin"}

type dashEnv struct {
	*env
	base    string
	shots   string
	browser context.Context
	errs    *jsErrors
}

// newDashEnv seeds the evidence store with n past runs, starts bcdr dev and Chromium.
func newDashEnv(t *testing.T, n int) *dashEnv {
	browser, errs := startChromium(t) // first: skip before paying for an engine
	e := newEnv(t)
	d := &dashEnv{env: e, browser: browser, errs: errs}
	dir := filepath.Join(e.dir, "runbooks")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, src := range dashboardRunbooks {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(src), 0o600))
	}
	var tokens strings.Builder
	for name, role := range dashUsers {
		fmt.Fprintf(&tokens, "    - {name: %s, hash: %q, roles: [%s]}\n", name, api.HashToken(name), role)
	}

	// The store syncs every file it writes; on a tmpfs 1,000 bundles take a second or
	// two instead of half a minute.
	evDir := filepath.Join(e.dir, "evidence")
	if shm, err := os.MkdirTemp("/dev/shm", "bcdr-evidence-"); err == nil {
		evDir = shm
		t.Cleanup(func() { os.RemoveAll(shm) })
	}
	took := seedEvidence(t, evDir, n, time.Now())
	t.Logf("seeded %d past runs into the evidence store in %s", n, took.Round(time.Millisecond))
	cfg := fmt.Sprintf("groups:\n  incident-commanders: [amy, ada]\nauth:\n  tokens:\n%sevidence: {dir: %q}\ndrills:\n  runbook_dirs: [%q]\n  cadence: {\"1\": 2160h, \"2\": 4320h, \"3\": 8760h}\n", tokens.String(), evDir, dir)
	require.NoError(t, os.WriteFile(e.vars["BCDR_CONFIG"], []byte(cfg), 0o600))

	port, httpPort := freePort(t), freePort(t)
	d.base = "http://127.0.0.1:" + strconv.Itoa(httpPort)
	p := e.spawnDev(port, 0, "127.0.0.1:"+strconv.Itoa(httpPort))
	p.eventually(t, "bcdr dev to serve", time.Minute, func() bool { return ready(d.base) })

	d.shots = screenshotDir(t)
	return d
}

// screenshotDir is where the browser tests write their screenshots: $BCDR_SCREENSHOTS,
// else a new folder under the system's temporary folder, which the test prints.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("BCDR_SCREENSHOTS")
	if dir == "" {
		var err error
		dir, err = os.MkdirTemp("", "bcdr-screenshots-")
		require.NoError(t, err)
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Logf("screenshots: %s", dir)
	return dir
}

// seedEvidence appends n ended runs of payments, orders and checkout to the evidence
// store, spread over two years: payments' last drill is 120 days old (overdue on a
// 90-day cadence), orders' 160 days (due soon on 180 days), checkout's 5 days.
func seedEvidence(t *testing.T, dir string, n int, now time.Time) time.Duration {
	start := time.Now()
	store, err := evidence.NewFileStore(dir)
	require.NoError(t, err)
	type svc struct {
		name, runbook string
		last          time.Duration // age of the newest run
		rto, rpo      time.Duration // targets
	}
	services := []svc{
		{"payments", "payments-failover", 120 * 24 * time.Hour, 15 * time.Minute, 5 * time.Minute},
		{"orders", "orders-failover", 160 * 24 * time.Hour, time.Hour, 15 * time.Minute},
		{"checkout", "checkout-failover", 5 * 24 * time.Hour, 2 * time.Minute, time.Minute},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	type seed struct {
		s  svc
		at time.Time
	}
	var seeds []seed
	step := 730 * 24 * time.Hour / time.Duration(n/len(services)+1) // two years, evenly
	for i := range n {
		s := services[i%len(services)]
		seeds = append(seeds, seed{s, now.Add(-s.last - time.Duration(i/len(services))*step)})
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i].at.Before(seeds[j].at) })
	for i, sd := range seeds {
		mode, state := workflows.ModeDrill, workflows.RunSucceeded
		switch {
		case i%10 == 3:
			state = workflows.RunFailed
		case i%25 == 7:
			mode = workflows.ModeLive
		}
		rto := time.Duration(float64(sd.s.rto) * (0.3 + rng.Float64()*0.9))
		rpo := time.Duration(float64(sd.s.rpo) * (0.1 + rng.Float64()*1.0))
		st := workflows.Status{
			RunID: fmt.Sprintf("seed-%s-%04d", sd.s.name, i), Runbook: sd.s.runbook, Service: sd.s.name, Mode: mode, State: state,
			// proof of the service: authorized for it, and of its runbook as the server loads it
			Digest: runbooks.Digest([]byte(dashboardRunbooks[sd.s.runbook])), Authorized: []string{sd.s.name},
			Initiator: "scheduler", Trigger: "schedule:seed", StartedAt: sd.at.Add(-rto), EndedAt: sd.at, ClockStart: sd.at.Add(-rto),
			RTOTarget: sd.s.rto, RTOActual: rto, RPOTarget: sd.s.rpo, RPOActual: rpo, RPOMarkerAt: sd.at.Add(-rto - rpo), // the newest marker read back
			Steps: []workflows.StepState{{ID: "promote", Uses: "noop", Status: workflows.StepSucceeded, Attempts: 1, StartedAt: sd.at.Add(-rto), EndedAt: sd.at}},
		}
		_, err := store.Append(context.Background(), st)
		require.NoError(t, err)
	}
	return time.Since(start)
}

// jsErrors collects uncaught exceptions and error log entries of every tab.
type jsErrors struct {
	mu   sync.Mutex
	list []string
}

func (j *jsErrors) add(s string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, s)
}

func (j *jsErrors) all() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.list)
}

// startChromium starts a headless Chromium with a fresh profile, or skips the test when
// there is none (fails it in CI, where .ci/run installs it).
func startChromium(t *testing.T) (context.Context, *jsErrors) {
	return browsertest.Start(t), &jsErrors{}
}

// tab opens a new tab (its own sessionStorage, so its own signed-in user) whose console
// errors and uncaught exceptions are collected.
func (d *dashEnv) tab(t *testing.T) context.Context {
	ctx, cancel := chromedp.NewContext(d.browser)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx))
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				d.errs.add(m.String() + " (" + m.URL + ")")
			}
		}
	}()
	return ctx
}

// signIn signs a user in through the page's form.
func (d *dashEnv) signIn(t *testing.T, ctx context.Context, user string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(d.base+"/ui/#/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=token]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=token]`), user+"\n"), // Enter submits: the keyboard is enough
	))
	d.waitJS(t, ctx, "signed in as "+user, fmt.Sprintf(`document.getElementById('who-name').textContent === %q`, user))
}

// accessible checks the basics on the page as it is: every form control has a label,
// every button a name, every chart a text alternative, every table header cells, and
// the focus is visible. It returns what falls short.
func accessible(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return eval[[]string](t, ctx, `(() => {
		const out = [];
		const named = el => (el.getAttribute('aria-label') || el.textContent || '').trim() !== '';
		for (const el of document.querySelectorAll('input, select, textarea')) {
			if (el.type !== 'hidden' && !el.labels.length && !el.getAttribute('aria-label')) out.push('unlabelled ' + el.outerHTML.slice(0, 80));
		}
		for (const el of document.querySelectorAll('button, a[href]')) if (!named(el)) out.push('nameless ' + el.outerHTML.slice(0, 80));
		for (const el of document.querySelectorAll('svg.chart')) if (!el.getAttribute('aria-label')) out.push('chart without text');
		for (const el of document.querySelectorAll('table')) if (!el.querySelector('th')) out.push('table without header cells');
		if (!document.documentElement.lang) out.push('no lang');
		if (!document.querySelector('a.skip[href="#main"]')) out.push('no skip link');
		return out;
	})()`)
}

// waitJS waits until a JavaScript expression is true in the page.
func (d *dashEnv) waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	// 90 s, not 30: with every other package's tests running beside it (make test), a
	// workflow task of the run behind the page has been seen to wait more than 30 s.
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	// An expression that throws (its element is not there yet) counts as false.
	safe := "(() => { try { return !!(" + expr + ") } catch (e) { return false } })()"
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](safe, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('main').innerText + '\n' + document.getElementById('notice').innerText`))
		t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, body)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// do runs browser actions.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, steps...))
}

// visit navigates within the page (a hash change, no reload).
func (d *dashEnv) visit(t *testing.T, ctx context.Context, hash string) {
	t.Helper()
	eval[chromedp.Void](t, ctx, fmt.Sprintf(`location.hash = %q`, hash))
}

// shot writes a full-page screenshot.
func (d *dashEnv) shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	d.save(t, ctx, name, chromedp.FullScreenshot(100))
}

// screen writes a screenshot of what the screen shows (a phone's first screen).
func (d *dashEnv) screen(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	d.save(t, ctx, name, chromedp.CaptureScreenshot())
}

func (d *dashEnv) save(t *testing.T, ctx context.Context, name string, capture chromedp.Action[[]byte]) {
	t.Helper()
	png, err := chromedp.Run(ctx, capture)
	require.NoError(t, err)
	path := filepath.Join(d.shots, name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

// phone renders the tab at a phone's width (390 CSS pixels), or back at the window's.
func phone(on bool) chromedp.Action[chromedp.Void] {
	if !on {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
			return err
		})
	}
	return chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)
}

// startRun starts a run through the API as user.
func (d *dashEnv) startRun(t *testing.T, user, runbook, mode string) string {
	t.Helper()
	c := api.NewClient(d.base, user)
	ref, err := c.Start(context.Background(), api.StartRequest{Runbook: runbook, Mode: mode})
	require.NoError(t, err)
	return ref.RunID
}

func (d *dashEnv) waitRun(t *testing.T, runID string) workflows.Status {
	t.Helper()
	c := api.NewClient(d.base, "ada")
	var st workflows.Status
	eventually(t, "run "+runID+" to end", time.Minute, func() bool {
		var err error
		st, err = c.Run(context.Background(), runID)
		return err == nil && st.State.Done()
	})
	return st
}

func TestDashboardInBrowser(t *testing.T) {
	d := newDashEnv(t, 1000)
	t.Cleanup(func() { assert.Empty(t, d.errs.all(), "the pages logged errors") })

	// First, so that its first load is the server's first read of the 1,000 records.
	t.Run("portfolio page weight and first render", func(t *testing.T) { d.measurePortfolio(t) })
	t.Run("run list filters", func(t *testing.T) { d.testRunList(t) })
	t.Run("live drill, approval by role", func(t *testing.T) { d.testLiveDrill(t) })
	t.Run("tabletop", func(t *testing.T) { d.testTabletop(t) })
	t.Run("portfolio shows an overdue service", func(t *testing.T) { d.testPortfolio(t) })
	t.Run("readiness per service", func(t *testing.T) { d.testReadiness(t) })
	t.Run("scenario run as a tree", func(t *testing.T) { d.testScenarioTree(t) })
	// Last: its live run of ledger-restore proves ledger (a live recovery counts as a
	// drill does), which the portfolio subtest shows as never drilled.
	t.Run("unproven version flagged before and after the start", func(t *testing.T) { d.testUnprovenStart(t) })
	t.Run("roll call acknowledged from the run page", func(t *testing.T) { d.testRollCall(t) })
}

// testRollCall: a roll call naming olga and amy waits on the run page as a roll call
// with an Acknowledge button for an operator; olga's click records her acknowledgement
// (the run's complete action, verified like bcdr complete), and the roll call waits on
// for amy. Last, and from an uploaded runbook, so that no other subtest counts it.
func (d *dashEnv) testRollCall(t *testing.T) {
	c := api.NewClient(d.base, "ada")
	ref, err := c.Start(context.Background(), api.StartRequest{Filename: "roll.yaml", Mode: "drill", Source: `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: roll-call-page, service: checkout}
steps:
  - id: roll
    uses: people.roll_call
    with: {people: [olga, amy], message: "checkout is down: are you available?", timeout: 1h}
`})
	require.NoError(t, err)
	olga := d.tab(t)
	d.signIn(t, olga, "olga")
	d.visit(t, olga, "#/run/"+ref.RunID)
	d.waitJS(t, olga, "the roll call's button", `document.querySelector('li.task-roll-call button[data-action=acknowledge][data-step=roll]') !== null`)
	assert.Contains(t, eval[string](t, olga, `document.querySelector('li.task-roll-call h3').textContent`), "Roll call")
	assert.Contains(t, eval[string](t, olga, `document.querySelector('li.task-roll-call').innerText`), "People: olga, amy")
	d.shot(t, olga, "run-roll-call")
	do(t, olga, chromedp.Click(chromedp.CSS(`li.task-roll-call button[data-action=acknowledge]`)))
	d.waitJS(t, olga, "the acknowledgement recorded", `document.getElementById('notice').innerText.includes('Acknowledged roll')`)
	st, err := c.Run(context.Background(), ref.RunID)
	require.NoError(t, err)
	roll := st.Step("roll")
	require.Len(t, roll.Decisions, 1)
	assert.Equal(t, "olga", roll.Decisions[0].By)
	assert.Equal(t, workflows.StepWaiting, roll.Status, "amy has not acknowledged")
	_, err = c.Act(context.Background(), ref.RunID, api.Action{Name: "cancel", Comment: "end of the page test"})
	require.NoError(t, err)
}

// testUnprovenStart: the start form says, before anything starts, that a live run of
// ledger-restore (no drill ever proved it) will be flagged, and says nothing for
// orders-failover (the seeded drills proved its digest); the run page shows the flag.
// It runs last: its live run must not change what the other subtests count.
func (d *dashEnv) testUnprovenStart(t *testing.T) {
	ctx := d.tab(t)
	d.signIn(t, ctx, "ada")
	d.visit(t, ctx, "#/runs")
	d.waitJS(t, ctx, "the start form", `document.querySelector('details.start-card') !== null`)
	choose := func(runbook, mode string) {
		eval[bool](t, ctx, fmt.Sprintf(`(() => { document.querySelector('details.start-card').open = true;
			const f = document.querySelector('form.start');
			f.elements.runbook.value = %q; f.elements.mode.value = %q;
			f.elements.mode.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, runbook, mode))
	}
	gate := `document.querySelector('form.start p.unproven')`
	choose("ledger-restore", "live")
	d.waitJS(t, ctx, "the gate's warning in the form", gate+`.hidden === false && `+gate+`.textContent.includes('a live run of runbook ledger-restore will be flagged: this version (sha256:')`)
	assert.Contains(t, eval[string](t, ctx, gate+`.textContent`), "was never proven by a drill; no drill proved any version of runbook ledger-restore")
	assert.Empty(t, eval[[]string](t, ctx, `[...document.querySelectorAll('tr.run-row')].filter(r => r.dataset.runbook === 'ledger-restore' && r.dataset.mode === 'live').map(r => r.dataset.run)`),
		"the warning came before any start")
	d.shot(t, ctx, "start-unproven")

	choose("orders-failover", "live")
	d.waitJS(t, ctx, "no warning for a proven version", gate+`.hidden === true`)
	choose("ledger-restore", "drill")
	d.waitJS(t, ctx, "no warning for a drill", gate+`.hidden === true`)

	choose("ledger-restore", "live")
	d.waitJS(t, ctx, "the warning again", gate+`.hidden === false`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`form.start button[type=submit]`)))
	// the run page's flag is a note; the start form's warning (also p.unproven, a status)
	// can still be on the page for a moment after the hash has changed
	flag := `document.querySelector('p.unproven[role=note]')`
	d.waitJS(t, ctx, "the run page flags the run", `location.hash.startsWith('#/run/ledger-restore-') && `+flag+` !== null`)
	assert.Contains(t, eval[string](t, ctx, flag+`.textContent`), "Unproven version: this version (sha256:")
	d.shot(t, ctx, "run-unproven")
	assert.Empty(t, accessible(t, ctx), "run page")
}

func (d *dashEnv) testRunList(t *testing.T) {
	ids := []string{
		d.startRun(t, "olga", "inventory-check", "drill"),
		d.startRun(t, "olga", "inventory-check", "drill"),
		d.startRun(t, "ada", "orders-failover", "live"),
		d.startRun(t, "ada", "payments-failover", "live"),
	}
	for _, id := range ids {
		d.waitRun(t, id)
	}
	ctx := d.tab(t)
	d.signIn(t, ctx, "vic")
	count := func(sel string) string {
		return fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)
	}
	d.visit(t, ctx, "#/runs")
	d.waitJS(t, ctx, "the four runs listed", count(`tr.run-row`)+` >= 4`)

	// Filter by choosing in the form, as a user would.
	choose := func(name, value string) {
		eval[bool](t, ctx, fmt.Sprintf(`(() => { const s = document.querySelector('form.filters select[name=%s]'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, name, value))
	}
	choose("service", "inventory")
	d.waitJS(t, ctx, "only inventory runs", `location.hash === '#/runs?service=inventory' && `+count(`tr.run-row`)+` === 2 && `+count(`tr.run-row:not([data-service=inventory])`)+` === 0`)
	d.shot(t, ctx, "runs-filtered-service")
	assert.Empty(t, accessible(t, ctx), "runs")

	d.visit(t, ctx, "#/runs")
	d.waitJS(t, ctx, "the list unfiltered", count(`tr.run-row`)+` >= 4 && document.querySelector('select[name=service]').value === ''`)
	choose("mode", "live")
	d.waitJS(t, ctx, "only the live runs", count(`tr.run-row`)+` === 2 && `+count(`tr.run-row[data-mode=live]`)+` === 2`)
	choose("outcome", "failed")
	d.waitJS(t, ctx, "no failed live run", count(`tr.run-row`)+` === 0 && document.querySelector('#main .empty') !== null`)
	d.visit(t, ctx, "#/runs?runbook=orders-failover&since=24h")
	d.waitJS(t, ctx, "the orders recovery of the last day", count(`tr.run-row`)+` === 1 && `+count(`tr.run-row[data-runbook=orders-failover]`)+` === 1`)
	d.visit(t, ctx, "#/runs")
	d.waitJS(t, ctx, "the list", count(`tr.run-row`)+` >= 4`)
	d.shot(t, ctx, "runs")
}

func (d *dashEnv) testLiveDrill(t *testing.T) {
	// The operator starts the drill from the page.
	olga := d.tab(t)
	d.signIn(t, olga, "olga")
	d.visit(t, olga, "#/runs")
	d.waitJS(t, olga, "the start form", `document.querySelector('details.start-card') !== null`)
	eval[bool](t, olga, `(() => { document.querySelector('details.start-card').open = true;
		document.querySelector('form.start select[name=runbook]').value = 'checkout-failover';
		document.querySelector('form.start select[name=mode]').value = 'drill'; return true })()`)
	do(t, olga, chromedp.Click(chromedp.CSS(`form.start button[type=submit]`)))
	d.waitJS(t, olga, "the run page", `location.hash.startsWith('#/run/checkout-failover-') && document.querySelector('tr.step[data-step=prepare]') !== null`)
	runID := eval[string](t, olga, `decodeURIComponent(location.hash.slice('#/run/'.length))`)
	eval[bool](t, olga, `window.__sameDocument = true`)

	// Record every state each step shows, every 50 ms, with no reload.
	seen, shot := map[string][]string{}, false
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		rows := eval[map[string]string](t, olga, `Object.fromEntries([...document.querySelectorAll('tr.step')].map(r => [r.dataset.step, r.dataset.status]))`)
		for step, status := range rows {
			if s := seen[step]; len(s) == 0 || s[len(s)-1] != status {
				seen[step] = append(seen[step], status)
			}
		}
		if rows["approve"] == "waiting" {
			break
		}
		if rows["snapshot"] == "running" && !shot {
			d.shot(t, olga, "run-live-drill")
			shot = true
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("states seen on screen: %v", seen)
	for _, step := range []string{"prepare", "snapshot", "warm_standby"} {
		assert.Contains(t, seen[step], "running", step)
		assert.Equal(t, "succeeded", seen[step][len(seen[step])-1], step)
	}
	assert.Equal(t, []string{"pending", "waiting"}, seen["approve"])
	assert.True(t, eval[bool](t, olga, `window.__sameDocument === true`), "the page updated without a reload")
	critical := eval[[]string](t, olga, `[...document.querySelectorAll('tr.step.critical')].map(r => r.dataset.step)`)
	assert.Equal(t, []string{"prepare", "snapshot", "approve", "switch", "verify"}, critical, "the critical path is highlighted")
	d.waitJS(t, olga, "the approval task", `document.querySelector('li.task-approval[data-step=approve]') !== null`)
	assert.Zero(t, eval[int](t, olga, `document.querySelectorAll('button[data-action=approve]').length`), "an operator cannot approve")

	// A viewer sees the pending approval and no button.
	vic := d.tab(t)
	d.signIn(t, vic, "vic")
	d.visit(t, vic, "#/run/"+runID)
	d.waitJS(t, vic, "the approval task", `document.querySelector('li.task-approval[data-step=approve] .no-role') !== null`)
	assert.Zero(t, eval[int](t, vic, `document.querySelectorAll('#main button[data-action], .controls button').length`), "a viewer has no approve, decline or control button")
	d.shot(t, vic, "run-viewer-no-buttons")

	// The approver approves from the page.
	amy := d.tab(t)
	d.signIn(t, amy, "amy")
	d.visit(t, amy, "#/run/"+runID)
	d.waitJS(t, amy, "the approve button", `document.querySelector('button[data-action=approve][data-step=approve]') !== null`)
	d.shot(t, amy, "run-approver")
	assert.Empty(t, accessible(t, amy), "run, as an approver")
	do(t, amy,
		chromedp.SendKeys(chromedp.CSS(`li.task-approval input[name=comment]`), "standby is warm, go"),
		chromedp.Click(chromedp.CSS(`button[data-action=approve][data-step=approve]`)))
	d.waitJS(t, amy, "the approval recorded", `document.getElementById('notice').innerText.includes('Approved approve')`)
	// Every open page follows the run to its end.
	for _, ctx := range []context.Context{amy, vic, olga} {
		d.waitJS(t, ctx, "the run to succeed on screen", `document.querySelector('tr.step[data-step=verify]').dataset.status === 'succeeded' && document.querySelector('.meta .badge').textContent === 'succeeded'`)
	}
	st := d.waitRun(t, runID)
	require.Equal(t, workflows.RunSucceeded, st.State)
	require.Len(t, st.Step("approve").Decisions, 1)
	assert.Equal(t, "amy", st.Step("approve").Decisions[0].By)
	d.shot(t, olga, "run-succeeded")

	// The report, and the evidence bundle downloaded from it.
	d.visit(t, vic, "#/run/"+runID+"/report")
	d.waitJS(t, vic, "the report with the evidence bundle", `document.querySelector('#main h1').textContent.startsWith('Recovery report') && document.getElementById('main').innerText.includes('standby is warm, go')`)
	d.waitJS(t, vic, "the bundle written", `/bundle \d+ sha256:/.test(document.getElementById('main').innerText)`)
	do(t, vic, chromedp.Click(chromedp.Search(`//button[contains(., 'Download evidence bundle')]`)))
	d.waitJS(t, vic, "the download", `/Downloaded checkout-failover-.*-evidence\.zip \(\d+ bytes, bundle \d+ sha256:[0-9a-f]+, check: ok\)/.test(document.getElementById('notice').innerText)`)
	d.shot(t, vic, "report")
	assert.Empty(t, accessible(t, vic), "report")
	do(t, vic, phone(true))
	d.visit(t, vic, "#/run/"+runID)
	d.waitJS(t, vic, "the run page on a phone", `document.querySelector('tr.step[data-step=verify]') !== null`)
	d.screen(t, vic, "phone-run")
	do(t, vic, phone(false))
}

func (d *dashEnv) testTabletop(t *testing.T) {
	runID := d.startRun(t, "olga", "board-tabletop", "tabletop")
	olga := d.tab(t)
	d.signIn(t, olga, "olga")
	d.visit(t, olga, "#/run/"+runID)
	d.waitJS(t, olga, "the first prompt and the inject", `document.querySelector('.tabletop li.prompt-card[data-step=triage]') !== null && document.querySelector('.tabletop .injects') !== null`)
	do(t, olga,
		chromedp.SendKeys(chromedp.CSS(`li.prompt-card[data-step=triage] textarea[name=answer]`), "The duty SRE leads; we check the status page and the replication lag."),
		chromedp.Click(chromedp.CSS(`li.prompt-card[data-step=triage] button[type=submit]`)))
	d.waitJS(t, olga, "the answer shown", `document.querySelector('li.prompt-card[data-step=triage] .answers') !== null && document.querySelector('li.prompt-card[data-step=triage] .answers').innerText.includes('olga: The duty SRE leads')`)
	do(t, olga, chromedp.Click(chromedp.Search(`//li[@data-step='triage']//button[contains(., 'Close this prompt')]`)))
	d.waitJS(t, olga, "the next prompt", `document.querySelector('.tabletop li.prompt-card[data-step=decide]') !== null`)
	d.shot(t, olga, "tabletop")
	assert.Empty(t, accessible(t, olga), "tabletop")
}

func (d *dashEnv) testPortfolio(t *testing.T) {
	ctx := d.tab(t)
	d.signIn(t, ctx, "vic")
	d.visit(t, ctx, "#/portfolio")
	d.waitJS(t, ctx, "the cadence table and the charts", `document.querySelector('tr.svc-row') !== null && document.querySelector('article.svc svg.chart') !== null`)
	states := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('tr.svc-row')].map(r => [r.dataset.service, r.dataset.status]))`)
	// The seeded drills put payments 120 days back on a 90-day cadence and orders 160
	// days back on a 180-day one, but the run list test recovered both live a moment
	// ago: a live recovery proves a service as a drill does (catalogue.Coverage).
	assert.Equal(t, "on-time", states["payments"], "recovered live just now")
	assert.Equal(t, "on-time", states["orders"], "recovered live just now")
	assert.Equal(t, "overdue", states["ledger"], "never drilled")
	assert.Equal(t, "on-time", states["checkout"])
	assert.Equal(t, "not-assessed", states["inventory"], "no tier, no cadence")
	text := eval[string](t, ctx, `document.querySelector('tr.svc-row[data-service=ledger]').innerText`)
	assert.Contains(t, text, "Overdue")
	assert.Contains(t, text, "now (never drilled)")
	never := eval[[]string](t, ctx, `[...document.querySelectorAll('tr.never-row th')].map(x => x.textContent)`)
	assert.Contains(t, never, "ledger-restore")
	assert.NotContains(t, never, "checkout-failover")
	charts := eval[int](t, ctx, `document.querySelectorAll('article.svc[data-service=payments] svg.chart circle').length`)
	assert.Greater(t, charts, 200, "payments' RTO and RPO over the history window (api.DefaultHistoryWindow, 400 days)")
	d.shot(t, ctx, "portfolio")
	assert.Empty(t, accessible(t, ctx), "portfolio")
	d.visit(t, ctx, "#/summary")
	d.waitJS(t, ctx, "the executive summary", `document.querySelector('.summary .headline') !== null`)
	text = eval[string](t, ctx, `document.querySelector('.summary .headline').innerText`)
	assert.Regexp(t, `overdue: .*\bledger\b`, text)
	d.shot(t, ctx, "executive-summary")
	assert.Empty(t, accessible(t, ctx), "executive summary")
	do(t, ctx, phone(true))
	d.visit(t, ctx, "#/portfolio")
	d.waitJS(t, ctx, "the portfolio on a phone", `document.querySelector('tr.svc-row') !== null`)
	d.screen(t, ctx, "phone-portfolio")
	do(t, ctx, phone(false))
	d.visit(t, ctx, "#/login")
	d.waitJS(t, ctx, "signed out, at the sign-in form", `document.querySelector('form.login') !== null && getComputedStyle(document.getElementById('nav')).display === 'none'`)
	d.shot(t, ctx, "login")
}

// measurePortfolio loads the portfolio page cold (no browser cache) a few times and
// reports its weight (bytes over the wire and decoded) and its time to first render:
// the first contentful paint, and the moment the portfolio's data is on screen.
func (d *dashEnv) measurePortfolio(t *testing.T) {
	ctx := d.tab(t)
	d.signIn(t, ctx, "ada")
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
	require.NoError(t, err)
	type load struct {
		FCP, Rendered     float64
		Charts            float64 // the RTO/RPO charts drawn too
		API               float64 // the GET /v1/portfolio request, start to end
		Transfer, Decoded int64
		Files             map[string][2]int64
	}
	var loads []load
	for i := range 5 {
		do(t, ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(d.base+"/ui/#/portfolio"))
		d.waitJS(t, ctx, "the portfolio rendered", `performance.getEntriesByName('bcdr:portfolio-charts').length > 0`)
		raw := eval[string](t, ctx, `JSON.stringify((() => {
			const nav = performance.getEntriesByType('navigation')[0];
			const res = performance.getEntriesByType('resource');
			const fcp = performance.getEntriesByName('first-contentful-paint')[0];
			const files = {};
			for (const e of [nav, ...res]) files[new URL(e.name).pathname + new URL(e.name).search] = [e.transferSize, e.decodedBodySize];
			return {FCP: fcp ? fcp.startTime : -1, Rendered: performance.getEntriesByName('bcdr:portfolio-rendered')[0].startTime,
				Charts: performance.getEntriesByName('bcdr:portfolio-charts')[0].startTime,
				Transfer: [nav, ...res].reduce((a, e) => a + e.transferSize, 0), Decoded: [nav, ...res].reduce((a, e) => a + e.decodedBodySize, 0), Files: files,
				API: res.filter(e => new URL(e.name).pathname === '/v1/portfolio').map(e => e.responseEnd - e.startTime)[0]};
		})())`)
		var l load
		require.NoError(t, json.Unmarshal([]byte(raw), &l))
		t.Logf("load %d: first contentful paint %.0f ms, portfolio rendered %.0f ms (GET /v1/portfolio %.0f ms), charts %.0f ms, %d bytes transferred (%d decoded)", i+1, l.FCP, l.Rendered, l.API, l.Charts, l.Transfer, l.Decoded)
		loads = append(loads, l)
	}
	for name, sizes := range loads[len(loads)-1].Files {
		t.Logf("  %-40s %7d bytes transferred, %7d decoded", name, sizes[0], sizes[1])
	}
	services := eval[int](t, ctx, `document.querySelectorAll('tr.svc-row').length`)
	median := func(f func(load) float64) float64 {
		var xs []float64
		for _, l := range loads[1:] {
			xs = append(xs, f(l))
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	rendered := median(func(l load) float64 { return l.Rendered })
	t.Logf("PORTFOLIO with 1000 past runs, %d services: page weight %d bytes transferred (%d decoded); first render %.0f ms on the server's first read of the records, median %.0f ms after (first contentful paint %.0f ms, GET /v1/portfolio %.0f ms, charts drawn %.0f ms)",
		services, loads[len(loads)-1].Transfer, loads[len(loads)-1].Decoded, loads[0].Rendered, rendered,
		median(func(l load) float64 { return l.FCP }), median(func(l load) float64 { return l.API }), median(func(l load) float64 { return l.Charts }))
	assert.Less(t, loads[len(loads)-1].Transfer, int64(300_000), "the page stays light")
	assert.Less(t, rendered, 3000.0, "the portfolio renders within seconds")
}

// testScenarioTree: a scenario run's page nests its child runs with their state, links
// each runbook step to its child run, and shows a child's approval under "Waiting for
// people", where the approver decides it; the run list puts the children under it.
func (d *dashEnv) testScenarioTree(t *testing.T) {
	runID := d.startRun(t, "ada", "scenario-inventory", "drill")
	gate := workflows.ChildRunID(runID, "gate")
	amy := d.tab(t)
	d.signIn(t, amy, "amy")
	d.visit(t, amy, "#/run/"+runID)
	d.waitJS(t, amy, "the child's approval on the parent's page", fmt.Sprintf(`document.querySelector('li.task-approval[data-run=%q] button[data-action=approve]') !== null`, gate))
	d.waitJS(t, amy, "both child runs nested", fmt.Sprintf(`document.querySelector('li.child-run[data-run=%q]').dataset.state === 'succeeded' && document.querySelector('li.child-run[data-run=%q]').dataset.state === 'running'`,
		workflows.ChildRunID(runID, "check"), gate))
	links := eval[map[string]string](t, amy, `Object.fromEntries([...document.querySelectorAll('tr.step a.child-link')].map(a => [a.closest('tr').dataset.step, a.getAttribute('href')]))`)
	assert.Equal(t, map[string]string{"check": "#/run/" + workflows.ChildRunID(runID, "check"), "gate": "#/run/" + gate}, links, "each runbook step links to its child run")
	task := eval[string](t, amy, fmt.Sprintf(`document.querySelector('li.task-approval[data-run=%q]').innerText`, gate))
	assert.Contains(t, task, "Confirm the stock counts")
	assert.Contains(t, task, "In child run "+gate)
	assert.NotContains(t, eval[string](t, amy, `document.querySelector('section.tasks').innerText`), "Nothing waits for a person")
	d.shot(t, amy, "run-scenario-tree")
	assert.Empty(t, accessible(t, amy), "scenario run")

	// Typed and clicked in the page, in one step: a query that never matches would wait
	// without end, where this fails at once.
	require.True(t, eval[bool](t, amy, fmt.Sprintf(`(() => {
		const li = document.querySelector('li.task-approval[data-run=%q]');
		li.querySelector('input[name=comment]').value = 'counts match';
		li.querySelector('button[data-action=approve]').click();
		return true })()`, gate)))
	d.waitJS(t, amy, "the scenario to succeed on screen", `document.querySelector('.meta .badge').textContent === 'succeeded'`)
	st := d.waitRun(t, runID)
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	child := d.waitRun(t, gate)
	require.Len(t, child.Step("ok").Decisions, 1, "the approval was made on the child run")
	assert.Equal(t, "amy", child.Step("ok").Decisions[0].By)
	assert.Equal(t, "counts match", child.Step("ok").Decisions[0].Comment)

	// The run list: the children under their parent, right after it.
	d.visit(t, amy, "#/runs")
	d.waitJS(t, amy, "the children under the scenario run", fmt.Sprintf(`document.querySelectorAll('tr.child-row[data-parent=%q]').length === 2`, runID))
	order := eval[[]string](t, amy, `[...document.querySelectorAll('tr.run-row')].map(r => r.dataset.run)`)
	i := slices.Index(order, runID)
	require.GreaterOrEqual(t, i, 0)
	require.Greater(t, len(order), i+2)
	assert.Equal(t, []string{workflows.ChildRunID(runID, "check"), gate}, order[i+1:i+3])
	d.shot(t, amy, "runs-scenario-tree")
}

// testReadiness makes two readiness schedules through the API, as bcdr check --schedule
// does, and triggers them: the worker checks checkout's runbook (ready: its approver
// group has members) and a payments-failover whose approvers' group is empty (not
// ready). The portfolio page then shows each service's readiness, when it was checked
// and what broke, and counts the service that is not ready.
func (d *dashEnv) testReadiness(t *testing.T) {
	c := api.NewClient(d.base, "ada")
	ctx := context.Background()
	broken := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: payments-failover, service: payments, tier: 1}\nsteps:\n" +
		"  - {id: promote, uses: noop}\n  - {id: approve, uses: approval, needs: [promote], with: {approvers: [group:dba-oncall]}}\n"
	for _, req := range []api.ScheduleRequest{
		{ID: "ready-checkout", Runbook: "checkout-failover", Mode: readiness.RecordMode, Every: "720h"},
		{ID: "ready-payments", Source: broken, Filename: "payments-failover.yaml", Mode: readiness.RecordMode, Every: "720h"},
	} {
		var sc api.Schedule
		require.NoError(t, c.Do(ctx, http.MethodPost, "/v1/schedules", req, &sc))
		assert.Equal(t, readiness.RecordMode, sc.Mode)
		require.NoError(t, c.Do(ctx, http.MethodPost, "/v1/schedules/"+req.ID+"/trigger", nil, nil))
	}
	var rd api.Readiness
	eventually(t, "both checks in the evidence store", time.Minute, func() bool {
		rd = api.Readiness{}
		if err := c.Do(ctx, http.MethodGet, "/v1/readiness", nil, &rd); err != nil {
			return false
		}
		n := 0
		for _, s := range rd.Services {
			if s.Readiness != nil {
				n++
			}
		}
		return n == 2
	})

	tab := d.tab(t)
	d.signIn(t, tab, "vic")
	d.visit(t, tab, "#/portfolio")
	d.waitJS(t, tab, "the readiness table", `document.querySelector('tr.ready-row') !== null`)
	states := eval[map[string]string](t, tab, `Object.fromEntries([...document.querySelectorAll('tr.ready-row')].map(r => [r.dataset.service, r.dataset.readiness]))`)
	assert.Equal(t, "not ready", states["payments"])
	assert.Equal(t, "ready", states["checkout"])
	assert.Equal(t, "not checked", states["orders"])
	text := eval[string](t, tab, `document.querySelector('tr.ready-row[data-service=payments]').innerText`)
	assert.Contains(t, text, `approve (approvers): approver group "dba-oncall" has no members`, "what broke")
	assert.Contains(t, text, "ago", "when it was checked")
	assert.Equal(t, "1", eval[string](t, tab, `document.querySelector('.kpi-not-ready .kpi-n').textContent`), "services not ready now")
	do(t, tab, chromedp.ScrollIntoView(`#ready-h`))
	d.shot(t, tab, "portfolio-readiness")
	assert.Empty(t, accessible(t, tab), "portfolio with readiness")
}
