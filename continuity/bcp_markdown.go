package continuity

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/runbooks"
)

// WritePlan writes the business continuity plan of src.Catalogue as Markdown: scope,
// services by tier with their targets and maximum tolerable downtime, roles and
// contacts, each scenario with its recovery order, the exercise programme (cadence, last
// proven, next due, scheduled exercises), the open improvements and the coverage gaps,
// and the procedures (each runbook as `bcdr doc` renders it). Last-proven and due dates
// are the portfolio's; nothing here computes them again.
func WritePlan(w io.Writer, src Sources) error {
	bw := bufio.NewWriter(w)
	p := &planWriter{w: bw, s: src, c: src.Catalogue}
	p.header()
	p.scope()
	p.services()
	p.contacts()
	if err := p.scenarios(); err != nil {
		return err
	}
	p.programme()
	p.improvementsSection()
	p.gaps()
	if err := p.procedures(); err != nil {
		return err
	}
	return bw.Flush()
}

type planWriter struct {
	w *bufio.Writer
	s Sources
	c *catalogue.Catalogue
}

func (p *planWriter) f(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

func (p *planWriter) header() {
	m := p.c.Metadata
	p.f("# Business continuity plan: %s\n\n", text(m.Name))
	if m.Description != "" {
		p.f("%s\n\n", text(m.Description))
	}
	p.f("| | |\n|---|---|\n")
	if m.Owner != "" {
		p.f("| Plan owner | %s |\n", cell(m.Owner))
	}
	p.f("| Generated | %s |\n", p.s.Now.UTC().Format(time.RFC3339))
	p.f("| Catalogue | %s |\n", cell(p.c.Source.File))
	p.f("| Catalogue digest | `%s` |\n", p.c.Source.Digest)
	if pf := p.s.Portfolio; pf != nil {
		p.f("| Runs read | %d drills and live recoveries |\n", pf.Runs)
	}
	p.f("\n")
}

func (p *planWriter) scope() {
	p.f("## 1. Scope\n\n")
	procs := map[string][]string{}
	var names []string
	for _, s := range p.c.Services {
		if s.BusinessProcess != "" {
			if procs[s.BusinessProcess] == nil {
				names = append(names, s.BusinessProcess)
			}
			procs[s.BusinessProcess] = append(procs[s.BusinessProcess], s.Name)
		}
	}
	p.f("This plan covers services: %d; tiers: %d; disaster scenarios: %d; recovery procedures: %d.\n\n",
		len(p.c.Services), len(p.tiers()), len(p.c.Scenarios), len(p.c.RunbookPaths()))
	if len(names) > 0 {
		sort.Strings(names)
		p.f("Business processes:\n\n")
		for _, n := range names {
			p.f("- **%s**: %s\n", text(n), strings.Join(procs[n], ", "))
		}
		p.f("\n")
	}
}

// tiers returns the tier numbers the services have, in order.
func (p *planWriter) tiers() []int {
	seen := map[int]bool{}
	var out []int
	for _, s := range p.c.Services {
		if !seen[s.Tier] {
			seen[s.Tier] = true
			out = append(out, s.Tier)
		}
	}
	sort.Ints(out)
	return out
}

func (p *planWriter) services() {
	p.f("## 2. Services by tier\n\n")
	p.f("RTO: how long an outage may last; RPO: how much data, in time, may be lost; MTD: the maximum tolerable downtime, the longest the business survives without the service. Targets are per disruption type (component, zone, region, data).\n\n")
	for _, tier := range p.tiers() {
		p.f("### Tier %d", tier)
		if pol := p.c.Tier(tier); pol != nil {
			if pol.Name != "" {
				p.f(": %s", text(pol.Name))
			}
			p.f("\n\n")
			if pol.Description != "" {
				p.f("%s\n\n", text(pol.Description))
			}
			var facts []string
			if pol.DrillEvery > 0 {
				facts = append(facts, "drilled at least every "+pol.DrillEvery.String())
			}
			if pol.MTD != nil {
				facts = append(facts, "maximum tolerable downtime "+pol.MTD.String())
			}
			if len(facts) > 0 {
				p.f("Policy: %s.\n\n", strings.Join(facts, ", "))
			}
		} else {
			p.f("\n\n")
		}
		p.f("| Service | Business process | Owner | Deputy | RTO / RPO | MTD | Depends on |\n|---|---|---|---|---|---|---|\n")
		for i := range p.c.Services {
			s := &p.c.Services[i]
			if s.Tier != tier {
				continue
			}
			p.f("| %s | %s | %s | %s | %s | %s | %s |\n", cell(s.Name), cell(s.BusinessProcess), cell(s.Owner),
				cell(dash(s.Deputy)), cell(p.targets(s)), durText(p.c.MTD(s)), cell(dash(strings.Join(s.DependsOn, ", "))))
		}
		p.f("\n")
	}
}

// targets says a service's RTO and RPO per disruption, its own completed by its tier's.
func (p *planWriter) targets(s *catalogue.Service) string {
	var parts []string
	for _, d := range catalogue.Disruptions {
		t := p.c.Target(s, d)
		if t.RTO == nil && t.RPO == nil {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s / %s", d, durText(t.RTO), durText(t.RPO)))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

func (p *planWriter) contacts() {
	p.f("## 3. Roles and contacts\n\n")
	roles := Roles(p.c)
	listed := map[string]bool{}
	if len(p.c.Contacts) > 0 {
		p.f("| Name | Role | Email | Phone | Chat | Answers for |\n|---|---|---|---|---|---|\n")
		for _, ct := range p.c.Contacts {
			listed[ct.Name] = true
			p.f("| %s | %s | %s | %s | %s | %s |\n", cell(ct.Name), cell(dash(ct.Role)), cell(dash(ct.Email)),
				cell(dash(ct.Phone)), cell(dash(ct.Chat)), cell(rolesText(roles[ct.Name])))
		}
		p.f("\n")
	}
	var missing []string
	for name := range roles {
		if !listed[name] && name != "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		p.f("Named in the catalogue without contact details (add them to its contacts):\n\n")
		for _, n := range missing {
			p.f("- %s: %s\n", text(n), rolesText(roles[n]))
		}
		p.f("\n")
	}
}

func rolesText(rs []Role) string {
	if len(rs) == 0 {
		return "-"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.What + " of " + r.Of
	}
	return strings.Join(parts, "; ")
}

func (p *planWriter) scenarios() error {
	p.f("## 4. Scenarios and recovery order\n\n")
	if len(p.c.Scenarios) == 0 {
		p.f("The catalogue names no scenario.\n\n")
		return nil
	}
	for i := range p.c.Scenarios {
		sc := &p.c.Scenarios[i]
		p.f("### %s", text(sc.Name))
		if sc.Title != "" {
			p.f(": %s", text(sc.Title))
		}
		p.f("\n\n")
		if sc.Description != "" {
			p.f("%s\n\n", text(sc.Description))
		}
		p.f("- Disruption: %s\n", sc.Disruption)
		if ic := sc.IncidentCommander; ic != "" {
			p.f("- Incident commander: %s%s\n", text(ic), p.reach(ic))
		}
		plan, err := catalogue.PlanScenario(p.c, sc.Name, p.s.Runbooks, p.s.Registry)
		if err != nil {
			return fmt.Errorf("plan scenario %q: %w", sc.Name, err)
		}
		p.f("- Services affected: %d; expected duration of the recovery %s\n\n", len(plan.Services), plan.Plan.ExpectedDuration)
		p.f("Recovery order (a service's dependencies come back before it; services on one line recover in parallel):\n\n")
		for k, layer := range plan.Layers() {
			p.f("%d. %s\n", k+1, strings.Join(layer, ", "))
		}
		p.f("\n| Service | Tier | Hit | Runbooks | Expected finish | RTO | Fits |\n|---|---|---|---|---|---|---|\n")
		via := map[string]string{}
		for _, im := range plan.Affected {
			via[im.Service] = im.Via
		}
		for _, s := range plan.Services {
			hit := "directly"
			if !s.Direct {
				hit = "via " + via[s.Service]
			}
			fits := "yes"
			switch {
			case s.RTO == nil:
				fits = "-"
			case !s.Fits:
				fits = "**no**"
			}
			p.f("| %s | %d | %s | %s | %s | %s | %s |\n", cell(s.Service), s.Tier, cell(hit), cell(runbooksOr(s)),
				s.Finish, durText(s.RTO), fits)
		}
		p.f("\n")
	}
	return nil
}

func runbooksOr(s catalogue.ServicePlan) string {
	if s.NoRunbook {
		return "none: a manual step for its owner"
	}
	return dash(strings.Join(s.Runbooks, ", "))
}

// reach says how to reach a contact: " (email, phone, chat)", or "" when unlisted.
func (p *planWriter) reach(name string) string {
	ct := p.c.Contact(name)
	if ct == nil {
		return ""
	}
	var ways []string
	for _, w := range []string{ct.Email, ct.Phone, ct.Chat} {
		if w != "" {
			ways = append(ways, text(w))
		}
	}
	if len(ways) == 0 {
		return ""
	}
	return " (" + strings.Join(ways, ", ") + ")"
}

func (p *planWriter) programme() {
	p.f("## 5. Exercise programme\n\n")
	pf := p.s.Portfolio
	if pf == nil {
		p.f("No run history was read.\n\n")
		return
	}
	p.f("Each service's runbooks must pass a drill within its tier's cadence. Last proven is the start of the last drill or live recovery that proved the service (the runbook's current version, started by someone authorized for the service); next due follows from it.\n\n")
	p.f("| Service | Tier | Cadence | Last proven | Next due | State | Drills passed |\n|---|---|---|---|---|---|---|\n")
	for _, s := range pf.Services {
		last := "never"
		if !s.LastDrill.IsZero() {
			last = s.LastDrill.UTC().Format("2006-01-02")
			if s.LastRun != "" {
				last += " (" + s.LastRun + ")"
			}
		}
		p.f("| %s | %d | %s | %s | %s | %s | %d of %d |\n", cell(s.Service), s.Tier, cadenceText(s.Cadence), cell(last), cell(s.DueText), s.Status, s.Succeeded, s.Drills)
	}
	p.f("\n")
	p.f("### Scheduled exercises\n\n")
	switch {
	case !p.s.Schedules:
		p.f("The schedules were not read (no engine).\n\n")
	case len(p.s.Exercises) == 0:
		p.f("No drill, tabletop or readiness check is scheduled.\n\n")
	default:
		p.f("| Schedule | Runbook | Service | Mode | When | Next |\n|---|---|---|---|---|---|\n")
		for _, e := range p.s.Exercises {
			when := e.Every
			if when != "" {
				when = "every " + when
			} else {
				when = "cron " + e.Cron
			}
			next := "-"
			if !e.Next.IsZero() {
				next = e.Next.UTC().Format("2006-01-02 15:04")
			}
			if e.Paused {
				next = "paused"
			}
			p.f("| %s | %s | %s | %s | %s | %s |\n", cell(e.ID), cell(e.Runbook), cell(dash(e.Service)), e.Mode, cell(when), next)
		}
		p.f("\n")
	}
}

func cadenceText(goDur string) string {
	d, err := time.ParseDuration(goDur)
	if err != nil || d <= 0 {
		return "-"
	}
	return runbooks.Duration(d).String()
}

func (p *planWriter) improvementsSection() {
	p.f("## 6. Open improvements\n\n")
	items := OpenItems(p.s.Improvements)
	sum := improvements.Summarize(p.s.Improvements, p.s.Now)
	p.f("%d open or in progress (%d overdue), %d done and waiting for a drill to verify them, %d verified, %d dropped.\n\n",
		sum.Open, sum.Overdue, sum.Done, sum.Verified, sum.Dropped)
	if len(items) == 0 {
		return
	}
	p.f("| Item | Title | Service | Owner | Status | Due | From run |\n|---|---|---|---|---|---|---|\n")
	for _, it := range items {
		due := "-"
		if !it.Due.IsZero() {
			due = it.Due.UTC().Format("2006-01-02")
			if it.Overdue(p.s.Now) {
				due = "**overdue** since " + due
			}
		}
		p.f("| %s | %s | %s | %s | %s | %s | %s |\n", cell(it.ID), cell(it.Title), cell(dash(it.Service)), cell(dash(it.Owner)),
			it.Status, due, cell(it.Source.Run))
	}
	p.f("\n")
}

func (p *planWriter) gaps() {
	p.f("## 7. Coverage gaps\n\n")
	pf := p.s.Portfolio
	n := 0
	if pf != nil {
		for _, s := range pf.Services {
			for _, g := range s.Gaps {
				if n == 0 {
					p.f("| Service | Tier | Gap | Finding |\n|---|---|---|---|\n")
				}
				n++
				p.f("| %s | %d | %s | %s |\n", cell(g.Service), g.Tier, g.Kind, cell(g.Message))
			}
		}
	}
	if n == 0 {
		p.f("None: every service is proven within its cadence.\n")
	}
	p.f("\n")
}

func (p *planWriter) procedures() error {
	p.f("## 8. Procedures\n\n")
	paths := p.c.RunbookPaths()
	for _, path := range paths {
		rb := p.s.Runbooks[path]
		if rb == nil {
			p.f("### %s\n\nThis runbook did not load; fix it with `bcdr catalogue validate`.\n\n", text(path))
			continue
		}
		var b bytes.Buffer
		if err := runbooks.WriteDoc(&b, rb, p.s.Registry); err != nil {
			return fmt.Errorf("procedure %s: %w", path, err)
		}
		p.w.Write(demote(b.Bytes(), 2))
		p.f("\n")
	}
	return nil
}

// demote moves every Markdown heading of doc down by n levels, so a procedure document
// sits under the plan's own headings; fenced blocks are left alone.
func demote(doc []byte, n int) []byte {
	var out bytes.Buffer
	fenced := false
	for _, line := range bytes.SplitAfter(doc, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("```")) {
			fenced = !fenced
		}
		if !fenced && bytes.HasPrefix(line, []byte("#")) {
			out.WriteString(strings.Repeat("#", n))
		}
		out.Write(line)
	}
	return out.Bytes()
}

// Markdown's backslash escapes keep text literal: "\<" is a "<", never the start of
// markup, in the Markdown and in the HTML made from it.
var cellEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "<", `\<`, ">", `\>`)

// cell is s as a Markdown table cell.
func cell(s string) string { return cellEscaper.Replace(s) }

var textEscaper = strings.NewReplacer("<", `\<`, ">", `\>`, "\n", " ")

// text is s as Markdown text: no HTML gets through.
func text(s string) string { return textEscaper.Replace(strings.TrimSpace(s)) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func durText(d *runbooks.Duration) string {
	if d == nil {
		return "-"
	}
	return d.String()
}
