package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/deploy"
	"github.com/bcdr/bcdr/workflows"
)

// The README's commands are run by TestReadmeFirstHour against a fresh `bcdr dev --demo`
// on a fresh data folder, as a new user would type them: each is taken from the README
// by its prefix (a renamed flag or command there fails the test). readmeNotRun lists, by
// prefix, the README's command lines this test does not run and why; a README command in
// neither fails TestReadmeFirstHour.
var readmeNotRun = map[string]string{
	"make ":                     "make itself; make test runs these tests, make demo runs `bcdr demo` (TestDemoRunsEndToEnd)",
	"bin/bcdr run  FILE":        "the command's syntax; the concrete drill line after it is run",
	"bin/bcdr pause|resume":     "the controls' syntax (TestControls* run each control)",
	"bin/bcdr check FILE...":    "the command's syntax (TestCheckDemoRunbook checks the demo runbook)",
	"bin/bcdr catalogue import": "a Backstage catalogue of the reader's (TestCatalogueImportBackstage, TestImportBackstageTree)",
	"bin/bcdr import ":          "another tool's file of the reader's (TestImportChaosToolkitRunsAsDrill, runbooks/convert tests)",
	"temporal operator":         "Temporal's own CLI on a production cluster; bcdr dev creates the search attributes itself",
	"bin/bcdr improvements ":    "the commands' syntax (TestImprovementsCommandBothWays runs list, show and update, directly and through a server)",
	"bin/bcdr bcp ":             "the plan of the reader's catalogue (TestBCPCommand writes it through the CLI; TestPlanPDFRendersPages prints the PDF in Chromium)",
	"bin/bcdr compliance ":      "a pack over the reader's evidence (TestCompliancePackOverTheSample makes one over the sample through the CLI)",
}

const readmePath = "../../README.md"

// readme hands out the README's command lines by prefix and remembers which it gave.
type readme struct {
	t     *testing.T
	lines []string
	taken map[string]bool
}

func newReadme(t *testing.T) *readme {
	md, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	r := &readme{t: t, lines: deploy.GuideCommands(md, ""), taken: map[string]bool{}}
	require.NotEmpty(t, r.lines)
	return r
}

// line returns the one README command line starting with prefix.
func (r *readme) line(prefix string) string {
	r.t.Helper()
	var found []string
	for _, l := range r.lines {
		if strings.HasPrefix(l, prefix) {
			found = append(found, l)
		}
	}
	require.Len(r.t, found, 1, "the README has one command starting with %q: %q", prefix, found)
	r.taken[found[0]] = true
	return found[0]
}

// args returns the arguments of the README command starting with prefix, without the
// program name and output redirection, each word replaced as sub says.
func (r *readme) args(prefix string, sub map[string]string) []string {
	r.t.Helper()
	line, _, _ := strings.Cut(r.line(prefix), " > ")
	words := deploy.Args(line)
	if words[0] == "bin/bcdr" || words[0] == "bcdr" {
		words = words[1:]
	}
	for i, w := range words {
		if v, ok := sub[w]; ok {
			words[i] = v
		}
	}
	return words
}

// variants expands a README command's optional parts: "plan F [--output json|mermaid|dot]"
// is "plan F", "plan F --output json", "plan F --output mermaid" and "plan F --output dot".
func variants(words []string) [][]string {
	var base []string
	var groups [][]string
	for i := 0; i < len(words); i++ {
		if !strings.HasPrefix(words[i], "[") {
			base = append(base, words[i])
			continue
		}
		var g []string
		for ; i < len(words); i++ {
			w := strings.TrimPrefix(words[i], "[")
			end := strings.HasSuffix(w, "]")
			g = append(g, strings.TrimSuffix(w, "]"))
			if end {
				break
			}
		}
		groups = append(groups, g)
	}
	out := [][]string{base}
	for _, g := range groups {
		last := g[len(g)-1]
		for _, alt := range strings.Split(last, "|") {
			v := append(append([]string{}, base...), g[:len(g)-1]...)
			out = append(out, append(v, alt))
		}
	}
	return out
}

// TestReadmeFirstHour runs the README's first hour on a fresh `bcdr dev --demo`: validate,
// plan and document the demo runbook, run it as a drill, look at it, approve it, start a
// second drill with the README's curl and approve the first through the server, watch
// both end, list, report and verify the evidence, the catalogue and scenario commands,
// coverage and schedules.
func TestReadmeFirstHour(t *testing.T) {
	r := newReadme(t)
	e := newEnv(t)
	// The one configuration a new user adds: the dev sign-in's admin among the
	// approvers, so that the README's approval through the server may approve.
	require.NoError(t, os.WriteFile(e.vars["BCDR_CONFIG"], []byte("groups:\n  incident-commanders: [alice, bob, local-admin]\n"), 0o600))
	t.Chdir("../..") // the README's paths are the repository's

	// bcdr dev --demo, with the engine and the HTTP server on free ports (the demo web
	// service listens where the runbook's defaults say).
	port, httpPort := freePort(t), freePort(t)
	e.vars["BCDR_TEMPORAL_ADDRESS"] = "127.0.0.1:" + strconv.Itoa(port)
	httpAt := "127.0.0.1:" + strconv.Itoa(httpPort)
	dev := e.spawn(append(r.args("bin/bcdr dev", nil), "--port", strconv.Itoa(port), "--ui-port", "0", "--http", httpAt)...)
	var token string
	signIn := regexp.MustCompile(`sign in   http://` + regexp.QuoteMeta(httpAt) + `/ui/#token=(\S+)`)
	dev.eventually(t, "bcdr dev --demo to print its sign-in link", time.Minute, func() bool {
		if m := signIn.FindStringSubmatch(dev.logs.String()); m != nil {
			token = m[1]
		}
		return token != "" && strings.Contains(dev.logs.String(), "demo      router http://127.0.0.1:18080")
	})

	files, err := filepath.Glob("runbooks/library/*.yaml")
	require.NoError(t, err)
	validate := r.args("bin/bcdr validate", nil)
	out := e.mustCLI(append(validate[:len(validate)-1], files...)...)
	assert.Contains(t, out, "runbooks/library/demo-failover.yaml: valid")
	for _, v := range variants(r.args("bin/bcdr plan", nil)) {
		assert.NotEmpty(t, e.mustCLI(v...), "%v", v)
	}
	assert.Contains(t, e.mustCLI(r.args("bin/bcdr doc", nil)...), "Incident commander approves the failover")

	// The drill, as alice (identity.user), against the demo service.
	run1 := strings.TrimSpace(e.mustCLI(r.args("bin/bcdr run  runbooks/library/demo-failover.yaml", nil)...))
	require.Regexp(t, `^demo-failover-\S+$`, run1)
	eventually(t, "the drill to wait for its approval", time.Minute, func() bool {
		st := e.status(run1)
		require.False(t, st.State.Done(), "the drill ended before its approval: %s %s", st.State, st.Error)
		return len(st.Pending) > 0
	})
	status := r.args("bin/bcdr status", map[string]string{"RUN": run1})
	out = e.mustCLI(status...)
	assert.Contains(t, out, "approve_failover")
	assert.Contains(t, out, "Check the incident channel", "the approver sees the step's instructions")

	// The API: a token, a drill started with curl, an approval through the server.
	assert.Contains(t, e.mustCLI(r.args("bcdr token new", nil)...), "sha256:")
	curl := r.args("curl", nil)
	req := curlRequest(t, curl, map[string]string{"$TOKEN": token, "127.0.0.1:8080": httpAt})
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var ref struct {
		RunID string `json:"runId"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ref))
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	run2 := ref.RunID
	require.NotEmpty(t, run2)

	remote := r.args("BCDR_SERVER_URL=", map[string]string{"RUN": run1, "STEP": "approve_failover"})
	for len(remote) > 0 && strings.HasPrefix(remote[0], "BCDR_") {
		k, v, _ := strings.Cut(remote[0], "=")
		e.vars[k] = strings.NewReplacer("$TOKEN", token, "127.0.0.1:8080", httpAt).Replace(v)
		remote = remote[1:]
	}
	require.Equal(t, "bcdr", remote[0])
	e.mustCLI(remote[1:]...)
	delete(e.vars, "BCDR_SERVER_URL")
	delete(e.vars, "BCDR_SERVER_TOKEN")
	// The second drill, started as the dev admin, is approved by bob on the command line.
	eventually(t, "the second drill to wait for its approval", time.Minute, func() bool { return len(e.status(run2).Pending) > 0 })
	e.mustCLI(r.args("bin/bcdr approve", map[string]string{"RUN": run2, "STEP": "approve_failover"})...)

	for _, id := range []string{run1, run2} {
		e.mustCLI(r.args("bcdr watch", map[string]string{"RUN": id})...)
		st := e.status(id)
		require.Equal(t, workflows.RunSucceeded, st.State, "%s: %s", id, st.Error)
	}
	assert.Contains(t, e.mustCLI(status...), "succeeded")
	out = e.mustCLI(r.args("bin/bcdr runs", nil)...)
	assert.Contains(t, out, run1)
	assert.Contains(t, out, run2)
	// The RTO column: the record's figure against the runbook's 5m target.
	assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(run1)+`\s.*\s\S+/5m met$`, out)
	outFile := filepath.Join(e.dir, "report.out")
	for _, v := range variants(r.args("bin/bcdr report", map[string]string{"RUN": run1, "FILE": outFile})) {
		for i, w := range v { // "[--out FILE]" is expanded by variants, after r.args substituted whole words
			if w == "FILE" {
				v[i] = outFile
			}
		}
		assert.NotEmpty(t, e.mustCLI(v...)+readIf(outFile), "%v", v)
	}
	_, statErr := os.Stat("FILE")
	assert.True(t, os.IsNotExist(statErr), "the README test writes nothing into the repository")
	assert.Contains(t, e.mustCLI(r.args("bin/bcdr evidence list", nil)...), run1)
	e.mustCLI(r.args("bin/bcdr evidence verify", nil)...)
	assert.Contains(t, e.mustCLI(r.args("bin/bcdr demo", nil)...), "drill")

	// The catalogue, its scenarios and coverage.
	c := strings.TrimPrefix(r.line("C="), "C=")
	cat := map[string]string{"$C": c}
	assert.Contains(t, e.mustCLI(r.args("bin/bcdr catalogue validate", cat)...), "valid")
	assert.Contains(t, e.mustCLI(r.args("bin/bcdr catalogue services", cat)...), "storefront")
	assert.Contains(t, e.mustCLI(r.args("bin/bcdr scenario list", cat)...), "us-east-1-lost")
	for _, v := range variants(r.args("bin/bcdr scenario plan", cat)) {
		assert.NotEmpty(t, e.mustCLI(v...), "%v", v)
	}
	cat["drill|tabletop|live"] = "tabletop"
	scenario := strings.TrimSpace(e.mustCLI(variants(r.args("bin/bcdr scenario run", cat))[0]...))
	assert.NotEmpty(t, scenario)
	for _, v := range variants(r.args("bin/bcdr coverage", cat)) {
		assert.NotEmpty(t, e.mustCLI(v...), "%v", v)
	}

	// Schedules.
	create := r.args("bcdr schedule create", nil)
	schedule := create[2]
	assert.Contains(t, e.mustCLI(create...), "schedule "+schedule)
	// "bcdr schedule list | show ID | pause ID | ...": each subcommand, on the schedule made.
	for _, part := range strings.Split(r.line("bcdr schedule list | show ID"), "|") {
		words := strings.Fields(part)
		if words[0] == "bcdr" {
			words = words[1:] // "bcdr schedule list"
		} else {
			words = append([]string{"schedule"}, words...)
		}
		for i, w := range words {
			if w == "ID" {
				words[i] = schedule
			}
		}
		e.mustCLI(words...)
	}
	// A readiness schedule of the demo runbook, made through the server like the others.
	out = e.mustCLI(r.args("bcdr check --schedule", nil)...)
	assert.Contains(t, out, "schedule readiness-demo-failover: readiness checks of demo-failover (live steps) every 30m")

	// Exit status 1: the library's other services were never drilled here.
	out, errOut, code := e.cli(r.args("bcdr schedule overdue", nil)...)
	assert.Equal(t, 1, code, "%s%s", out, errOut)
	assert.Regexp(t, `(?m)^demo-web\s+1\s+90d\s.*\sfalse$`, out, "the demo drills count for demo-web; its tier's cadence in the one format")

	// Every README command is run above or said not to be.
	for _, l := range r.lines {
		if r.taken[l] {
			continue
		}
		why := ""
		for p, w := range readmeNotRun {
			if strings.HasPrefix(l, p) {
				why = w
			}
		}
		assert.NotEmpty(t, why, "the README's %q is neither run by TestReadmeFirstHour nor listed in readmeNotRun", l)
	}
}

// curlRequest builds the request a README curl line makes, words replaced as sub says.
func curlRequest(t *testing.T, words []string, sub map[string]string) *http.Request {
	t.Helper()
	rep := func(s string) string {
		for k, v := range sub {
			s = strings.ReplaceAll(s, k, v)
		}
		return s
	}
	headers := http.Header{}
	var body, url string
	for i := 1; i < len(words); i++ {
		switch words[i] {
		case "-H":
			i++
			k, v, ok := strings.Cut(rep(words[i]), ":")
			require.True(t, ok, words[i])
			headers.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case "-d":
			i++
			body = rep(words[i])
		default:
			require.True(t, strings.HasPrefix(words[i], "http"), "a curl option this test does not know: %s", words[i])
			url = rep(words[i])
		}
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header = headers
	return req
}

func readIf(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
