package catalogue

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// WriteMarkdown writes the report as Markdown, for a board pack or a wiki page.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Recovery coverage: %s\n\n", r.Catalogue)
	fmt.Fprintf(&b, "Generated %s. A service is proven when each of its runbooks passed a drill within its tier's cadence and met its targets.\n\n", r.GeneratedAt.UTC().Format(time.RFC3339))
	b.WriteString("## By tier\n\n| Tier | Services | With runbook | Proven | Gaps | Drill every |\n|---|---|---|---|---|---|\n")
	for _, t := range r.Tiers {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %s |\n", tierText(t.Tier, t.Name), t.Services, t.WithRunbook, t.Proven, t.Gaps, durOrDash(t.DrillEvery))
	}
	b.WriteString("\n## Services\n\n| Service | Tier | Owner | Targets (RTO / RPO) | Runbooks | Last drill | RTO actual | Next due | Status |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Services {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
			mdCell(s.Service), s.Tier, mdCell(s.Owner), mdCell(targetsText(s.Targets)), mdCell(runbooksText(s.Runbooks)),
			mdCell(lastDrillText(s.LastDrill)), rtoActualText(s.LastDrill), s.NextDueText(), statusText(s))
	}
	b.WriteString("\n## Gaps\n\n")
	if len(r.Gaps) == 0 {
		b.WriteString("None.\n")
	}
	for _, g := range r.Gaps {
		fmt.Fprintf(&b, "- **%s** (tier %d) `%s`: %s\n", g.Service, g.Tier, g.Kind, g.Message)
	}
	r.writeImprovementsMarkdown(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes one row per service runbook (one row for a service without any),
// for a spreadsheet.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"service", "tier", "owner", "business_process", "runbook", "disruptions", "rto_target", "rpo_target",
		"runs", "last_drill", "last_mode", "last_outcome", "rto_actual", "rpo_actual", "last_pass", "due_by", "overdue", "gaps"})
	for _, s := range r.Services {
		rows := s.Runbooks
		if len(rows) == 0 {
			rows = []RunbookCoverage{{}}
		}
		for _, rc := range rows {
			row := []string{s.Service, strconv.Itoa(s.Tier), s.Owner, s.BusinessProcess, rc.Name, disruptionsText(rc.Disruptions),
				ptrDur(rc.RTO), ptrDur(rc.RPO), strconv.Itoa(rc.Runs)}
			if l := rc.LastRun; l != nil {
				row = append(row, l.StartedAt.UTC().Format(time.RFC3339), l.Mode, l.Outcome, figureText(l.RTO), figureText(l.RPO))
			} else {
				row = append(row, "", "", "", "", "")
			}
			pass, due := "", ""
			if rc.LastPass != nil {
				pass = rc.LastPass.StartedAt.UTC().Format(time.RFC3339)
			}
			if !rc.DueBy.IsZero() {
				due = rc.DueBy.UTC().Format(time.RFC3339)
			}
			row = append(row, pass, due, strconv.FormatBool(s.Overdue), gapsText(s.Gaps, rc.Name))
			_ = cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteHTML writes the report as a standalone HTML page.
func (r *Report) WriteHTML(w io.Writer) error {
	return htmlReport.Execute(w, r)
}

var htmlReport = template.Must(template.New("coverage").Funcs(template.FuncMap{
	"tier":            tierText,
	"dur":             durOrDash,
	"targets":         targetsText,
	"runbooks":        runbooksText,
	"lastDrill":       lastDrillText,
	"rtoActual":       rtoActualText,
	"status":          statusText,
	"improvementRows": improvementRows,
	"orNone":          orNone,
	"time":            func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Recovery coverage: {{.Catalogue}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
tr.gap td.status{color:#b00020;font-weight:600}
tr.ok td.status{color:#1b5e20}
</style></head><body>
<h1>Recovery coverage: {{.Catalogue}}</h1>
<p>Generated {{time .GeneratedAt}}. A service is proven when each of its runbooks passed a drill within its tier's cadence and met its targets.</p>
<h2>By tier</h2>
<table><tr><th>Tier</th><th>Services</th><th>With runbook</th><th>Proven</th><th>Gaps</th><th>Drill every</th></tr>
{{range .Tiers}}<tr><td>{{tier .Tier .Name}}</td><td>{{.Services}}</td><td>{{.WithRunbook}}</td><td>{{.Proven}}</td><td>{{.Gaps}}</td><td>{{dur .DrillEvery}}</td></tr>
{{end}}</table>
<h2>Services</h2>
<table><tr><th>Service</th><th>Tier</th><th>Owner</th><th>Targets (RTO / RPO)</th><th>Runbooks</th><th>Last drill</th><th>RTO actual</th><th>Next due</th><th>Status</th></tr>
{{range .Services}}<tr class="{{if .Gaps}}gap{{else}}ok{{end}}"><td>{{.Service}}</td><td>{{.Tier}}</td><td>{{.Owner}}</td><td>{{targets .Targets}}</td><td>{{runbooks .Runbooks}}</td><td>{{lastDrill .LastDrill}}</td><td>{{rtoActual .LastDrill}}</td><td>{{.NextDueText}}</td><td class="status">{{status .}}</td></tr>
{{end}}</table>
<h2>Gaps</h2>
{{if .Gaps}}<ul>{{range .Gaps}}<li><strong>{{.Service}}</strong> (tier {{.Tier}}) <code>{{.Kind}}</code>: {{.Message}}</li>
{{end}}</ul>{{else}}<p>None.</p>{{end}}
{{with .Improvements}}<h2>Improvement plan</h2>
<p>Action items and gaps recorded in runs: {{.Counts}}.</p>
{{with improvementRows .}}<table><tr><th>Service</th><th>Open</th><th>Overdue</th><th>Done, awaiting a drill</th></tr>
{{range .}}{{$c := index $.Improvements.Services .}}<tr><td>{{orNone .}}</td><td>{{$c.Open}}</td><td>{{$c.Overdue}}</td><td>{{$c.Done}}</td></tr>
{{end}}</table>{{end}}{{end}}
</body></html>
`))

func tierText(tier int, name string) string {
	if name == "" {
		return strconv.Itoa(tier)
	}
	return fmt.Sprintf("%d (%s)", tier, name)
}

func targetsText(ts map[Disruption]Target) string {
	var parts []string
	for _, d := range Disruptions {
		t, ok := ts[d]
		if !ok {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s / %s", d, ptrDurDash(t.RTO), ptrDurDash(t.RPO)))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

func runbooksText(rcs []RunbookCoverage) string {
	if len(rcs) == 0 {
		return "none"
	}
	parts := make([]string, len(rcs))
	for i, rc := range rcs {
		parts[i] = fmt.Sprintf("%s (%s)", rc.Name, disruptionsText(rc.Disruptions))
	}
	return strings.Join(parts, ", ")
}

func disruptionsText(ds []Disruption) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = string(d)
	}
	return strings.Join(parts, " ")
}

func lastDrillText(r *RunResult) string {
	if r == nil {
		return "never"
	}
	return fmt.Sprintf("%s %s %s", day(r.StartedAt), r.Mode, outcomeText(r.Outcome))
}

func rtoActualText(r *RunResult) string {
	if r == nil || !r.RTO.Measured {
		return "-"
	}
	return roundDur(r.RTO.Actual).String()
}

// figureText is a measured figure's value ("0s" included), empty when not measured.
func figureText(f runbooks.Figure) string {
	if !f.Measured {
		return ""
	}
	return roundDur(f.Actual).String()
}

// NextDueText says when the service's next drill is due, as the coverage report and
// the portfolio both state it: "now (never drilled)" when one of its runbooks never
// passed a drill, the date otherwise, "-" when its tier sets no cadence or it has no
// runbook.
func (s ServiceCoverage) NextDueText() string {
	switch {
	case s.DueNow:
		return "now (never drilled)"
	case s.NextDue.IsZero():
		return "-"
	}
	return day(s.NextDue)
}

func statusText(s ServiceCoverage) string {
	if len(s.Gaps) == 0 {
		if len(s.Runbooks) == 0 {
			return "-"
		}
		return "proven"
	}
	seen := map[GapKind]bool{}
	var kinds []string
	for _, g := range s.Gaps {
		if !seen[g.Kind] {
			seen[g.Kind] = true
			kinds = append(kinds, string(g.Kind))
		}
	}
	return strings.Join(kinds, ", ")
}

func gapsText(gaps []Gap, runbook string) string {
	var kinds []string
	for _, g := range gaps {
		if g.Runbook == "" || g.Runbook == runbook {
			kinds = append(kinds, string(g.Kind))
		}
	}
	return strings.Join(kinds, " ")
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func durOrDash(d runbooks.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.String()
}

func ptrDur(d *runbooks.Duration) string {
	if d == nil {
		return ""
	}
	return d.String()
}
