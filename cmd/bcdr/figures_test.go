package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/api/dashboard/dashboardtest"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// stated is a figure as one surface states it: durations normalised ("" when the surface
// shows none), the verdict, and the reason it gives when the figure was not measured.
type stated struct {
	Actual, Target, Verdict, Reason string
}

// figureCase is a run whose record holds one RTO/RPO case, and the figures every surface
// must state for it.
type figureCase struct {
	name     string
	st       workflows.Status
	rto, rpo stated
}

// figureCases are the RTO/RPO cases: met, missed, a marker newer than the outage start
// (no data lost: a measured 0s), a marker that cannot be read, no marker declared, a
// failed run, a recovery that was not verified, a cancelled run, and a tabletop.
func figureCases(ended time.Time) []figureCase {
	t0 := ended.Add(-10 * time.Minute)
	base := func(name string, state workflows.RunState) workflows.Status {
		return workflows.Status{RunID: "run-" + name, Runbook: name, Service: name, Mode: workflows.ModeDrill, Initiator: "alice",
			State: state, StartedAt: t0, ClockStart: t0, EndedAt: ended, Elapsed: ended.Sub(t0),
			Steps: []workflows.StepState{{ID: "switch", Uses: "noop", Status: workflows.StepSucceeded, StartedAt: t0, EndedAt: t0.Add(time.Minute)}}}
	}
	measured := func(st workflows.Status, rto, rtoTarget time.Duration, markerAge, rpoTarget time.Duration) workflows.Status {
		st.RTOActual, st.RTOTarget, st.RecoveredAt = rto, rtoTarget, t0.Add(rto)
		st.RPOTarget, st.RPOMarkerAt = rpoTarget, t0.Add(-markerAge)
		if markerAge > 0 {
			st.RPOActual = markerAge
		}
		return st
	}
	var cs []figureCase
	add := func(st workflows.Status, rto, rpo stated) {
		cs = append(cs, figureCase{name: st.Runbook, st: st, rto: rto, rpo: rpo})
	}
	add(measured(base("met", workflows.RunSucceeded), 3*time.Minute, 5*time.Minute, 40*time.Second, time.Minute),
		stated{"3m0s", "5m0s", "met", ""}, stated{"40s", "1m0s", "met", ""})
	add(measured(base("missed", workflows.RunSucceeded), 7*time.Minute, 5*time.Minute, 2*time.Minute, time.Minute),
		stated{"7m0s", "5m0s", "missed", ""}, stated{"2m0s", "1m0s", "missed", ""})
	add(measured(base("marker-newer", workflows.RunSucceeded), 3*time.Minute, 5*time.Minute, -30*time.Second, 5*time.Second),
		stated{"3m0s", "5m0s", "met", ""}, stated{"0s", "5s", "met", ""})

	unreadable := measured(base("marker-unreadable", workflows.RunSucceeded), 4*time.Minute, 5*time.Minute, 0, time.Minute)
	unreadable.RPOMarkerAt, unreadable.RPOError = time.Time{}, `rpo_marker: "yesterday" is not an RFC 3339 time`
	add(unreadable, stated{"4m0s", "5m0s", "met", ""}, stated{"", "1m0s", "not measured", unreadable.RPOError})

	noMarker := measured(base("no-marker", workflows.RunSucceeded), 3*time.Minute, 0, 0, time.Minute)
	noMarker.RPOMarkerAt = time.Time{}
	add(noMarker, stated{"3m0s", "", "no target", ""}, stated{"", "1m0s", "not measured", "the runbook reads no canary marker (objectives.rpo_marker)"})

	failed := measured(base("failed", workflows.RunFailed), 0, 5*time.Minute, 10*time.Second, time.Minute)
	failed.Error, failed.RecoveredAt = "step switch: the replica is not available", time.Time{}
	add(failed, stated{"", "5m0s", "not measured", "the run failed before recovery was verified"}, stated{"10s", "1m0s", "met", ""})

	unverified := measured(base("unverified", workflows.RunFailed), 0, 5*time.Minute, 20*time.Second, time.Minute)
	unverified.Error, unverified.RecoveredAt = "recovery not verified: probe web: 503 Service Unavailable", time.Time{}
	add(unverified, stated{"", "5m0s", "not measured", unverified.Error}, stated{"20s", "1m0s", "met", ""})

	cancelled := base("cancelled", workflows.RunCancelled)
	cancelled.RTOTarget, cancelled.RPOTarget = 5*time.Minute, time.Minute
	cancelled.Error = "cancelled by bob: wrong region"
	cancelled.RPOError = "rpo_marker: no marker was read (the step did not run or returned nothing)"
	add(cancelled, stated{"", "5m0s", "not measured", "the run was cancelled before recovery was verified"},
		stated{"", "1m0s", "not measured", cancelled.RPOError})

	tabletop := base("tabletop", workflows.RunSucceeded)
	tabletop.Mode, tabletop.RTOActual, tabletop.RTOTarget, tabletop.RPOTarget = workflows.ModeTabletop, 9*time.Minute, 5*time.Minute, time.Minute
	add(tabletop, stated{"", "5m0s", "not measured", "a tabletop exercise changes no system, so it measures no recovery time"},
		stated{"", "1m0s", "not measured", "a tabletop exercise reads no canary marker, so it measures no data loss"})
	return cs
}

// TestFiguresAgreeOnEverySurface renders every RTO/RPO case on every surface that
// states it (bcdr status as text and JSON, bcdr watch, the evidence bundle's record,
// Markdown, HTML and JUnit, the dashboard's run page and report, the portfolio and the
// executive summary) and checks that each states the figures and verdicts of the record.
func TestFiguresAgreeOnEverySurface(t *testing.T) {
	ended := time.Now().UTC().Truncate(time.Second).Add(-24 * time.Hour)
	cases := figureCases(ended)
	store, err := evidence.NewFileStore(filepath.Join(t.TempDir(), "evidence"))
	require.NoError(t, err)
	records := map[string]json.RawMessage{}
	for _, c := range cases {
		_, err := store.Append(context.Background(), c.st)
		require.NoError(t, err)
		b, err := json.Marshal(c.st)
		require.NoError(t, err)
		records[c.st.RunID] = b
	}
	dash := renderDashboard(t, records, portfolioJSON(t, store, ended))

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := map[string]stated{"RTO": c.rto, "RPO": c.rpo}
			// check compares what a surface states with the record's figures, as far as
			// the surface states them (view: what it shows of a figure).
			tabletop := c.st.Mode == workflows.ModeTabletop
			check := func(surface string, got map[string]stated, view func(name string, s stated) stated) {
				t.Helper()
				for _, name := range []string{"RTO", "RPO"} {
					if g, ok := got[name]; assert.True(t, ok, "%s states no %s", surface, name) {
						assert.Equal(t, view(name, want[name]), g, "%s: %s", surface, name)
					}
				}
			}
			// A tabletop's after-action report has no objectives: it states no figure at all.
			checkReport := func(surface string, got map[string]stated, view func(name string, s stated) stated) {
				t.Helper()
				if tabletop {
					assert.Empty(t, got, "%s of a tabletop states no RTO or RPO", surface)
					return
				}
				check(surface, got, view)
			}
			all := func(_ string, s stated) stated { return s }

			var text bytes.Buffer
			require.NoError(t, printStatus(&text, c.st, "text"))
			check("bcdr status", statusFigures(t, text.String()), all)

			var js bytes.Buffer
			require.NoError(t, printStatus(&js, c.st, "json"))
			check("bcdr status -o json", jsonFigures(t, js.Bytes()), all)

			var watched bytes.Buffer
			_, err := watchPlain(context.Background(), &watched, func(context.Context) (workflows.Status, error) { return c.st, nil }, time.Millisecond)
			require.NoError(t, err)
			check("bcdr watch", statusFigures(t, watched.String()), all)

			b, _, err := store.Get(context.Background(), c.st.RunID)
			require.NoError(t, err)
			check("record.json", jsonFigures(t, b[evidence.RecordFile]), all)
			checkReport("report.md", markdownFigures(t, string(b[evidence.MarkdownFile])), all)
			checkReport("report.html", htmlFigures(t, string(b[evidence.HTMLFile])), all)
			checkReport("junit.xml", junitFigures(t, b[evidence.JUnitFile]), func(_ string, s stated) stated {
				return stated{Verdict: map[bool]string{true: "missed", false: "not missed"}[s.Verdict == "missed"]}
			})

			check("dashboard report", dashReportFigures(dash.Report[c.st.RunID]), all)
			check("dashboard run page", dashRunFigures(t, dash.Run[c.st.RunID]), func(name string, s stated) stated {
				if tabletop && name == "RTO" {
					// its clock is exercise time, never raced against the RTO target (issue 20:
					// never speak of RTO for a tabletop)
					return stated{Verdict: "exercise ended"}
				}
				return s
			})
			check("portfolio", latestFigures(t, dash.Portfolio[c.st.Service]), func(_ string, s stated) stated {
				if s.Verdict == "not measured" {
					return stated{Verdict: s.Verdict} // "—"
				}
				return stated{Actual: s.Actual, Target: s.Target, Verdict: s.Verdict}
			})
			if tabletop {
				assert.NotContains(t, dash.Summary, c.st.Service, "a tabletop is no drill: not in the executive summary")
				return
			}
			check("executive summary", summaryFigures(t, dash.Summary[c.st.Service]), func(_ string, s stated) stated {
				if s.Verdict == "met" || s.Verdict == "missed" {
					return stated{Verdict: s.Verdict}
				}
				return stated{Verdict: "not judged"}
			})
		})
	}
}

// norm writes a duration as Go does ("3m0s"), from Go's or the dashboard's form ("3m 00s",
// "0ms"); "" for none ("-", "—").
func norm(t *testing.T, s string) string {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" || s == "—" {
		return ""
	}
	d, err := time.ParseDuration(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err, "a duration: %q", s)
	return d.String()
}

var (
	measuredLine   = regexp.MustCompile(`^(\S+) actual / (\S+) target(?:  \((met|MISSED)\))?`)
	unmeasuredLine = regexp.MustCompile(`^not measured: (.*?)(?: \(target (\S+)\))?$`)
)

// statusFigures reads the RTO and RPO lines of bcdr status and bcdr watch.
func statusFigures(t *testing.T, out string) map[string]stated {
	got := map[string]stated{}
	for _, line := range strings.Split(out, "\n") {
		name, rest, ok := strings.Cut(line, " ")
		if name != "RTO" && name != "RPO" || !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if m := unmeasuredLine.FindStringSubmatch(rest); m != nil {
			got[name] = stated{Target: norm(t, m[2]), Verdict: "not measured", Reason: m[1]}
			continue
		}
		m := measuredLine.FindStringSubmatch(rest)
		require.NotNil(t, m, "a figure line: %q", line)
		s := stated{Actual: norm(t, m[1]), Target: norm(t, m[2]), Verdict: strings.ToLower(m[3])}
		if s.Verdict == "" {
			s.Verdict = "no target"
		}
		got[name] = s
	}
	return got
}

// jsonFigures reads the "rto" and "rpo" figures of a record as JSON.
func jsonFigures(t *testing.T, b []byte) map[string]stated {
	var v struct{ RTO, RPO *runbooks.Figure }
	require.NoError(t, json.Unmarshal(b, &v))
	got := map[string]stated{}
	for name, f := range map[string]*runbooks.Figure{"RTO": v.RTO, "RPO": v.RPO} {
		if f == nil {
			continue
		}
		s := stated{Target: norm(t, durOrNone(f.Target)), Verdict: string(f.Verdict), Reason: f.Reason}
		if f.Measured {
			s.Actual = f.Actual.String()
		}
		got[name] = s
	}
	return got
}

func durOrNone(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// tableFigures reads rows of name, target, actual, verdict, note.
func tableFigures(t *testing.T, rows [][]string) map[string]stated {
	got := map[string]stated{}
	for _, r := range rows {
		s := stated{Target: norm(t, r[1]), Actual: norm(t, r[2]), Verdict: strings.ToLower(r[3])}
		if s.Verdict == "not measured" {
			s.Reason = r[4]
		}
		got[r[0]] = s
	}
	return got
}

var mdObjective = regexp.MustCompile(`(?m)^\| (RTO|RPO) \| (.*?) \| (.*?) \| (.*?) \| (.*?) \|$`)

func markdownFigures(t *testing.T, md string) map[string]stated {
	var rows [][]string
	for _, m := range mdObjective.FindAllStringSubmatch(md, -1) {
		rows = append(rows, []string{m[1], m[2], m[3], m[4], html.UnescapeString(strings.ReplaceAll(m[5], `\|`, "|"))})
	}
	return tableFigures(t, rows)
}

var htmlObjective = regexp.MustCompile(`<tr><th>(RTO|RPO)</th><td>(.*?)</td><td>(.*?)</td><td class="[^"]*">(.*?)</td><td>(.*?)</td></tr>`)

func htmlFigures(t *testing.T, page string) map[string]stated {
	var rows [][]string
	for _, m := range htmlObjective.FindAllStringSubmatch(page, -1) {
		rows = append(rows, []string{m[1], html.UnescapeString(m[2]), html.UnescapeString(m[3]), html.UnescapeString(m[4]), html.UnescapeString(m[5])})
	}
	return tableFigures(t, rows)
}

// junitFigures reads the objectives' test cases: a failure is a missed objective.
func junitFigures(t *testing.T, b []byte) map[string]stated {
	var v struct {
		Suites []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b, &v))
	got := map[string]stated{}
	for _, c := range v.Suites[0].Cases {
		if name, ok := strings.CutSuffix(c.Name, " objective"); ok {
			got[name] = stated{Verdict: map[bool]string{true: "missed", false: "not missed"}[c.Failure != nil]}
		}
	}
	return got
}

// renderedDashboard is what the dashboard's views state, as render.mjs reads them.
type renderedDashboard struct {
	Run       map[string]struct{ Clock, Value, RPO string }
	Report    map[string]map[string][]string
	Portfolio map[string]struct{ RTO, RPO string }
	Summary   map[string]struct{ RTO, RPO string }
}

// renderDashboard renders the dashboard's views in Node from the API's answers.
func renderDashboard(t *testing.T, runs map[string]json.RawMessage, portfolio json.RawMessage) renderedDashboard {
	var d renderedDashboard
	dashboardtest.Render(t, map[string]any{"runs": runs, "portfolio": portfolio}, &d)
	return d
}

// portfolioJSON is GET /v1/portfolio over the evidence store, with a catalogue of one
// service per case, each recovered by the runbook of the case's name.
func portfolioJSON(t *testing.T, store *evidence.Store, now time.Time) json.RawMessage {
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	engine := &mocks.Client{}
	engine.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil)
	src := "apiVersion: bcdr.io/v1\nkind: Catalogue\nmetadata: {name: figures, owner: group:bcm}\ntiers: [{tier: 1}]\nservices:\n"
	fsys := fstest.MapFS{}
	for _, c := range figureCases(now) {
		src += fmt.Sprintf("  - {name: %s, owner: group:bcm, tier: 1, runbooks: [{path: %s.yaml, disruptions: region}]}\n", c.st.Service, c.st.Runbook)
		fsys[c.st.Runbook+".yaml"] = &fstest.MapFile{Data: []byte("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: " + c.st.Runbook + "}\nsteps:\n  - {id: switch, uses: noop}\n")}
	}
	cat := func() (*catalogue.Catalogue, catalogue.Runbooks, error) {
		c, rbs, diags := catalogue.Check("catalogue.yaml", []byte(src), func(path string) (*runbooks.Runbook, error) {
			rb, diags := runbooks.Load(fsys, path, reg)
			return rb, diags.Err()
		})
		return c, rbs, diags.Err()
	}
	s := api.New(api.Options{Client: engine, Registry: reg, Evidence: store, Now: func() time.Time { return now }, Catalogue: cat,
		Auth: api.NewAuthenticator(api.Auth{Tokens: []api.Token{{Name: "vic", Hash: api.HashToken("viewer"), Roles: []string{"viewer"}}}}, nil, nil)})
	r := httptest.NewRequest("GET", "/v1/portfolio", nil)
	r.Header.Set("Authorization", "Bearer viewer")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	return w.Body.Bytes()
}

// dashReportFigures reads the report page's objectives: actual, target, and the verdict
// followed by the reason (not measured) or the note (measured).
func dashReportFigures(rows map[string][]string) map[string]stated {
	got := map[string]stated{}
	for name, c := range rows {
		s := stated{Actual: normOrKeep(c[0]), Target: normOrKeep(c[1])}
		for _, v := range []string{"met", "missed", "no target", "not measured"} {
			if rest, ok := strings.CutPrefix(c[2], v); ok {
				s.Verdict = v
				if v == "not measured" {
					s.Reason = strings.TrimSpace(rest)
				}
				break
			}
		}
		got[name] = s
	}
	return got
}

func normOrKeep(s string) string {
	s = strings.TrimSpace(s)
	if s == "—" || s == "" {
		return ""
	}
	if d, err := time.ParseDuration(strings.ReplaceAll(s, " ", "")); err == nil {
		return d.String()
	}
	return s
}

var (
	dashRPOMeasured   = regexp.MustCompile(`^RPO (.+?)(?: of (.+?) target)? (met|missed|no target)$`)
	dashRPOUnmeasured = regexp.MustCompile(`^RPO not measured: (.*?)(?: \(target (.+)\))?$`)
)

// dashRunFigures reads the run page's clock (value "3m 00s of 5m 00s target" and the
// verdict under it: the RTO once the run ended) and its RPO line.
func dashRunFigures(t *testing.T, r struct{ Clock, Value, RPO string }) map[string]stated {
	got := map[string]stated{}
	value, target, _ := strings.Cut(r.Value, " of ")
	rto := stated{Target: normOrKeep(strings.TrimSuffix(target, " target"))}
	if reason, ok := strings.CutPrefix(r.Clock, "RTO not measured: "); ok {
		rto.Verdict, rto.Reason = "not measured", reason
	} else {
		rto.Verdict = r.Clock
		for _, v := range []string{"met", "missed", "no target"} {
			if strings.HasPrefix(r.Clock, v) {
				rto.Actual, rto.Verdict = norm(t, value), v
			}
		}
	}
	got["RTO"] = rto
	switch m, u := dashRPOMeasured.FindStringSubmatch(r.RPO), dashRPOUnmeasured.FindStringSubmatch(r.RPO); {
	case m != nil:
		got["RPO"] = stated{Actual: norm(t, m[1]), Target: normOrKeep(m[2]), Verdict: m[3]}
	case u != nil:
		got["RPO"] = stated{Target: normOrKeep(u[2]), Verdict: "not measured", Reason: u[1]}
	default:
		t.Errorf("the run page states no RPO: %q", r.RPO)
	}
	return got
}

var latestCell = regexp.MustCompile(`^(.+?)(?: / (.+?))?(?: (met|missed))?$`)

// latestFigures reads the portfolio's "Latest RTO" and "Latest RPO" cells: the newest
// measured figure with its verdict, or "—" when none was measured.
func latestFigures(t *testing.T, cells struct{ RTO, RPO string }) map[string]stated {
	got := map[string]stated{}
	for name, cell := range map[string]string{"RTO": cells.RTO, "RPO": cells.RPO} {
		if cell == "—" {
			got[name] = stated{Verdict: "not measured"}
			continue
		}
		m := latestCell.FindStringSubmatch(cell)
		require.NotNil(t, m, "a latest figure: %q", cell)
		s := stated{Actual: norm(t, m[1]), Target: normOrKeep(m[2]), Verdict: m[3]}
		if s.Verdict == "" {
			s.Verdict = "no target"
		}
		got[name] = s
	}
	return got
}

// summaryFigures reads the executive summary's "RTO met" and "RPO met" cells for a
// service with one run: "1 of 1" met, "0 of 1" missed, "0 of 0" not judged.
func summaryFigures(t *testing.T, cells struct{ RTO, RPO string }) map[string]stated {
	got := map[string]stated{}
	for name, cell := range map[string]string{"RTO": cells.RTO, "RPO": cells.RPO} {
		switch cell {
		case "1 of 1":
			got[name] = stated{Verdict: "met"}
		case "0 of 1":
			got[name] = stated{Verdict: "missed"}
		case "0 of 0":
			got[name] = stated{Verdict: "not judged"}
		default:
			t.Errorf("executive summary %s: %q", name, cell)
		}
	}
	return got
}
