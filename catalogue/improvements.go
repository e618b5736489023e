package catalogue

import (
	"fmt"
	"io"
	"sort"

	"github.com/bcdr/bcdr/continuity/improvements"
)

// CountImprovements puts the improvement plan's counts (improvements.Summarize, the one
// computation) into the report: the report's renderers state them.
func (r *Report) CountImprovements(s improvements.Summary) {
	r.Improvements = &s
}

// CountImprovements puts the improvement plan's counts into the portfolio: in all, and
// per service on each service's line.
func (p *Portfolio) CountImprovements(s improvements.Summary) {
	p.Improvements = s.Counts
	for i := range p.Services {
		p.Services[i].Improvements = s.Services[p.Services[i].Service]
	}
}

// improvementRows are the services with items still to work on or done but not yet
// verified, sorted by name, for the reports.
func improvementRows(s *improvements.Summary) []string {
	var names []string
	for name, c := range s.Services {
		if c.Open > 0 || c.Done > 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// writeImprovementsMarkdown writes the report's improvement plan section.
func (r *Report) writeImprovementsMarkdown(w io.Writer) {
	s := r.Improvements
	if s == nil {
		return
	}
	fmt.Fprintf(w, "\n## Improvement plan\n\nAction items and gaps recorded in runs: %s.\n", s.Counts)
	rows := improvementRows(s)
	if len(rows) == 0 {
		return
	}
	fmt.Fprint(w, "\n| Service | Open | Overdue | Done, awaiting a drill |\n|---|---|---|---|\n")
	for _, name := range rows {
		c := s.Services[name]
		fmt.Fprintf(w, "| %s | %d | %d | %d |\n", mdCell(orNone(name)), c.Open, c.Overdue, c.Done)
	}
}

func orNone(service string) string {
	if service == "" {
		return "(no service)"
	}
	return service
}
