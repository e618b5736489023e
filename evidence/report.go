package evidence

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// Report is a run's record arranged for people: what ran when, who decided what, how
// recovery measured against its objectives, and what was learned. A tabletop's report
// (the after-action report) measures no recovery: it has no objectives, and says instead
// which prompts were answered, how fast, and which injects were delivered.
type Report struct {
	St         workflows.Status
	Title      string
	Objectives []ObjectiveRow
	Timeline   []TimelineRow
	Decisions  []DecisionRow
	// Refused are the decisions and operator actions the run refused, by time: who
	// asked, for what, and why not. A refusal changed nothing, but an auditor sees it.
	Refused  []DecisionRow
	Tabletop bool
	// Prompts are a tabletop's steps as prompts: answered or not, and how fast.
	Prompts []PromptRow
	// Answered counts the prompts with at least one answer.
	Answered int
	// Injects are a tabletop's injects on its timeline, delivered or not.
	Injects []InjectRow
	// Delivered counts the injects delivered.
	Delivered int
}

// PromptRow is one tabletop prompt: who answered it and how long the first answer took.
type PromptRow struct {
	Step, Name, FirstAnswer, Answers string
}

// InjectRow is one tabletop inject: when it was due and when (whether) it was delivered.
type InjectRow struct {
	Due, Delivered, Title, Message string
}

// ObjectiveRow is RTO or RPO, target against actual, as the record's figure states it.
type ObjectiveRow struct {
	Name, Target, Actual, Verdict, Note string
	Missed                              bool
}

// TimelineRow is one step.
type TimelineRow struct {
	Step, Name, Kind, Status, Start, Took, Tries, Note string
}

// DecisionRow is an approval, an answer, a completed task or an operator action.
type DecisionRow struct {
	At, Who, What, Step, Comment string
	// Latency is the time from the question to this answer (tabletop prompts, approvals).
	Latency string
	when    time.Time // the rows are listed by it, not by their text
}

// NewReport arranges a record.
func NewReport(st workflows.Status) *Report {
	r := &Report{St: st, Tabletop: st.Mode == workflows.ModeTabletop}
	switch {
	case r.Tabletop:
		r.Title = "After-action report: " + st.Runbook + " (tabletop exercise)"
	case st.Mode == workflows.ModeDrill:
		r.Title = "Drill report: " + st.Runbook
	default:
		r.Title = "Recovery report: " + st.Runbook
	}
	if !r.Tabletop {
		r.Objectives = objectives(st)
	}
	for _, s := range st.Steps {
		r.Timeline = append(r.Timeline, timelineRow(st, s))
		r.Decisions = append(r.Decisions, decisions(st, s)...)
	}
	for _, a := range st.Actions {
		r.Decisions = append(r.Decisions, DecisionRow{At: offset(st, a.At), Who: a.By, What: a.Action, Step: a.Step, Comment: a.Comment, when: a.At})
	}
	sort.SliceStable(r.Decisions, func(i, j int) bool { return r.Decisions[i].when.Before(r.Decisions[j].when) })
	for _, f := range st.Refusals {
		r.Refused = append(r.Refused, DecisionRow{At: offset(st, f.At), Who: f.By, What: f.Action, Step: f.Step, Comment: f.Reason, when: f.At})
	}
	sort.SliceStable(r.Refused, func(i, j int) bool { return r.Refused[i].when.Before(r.Refused[j].when) })
	if r.Tabletop {
		r.tabletop()
	}
	return r
}

// tabletop lists the prompts (answered or not, time to the first answer) and the injects
// (delivered or not) of a tabletop exercise.
func (r *Report) tabletop() {
	st := r.St
	for _, s := range st.Steps {
		if s.OpenedAt.IsZero() && s.StartedAt.IsZero() {
			continue // never put to the participants (a step whose condition was false)
		}
		row := PromptRow{Step: s.ID, Name: orDash(s.Name), FirstAnswer: "-", Answers: "no answer"}
		if s.Name == "" {
			row.Name = s.ID
		}
		if n := len(s.Decisions); n > 0 {
			r.Answered++
			row.FirstAnswer, row.Answers = dur(s.Decisions[0].At.Sub(asked(s))), fmt.Sprint(n)
		}
		r.Prompts = append(r.Prompts, row)
	}
	for _, in := range st.Injects {
		r.Delivered++
		r.Injects = append(r.Injects, InjectRow{Due: dur(in.Due), Delivered: offset(st, in.DeliveredAt), Title: in.Title, Message: in.Message})
	}
	for _, in := range st.UndeliveredInjects {
		r.Injects = append(r.Injects, InjectRow{Due: dur(in.Due), Delivered: "not delivered", Title: in.Title, Message: in.Message})
	}
}

// unanswered reports whether a tabletop prompt was closed (advanced) without an answer.
func unanswered(st workflows.Status, s workflows.StepState) bool {
	return st.Mode == workflows.ModeTabletop && s.Status == workflows.StepSucceeded && len(s.Decisions) == 0
}

// asked is when a step's question was put: a tabletop prompt's opening, else its start.
func asked(s workflows.StepState) time.Time {
	if !s.OpenedAt.IsZero() {
		return s.OpenedAt
	}
	return s.StartedAt
}

// objectives renders the record's figures (workflows.Status.RTO and RPO) as they are.
func objectives(st workflows.Status) []ObjectiveRow {
	return []ObjectiveRow{objectiveRow("RTO", st.RTO()), objectiveRow("RPO", st.RPO())}
}

func objectiveRow(name string, f runbooks.Figure) ObjectiveRow {
	row := ObjectiveRow{Name: name, Target: dur(f.Target), Actual: "-", Verdict: string(f.Verdict), Note: f.Note, Missed: f.Verdict == runbooks.VerdictMissed}
	if f.Measured {
		row.Actual = measured(f.Actual)
	} else {
		row.Note = f.Reason
	}
	return row
}

// measured writes a measured duration; zero is a figure ("0s"), not an absence.
func measured(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return dur(d)
}

func timelineRow(st workflows.Status, s workflows.StepState) TimelineRow {
	row := TimelineRow{Step: s.ID, Name: s.Name, Kind: s.Uses, Status: string(s.Status)}
	if !s.StartedAt.IsZero() {
		row.Start = offset(st, s.StartedAt)
		if !s.EndedAt.IsZero() {
			row.Took = dur(s.EndedAt.Sub(s.StartedAt))
		}
	}
	if s.Attempts > 0 {
		row.Tries = fmt.Sprint(s.Attempts)
	}
	var notes []string
	if unanswered(st, s) {
		row.Status = "no answer"
		notes = append(notes, "closed without an answer")
	}
	if s.Drill {
		notes = append(notes, "drill variant")
	}
	if s.Reason != "" {
		notes = append(notes, s.Reason)
	}
	if s.Error != "" {
		notes = append(notes, "error: "+s.Error)
	}
	for _, c := range []struct {
		what string
		rs   *workflows.RollbackState
	}{{"rollback", s.Rollback}, {"cleanup", s.Cleanup}} {
		if c.rs == nil {
			continue
		}
		if c.rs.Error != "" {
			notes = append(notes, c.what+" FAILED: "+c.rs.Error)
		} else {
			notes = append(notes, c.what+" done ("+c.rs.Uses+")")
		}
	}
	row.Note = strings.Join(notes, "; ")
	return row
}

func decisions(st workflows.Status, s workflows.StepState) []DecisionRow {
	var rows []DecisionRow
	for _, d := range s.Decisions {
		rows = append(rows, DecisionRow{At: offset(st, d.At), Who: d.By, What: d.Verb(st.Mode, s.Uses), Step: s.ID, Comment: d.Comment,
			Latency: dur(d.At.Sub(asked(s))), when: d.At})
	}
	return rows
}

func offset(st workflows.Status, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if d := t.Sub(st.StartedAt); d != 0 {
		return "+" + dur(d)
	}
	return "+0s"
}

// dur prints a duration in bcdr's one human format ("3m47s", "1h30m", "90d"); zero is "-".
func dur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return runbooks.FormatDuration(d)
}

// WriteMarkdown writes the report as Markdown.
func (r *Report) WriteMarkdown(w io.Writer) error {
	st := r.St
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# %s\n\n", r.Title)
	p("| | |\n|---|---|\n")
	p("| run | `%s` |\n| runbook | %s %s (`%s`) |\n", st.RunID, mdEscape(st.Runbook), mdEscape(st.Version), st.Digest)
	if st.Service != "" {
		p("| service | %s |\n", mdEscape(st.Service))
	}
	p("| mode | %s |\n| started by | %s (%s) |\n| state | **%s** |\n", st.Mode, mdEscape(st.Initiator), mdEscape(orDash(st.Trigger)), strings.ToUpper(string(st.State)))
	if u := st.Unproven(); u != "" {
		p("| unproven | **%s** |\n", mdEscape(u))
	}
	p("| started | %s |\n| ended | %s |\n\n", stamp(st.StartedAt), stamp(st.EndedAt))
	if st.Error != "" {
		p("**Error:** %s\n\n", mdEscape(st.Error))
	}
	if len(r.Objectives) > 0 {
		p("## Objectives\n\n| | target | actual | | |\n|---|---|---|---|---|\n")
		for _, o := range r.Objectives {
			p("| %s | %s | %s | %s | %s |\n", o.Name, o.Target, o.Actual, o.Verdict, mdEscape(o.Note))
		}
		p("\n")
	}
	p("## Timeline\n\n| step | kind | status | start | took | tries | notes |\n|---|---|---|---|---|---|---|\n")
	for _, t := range r.Timeline {
		p("| %s | %s | %s | %s | %s | %s | %s |\n", t.Step, t.Kind, t.Status, t.Start, t.Took, t.Tries, mdEscape(t.Note))
	}
	p("\n")
	if len(r.Prompts) > 0 {
		p("## Prompts\n\n%d of %d prompts answered.\n\n| step | prompt | first answer after | answers |\n|---|---|---|---|\n", r.Answered, len(r.Prompts))
		for _, pr := range r.Prompts {
			p("| %s | %s | %s | %s |\n", pr.Step, mdEscape(pr.Name), pr.FirstAnswer, pr.Answers)
		}
		p("\n")
	}
	if len(r.Injects) > 0 {
		p("## Injects\n\n%d of %d injects delivered.\n\n| due | delivered | inject |\n|---|---|---|\n", r.Delivered, len(r.Injects))
		for _, in := range r.Injects {
			p("| %s | %s | %s |\n", in.Due, in.Delivered, strings.TrimSpace("**"+mdEscape(in.Title)+"** "+mdEscape(in.Message)))
		}
		p("\n")
	}
	if len(r.Decisions) > 0 {
		heading := "Approvals and operator actions"
		if r.Tabletop {
			heading = "Decisions and answers"
		}
		p("## %s\n\n| at | who | what | step | after | comment |\n|---|---|---|---|---|---|\n", heading)
		for _, d := range r.Decisions {
			p("| %s | %s | %s | %s | %s | %s |\n", d.At, mdEscape(d.Who), d.What, d.Step, orDash(d.Latency), mdEscape(d.Comment))
		}
		p("\n")
	}
	if len(r.Refused) > 0 || st.RefusalsDropped > 0 {
		p("## Refused\n\nAsked of the run and refused; none of them changed it.\n\n| at | who | asked | step | why refused |\n|---|---|---|---|---|\n")
		for _, d := range r.Refused {
			p("| %s | %s | %s | %s | %s |\n", d.At, mdEscape(d.Who), d.What, orDash(d.Step), mdEscape(d.Comment))
		}
		if st.RefusalsDropped > 0 {
			p("\n%d more refusals were not kept (a run keeps a bounded number).\n", st.RefusalsDropped)
		}
		p("\n")
	}
	if len(st.Probes) > 0 {
		p("## Steady-state checks\n\n| at | probe | phase | result |\n|---|---|---|---|\n")
		for _, pr := range st.Probes {
			res := "ok"
			if !pr.OK {
				res = "FAILED: " + pr.Error
			}
			p("| %s | %s | %s | %s |\n", offset(st, pr.At), mdEscape(pr.Probe), pr.Phase, mdEscape(res))
		}
		p("\n")
	}
	if st.Mode == workflows.ModeDrill {
		p("## Drill cleanup\n\n")
		if len(st.Leftovers) == 0 {
			p("Every resource the drill created was removed.\n\n")
		} else {
			p("**Left behind, to remove by hand:**\n\n")
			for _, l := range st.Leftovers {
				p("- %s\n", mdEscape(l))
			}
			p("\n")
		}
	}
	r.writeFindings(w)
	if len(st.Params) > 0 {
		p("## Parameters\n\n")
		for _, k := range slices.Sorted(maps.Keys(st.Params)) {
			p("- `%s`: %s\n", k, mdEscape(fmt.Sprint(st.Params[k])))
		}
		p("\n")
	}
	return nil
}

func (r *Report) writeFindings(w io.Writer) {
	if len(r.St.Findings) == 0 {
		if r.Tabletop {
			fmt.Fprint(w, "## Findings\n\nNo gaps or action items were recorded.\n\n")
		}
		return
	}
	fmt.Fprint(w, "## Findings\n\n| kind | finding | owner | step | by |\n|---|---|---|---|---|\n")
	for _, f := range r.St.Findings {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", f.Kind, mdEscape(f.Text), mdEscape(orDash(f.Owner)), orDash(f.Step), mdEscape(f.By))
	}
	fmt.Fprintln(w)
}

// WriteText writes a plain summary for terminals.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\nrun %s: %s\n\n", r.Title, r.St.RunID, strings.ToUpper(string(r.St.State)))
	for _, o := range r.Objectives {
		fmt.Fprintf(tw, "%s\t%s actual\t%s target\t%s\n", o.Name, o.Actual, o.Target, o.Verdict)
	}
	return tw.Flush()
}

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{"upper": strings.ToUpper}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}.met{color:#0a6b2b;font-weight:600}.missed,.failed,.declined{color:#b00020;font-weight:600}code{font-size:90%}
</style></head><body>
<h1>{{.Title}}</h1>
<table>
<tr><th>run</th><td><code>{{.St.RunID}}</code></td></tr>
<tr><th>runbook</th><td>{{.St.Runbook}} {{.St.Version}} (<code>{{.St.Digest}}</code>)</td></tr>
{{if .St.Service}}<tr><th>service</th><td>{{.St.Service}}</td></tr>{{end}}
<tr><th>mode</th><td>{{.St.Mode}}</td></tr>
<tr><th>started by</th><td>{{.St.Initiator}} ({{.St.Trigger}})</td></tr>
<tr><th>state</th><td class="{{.St.State}}">{{upper (printf "%s" .St.State)}}</td></tr>
{{with .St.Unproven}}<tr><th>unproven</th><td class="missed">{{.}}</td></tr>
{{end -}}
<tr><th>started</th><td>{{.St.StartedAt.UTC.Format "2006-01-02 15:04:05 MST"}}</td></tr>
<tr><th>ended</th><td>{{if .St.EndedAt.IsZero}}-{{else}}{{.St.EndedAt.UTC.Format "2006-01-02 15:04:05 MST"}}{{end}}</td></tr>
</table>
{{if .St.Error}}<p><strong>Error:</strong> {{.St.Error}}</p>{{end}}
{{if .Objectives}}<h2>Objectives</h2><table><tr><th></th><th>target</th><th>actual</th><th></th><th></th></tr>
{{range .Objectives}}<tr><th>{{.Name}}</th><td>{{.Target}}</td><td>{{.Actual}}</td><td class="{{if .Missed}}missed{{else}}{{.Verdict}}{{end}}">{{.Verdict}}</td><td>{{.Note}}</td></tr>{{end}}</table>{{end}}
<h2>Timeline</h2><table><tr><th>step</th><th>kind</th><th>status</th><th>start</th><th>took</th><th>tries</th><th>notes</th></tr>
{{range .Timeline}}<tr><td>{{.Step}}</td><td>{{.Kind}}</td><td class="{{.Status}}">{{.Status}}</td><td>{{.Start}}</td><td>{{.Took}}</td><td>{{.Tries}}</td><td>{{.Note}}</td></tr>{{end}}</table>
{{if .Prompts}}<h2>Prompts</h2><p>{{.Answered}} of {{len .Prompts}} prompts answered.</p><table><tr><th>step</th><th>prompt</th><th>first answer after</th><th>answers</th></tr>
{{range .Prompts}}<tr><td>{{.Step}}</td><td>{{.Name}}</td><td>{{.FirstAnswer}}</td><td>{{.Answers}}</td></tr>{{end}}</table>{{end}}
{{if .Injects}}<h2>Injects</h2><p>{{.Delivered}} of {{len .Injects}} injects delivered.</p><table><tr><th>due</th><th>delivered</th><th>inject</th></tr>{{range .Injects}}<tr><td>{{.Due}}</td><td>{{.Delivered}}</td><td><strong>{{.Title}}</strong> {{.Message}}</td></tr>{{end}}</table>{{end}}
{{if .Decisions}}<h2>{{if .Tabletop}}Decisions and answers{{else}}Approvals and operator actions{{end}}</h2><table><tr><th>at</th><th>who</th><th>what</th><th>step</th><th>after</th><th>comment</th></tr>
{{range .Decisions}}<tr><td>{{.At}}</td><td>{{.Who}}</td><td>{{.What}}</td><td>{{.Step}}</td><td>{{.Latency}}</td><td>{{.Comment}}</td></tr>{{end}}</table>{{end}}
{{if .Refused}}<h2>Refused</h2><p>Asked of the run and refused; none of them changed it.</p><table><tr><th>at</th><th>who</th><th>asked</th><th>step</th><th>why refused</th></tr>
{{range .Refused}}<tr><td>{{.At}}</td><td>{{.Who}}</td><td>{{.What}}</td><td>{{.Step}}</td><td>{{.Comment}}</td></tr>{{end}}</table>{{end}}
{{if .St.Leftovers}}<h2>Drill cleanup: left behind</h2><ul>{{range .St.Leftovers}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .St.Findings}}<h2>Findings</h2><table><tr><th>kind</th><th>finding</th><th>owner</th><th>step</th><th>by</th></tr>
{{range .St.Findings}}<tr><td>{{.Kind}}</td><td>{{.Text}}</td><td>{{.Owner}}</td><td>{{.Step}}</td><td>{{.By}}</td></tr>{{end}}</table>{{end}}
</body></html>
`))

// WriteHTML writes the report as a standalone HTML page.
func (r *Report) WriteHTML(w io.Writer) error { return htmlReport.Execute(w, r) }

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the run as a JUnit XML test suite: one test case per step, plus the
// objectives, so a CI system shows a drill like a test run.
func (r *Report) WriteJUnit(w io.Writer) error {
	st := r.St
	suite := junitSuite{Name: st.Runbook + " (" + string(st.Mode) + ")", Time: secs(st.EndedAt.Sub(st.StartedAt))}
	for _, s := range st.Steps {
		c := junitCase{Name: s.ID, Classname: st.Runbook}
		if !s.StartedAt.IsZero() && !s.EndedAt.IsZero() {
			c.Time = secs(s.EndedAt.Sub(s.StartedAt))
		}
		switch s.Status {
		case workflows.StepFailed, workflows.StepDeclined:
			c.Failure = &junitMessage{Message: s.Error}
		case workflows.StepSkipped, workflows.StepCancelled:
			c.Skipped = &junitMessage{Message: s.Reason}
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, o := range r.Objectives {
		c := junitCase{Name: o.Name + " objective", Classname: st.Runbook}
		if o.Missed {
			c.Failure = &junitMessage{Message: fmt.Sprintf("%s %s exceeds target %s", o.Name, o.Actual, o.Target)}
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, c := range suite.Cases {
		suite.Tests++
		if c.Failure != nil {
			suite.Failures++
		}
		if c.Skipped != nil {
			suite.Skipped++
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000 MST")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// mdEscape keeps a value inside its Markdown table cell and makes any HTML in it text:
// Markdown renderers pass raw HTML through (CommonMark, "Raw HTML" and "HTML blocks"),
// and an error or a finding may quote a web page or be written by anyone allowed to
// record one. Entity references are the escape CommonMark defines for them.
var mdEscape = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace
