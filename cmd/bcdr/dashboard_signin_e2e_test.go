package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/workflows"
)

// signInRunbooks are the runbooks of TestDashboardSignsInWithDevsLink: a drill whose
// approval has instructions that name a parameter, and a tabletop with an inject.
var signInRunbooks = map[string]string{
	"db-failover.yaml": `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: db-failover, service: orders-db, tier: 1}
objectives: {rto: 10m}
parameters:
  - {name: region, type: string, default: eu-west-1}
steps:
  - {id: check_replica, name: Check the replica keeps up, uses: noop}
  - id: approve
    name: Incident commander approves the promotion
    needs: [check_replica]
    uses: approval
    instructions: Confirm that ${{ params.region }} answers and that the replica's lag is under 5 s before you approve.
    with: {approvers: [group:incident-commanders]}
  - {id: promote, name: Promote the replica, uses: noop, needs: [approve]}
`,
	"region-tabletop.yaml": `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: region-tabletop, service: orders-db, tier: 1}
injects:
  - at: 0s
    title: Region down
    message: The primary region stopped answering at 08:40.
  - at: 2h
    title: Provider update
    message: The provider expects recovery in 4 hours.
steps:
  - id: triage
    name: Who leads
    uses: manual
    instructions: Who leads the call, and what do you check first?
  - id: decide
    name: Fail over or wait
    uses: manual
    needs: [triage]
    instructions: Do you fail over now or wait for the provider?
`,
}

// TestDashboardSignsInWithDevsLink starts plain `bcdr dev` (no token, no OIDC configured),
// opens the sign-in link it prints in Chromium and sees the run list, then writes the
// screenshots a reviewer asked for: a run page showing an approval's instructions
// (rendered), a tabletop's after-action report, and a scenario run.
func TestDashboardSignsInWithDevsLink(t *testing.T) {
	browser, errs := startChromium(t) // first: skip before paying for an engine
	e := newEnv(t)
	dir := filepath.Join(e.dir, "runbooks")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, src := range signInRunbooks {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600))
	}
	port, httpPort := freePort(t), freePort(t)
	httpAt := "127.0.0.1:" + strconv.Itoa(httpPort)
	dev := e.spawnDev(port, 0, httpAt)
	var link string
	printed := regexp.MustCompile(`sign in   (http://\S+/ui/#token=\S+)`)
	dev.eventually(t, "bcdr dev to print its sign-in link", time.Minute, func() bool {
		if m := printed.FindStringSubmatch(dev.logs.String()); m != nil {
			link = m[1]
		}
		return link != ""
	})
	require.True(t, strings.HasPrefix(link, "http://"+httpAt+"/ui/#token="), link)

	// A drill waiting for its approval, a tabletop played to its end, a scenario.
	drill := strings.TrimSpace(e.mustCLI("run", filepath.Join(dir, "db-failover.yaml"), "--mode", "drill"))
	eventually(t, "the drill to wait for its approval", time.Minute, func() bool { return len(e.status(drill).Pending) > 0 })
	tabletop := strings.TrimSpace(e.mustCLI("run", filepath.Join(dir, "region-tabletop.yaml"), "--mode", "tabletop", "--participant", "sre"))
	eventually(t, "the first prompt", time.Minute, func() bool { return len(e.status(tabletop).Pending) > 0 })
	e.vars["BCDR_IDENTITY_USER"] = "sre"
	e.mustCLI("complete", tabletop, "triage", "-m", "The duty SRE leads; we check the status page and the replication lag.")
	e.vars["BCDR_IDENTITY_USER"] = "alice" // the facilitator closes the prompts
	for !e.status(tabletop).State.Done() {
		if len(e.status(tabletop).Pending) > 0 {
			e.mustCLI("advance", tabletop)
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, workflows.RunSucceeded, e.status(tabletop).State)
	scenario := strings.TrimSpace(e.mustCLI("scenario", "run", "us-east-1-lost", "--catalogue", "../../runbooks/library/catalogue/driftwood-outfitters.yaml", "--mode", "tabletop"))
	eventually(t, "the scenario's first child runs", time.Minute, func() bool {
		for _, s := range e.status(scenario).Steps {
			if s.Status == workflows.StepRunning {
				return true
			}
		}
		return false
	})

	d := &dashEnv{env: e, base: "http://" + httpAt, shots: screenshotDir(t), browser: browser, errs: errs}
	t.Cleanup(func() { assert.Empty(t, d.errs.all(), "the pages logged errors") })
	ctx := d.tab(t)
	do(t, ctx, chromedp.Navigate(link))
	d.waitJS(t, ctx, "signed in as the local admin, on the run list", `document.getElementById('who-name').textContent === 'local-admin' && location.hash === '#/runs' && document.querySelectorAll('tr.run-row').length >= 3`)
	assert.NotContains(t, eval[string](t, ctx, `location.href`), "token=", "the token leaves the address bar")
	for _, id := range []string{drill, tabletop, scenario} {
		assert.True(t, eval[bool](t, ctx, `document.querySelector('tr.run-row[data-run=`+strconv.Quote(id)+`]') !== null`), "the run list shows %s", id)
	}
	d.shot(t, ctx, "signin-run-list")

	d.visit(t, ctx, "#/run/"+drill)
	d.waitJS(t, ctx, "the approval's instructions, rendered", `document.querySelector('li.task-approval[data-step=approve] p.prompt').innerText.includes('Confirm that eu-west-1 answers')`)
	d.shot(t, ctx, "run-instructions")

	d.visit(t, ctx, "#/run/"+tabletop+"/report")
	d.waitJS(t, ctx, "the after-action report", `document.querySelector('#main h1').textContent === 'After-action report: region-tabletop' && document.getElementById('main').innerText.includes('The duty SRE leads')`)
	// the prompt closed without an answer and the inject the exercise ended before are
	// listed as such, as in the Markdown report
	d.waitJS(t, ctx, "the unanswered prompt and the undelivered inject", `[...document.querySelectorAll('tr.prompt')].some(r => r.dataset.step === 'decide' && r.innerText.includes('no answer')) && [...document.querySelectorAll('tr.inject.undelivered')].some(r => r.innerText.includes('Provider update') && r.innerText.includes('not delivered'))`)
	d.shot(t, ctx, "tabletop-report")

	d.visit(t, ctx, "#/run/"+scenario)
	d.waitJS(t, ctx, "the scenario run", `document.querySelectorAll('tr.step').length > 1`)
	// a tabletop's clock is the exercise's time, never raced against the RTO target
	d.waitJS(t, ctx, "the exercise clock without an RTO target", `document.getElementById('clock-h').textContent === 'Exercise time' && !document.querySelector('.clock-value .target') && !document.querySelector('meter')`)
	d.shot(t, ctx, "scenario-run")

	// The run list's RTO column: the drill, approved, against its 10m target; the
	// tabletop measures none.
	e.vars["BCDR_IDENTITY_USER"] = "bob"
	e.mustCLI("approve", drill, "approve", "-m", "lag is 2 s, go")
	eventually(t, "the drill to end", time.Minute, func() bool { return e.status(drill).State.Done() })
	require.Equal(t, workflows.RunSucceeded, e.status(drill).State)
	d.visit(t, ctx, "#/runs?runbook=db-failover")
	d.waitJS(t, ctx, "the drill's RTO in the list", `/^\S+ of 10m met$/.test(document.querySelector('tr.run-row[data-run=`+strconv.Quote(drill)+`] td.rto').innerText.trim())`)
	d.visit(t, ctx, "#/runs?runbook=region-tabletop")
	d.waitJS(t, ctx, "the tabletop measures no RTO", `document.querySelector('tr.run-row[data-run=`+strconv.Quote(tabletop)+`] td.rto').innerText.trim() === 'not measured'`)
}
