package runbooks

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the plan for a terminal: objectives, expected duration against the
// RTO, the critical path, the steps layer by layer, and the IAM actions.
func (p *Plan) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Plan: %s", p.Runbook)
	if p.Version != "" {
		fmt.Fprintf(bw, " %s", p.Version)
	}
	fmt.Fprintln(bw)
	if obj := p.objectivesText(); obj != "" {
		fmt.Fprintf(bw, "Objectives: %s\n", obj)
	}
	fmt.Fprintf(bw, "Expected duration: %s%s\n", p.ExpectedDuration, p.rtoNote())
	fmt.Fprintf(bw, "Critical path: %s\n", strings.Join(p.CriticalPath, " -> "))
	byID := p.stepsByID()
	tw := tabwriter.NewWriter(bw, 2, 4, 2, ' ', 0)
	for n, layer := range p.Layers {
		fmt.Fprintf(tw, "\nLayer %d\n", n+1)
		for _, id := range layer {
			s := byID[id]
			fmt.Fprintf(tw, "  %s\t%s\t%s\t+%s", s.ID, s.Uses, s.Estimate, s.Start)
			if notes := stepNotes(s); notes != "" {
				fmt.Fprintf(tw, "\t%s", notes)
			}
			fmt.Fprintln(tw)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if real, left := p.DrillEffects(); len(real)+len(left) > 0 {
		fmt.Fprintln(bw)
		if len(real) > 0 {
			fmt.Fprintf(bw, "In a drill these steps act for real (drill.live): %s\n", strings.Join(real, ", "))
		}
		if len(left) > 0 {
			fmt.Fprintf(bw, "In a drill these steps do not run (they would act for real and have no drill variant): %s\n", strings.Join(left, ", "))
		}
	}
	p.writeWarnings(bw)
	if len(p.IAMActions) > 0 {
		fmt.Fprintf(bw, "\nIAM actions:\n")
		for _, a := range p.IAMActions {
			fmt.Fprintf(bw, "  %s\n", a)
		}
	}
	return bw.Flush()
}

func (p *Plan) rtoNote() string {
	switch {
	case p.Objectives.RTO == 0:
		return ""
	case p.ExpectedDuration <= p.Objectives.RTO:
		return fmt.Sprintf(" (within the RTO of %s)", p.Objectives.RTO)
	}
	return fmt.Sprintf(" (EXCEEDS the RTO of %s)", p.Objectives.RTO)
}

func (p *Plan) stepsByID() map[string]*PlanStep {
	m := make(map[string]*PlanStep, len(p.Steps))
	for i := range p.Steps {
		if _, dup := m[p.Steps[i].ID]; !dup {
			m[p.Steps[i].ID] = &p.Steps[i]
		}
	}
	return m
}

func stepNotes(s *PlanStep) string {
	var notes []string
	if s.Critical {
		notes = append(notes, "critical")
	}
	if len(s.Approvers) > 0 {
		notes = append(notes, "approvers: "+strings.Join(s.Approvers, ", "))
	}
	if s.When != "" {
		notes = append(notes, "when: "+s.When)
	}
	if s.Rollback != "" {
		notes = append(notes, "rollback: "+s.Rollback)
	}
	if pl := s.planeText(); pl != "" {
		notes = append(notes, pl)
	}
	switch {
	case s.InDrill == DrillForReal:
		notes = append(notes, "drill: ACTS FOR REAL (drill.live)")
	case s.InDrill == DrillNotRun:
		notes = append(notes, "drill: not run (acts for real, no drill variant)")
	case s.Drill != "":
		notes = append(notes, "drill: "+s.Drill)
	}
	return strings.Join(notes, "; ")
}

// WriteMermaid writes the plan as a Mermaid flowchart, the critical path highlighted.
func (p *Plan) WriteMermaid(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "flowchart TD")
	node := p.nodeNames()
	for i, s := range p.Steps {
		fmt.Fprintf(bw, "  %s[\"%s<br/><small>%s · %s</small>\"]\n", node[i], mermaidText(titleOf(s)), mermaidText(s.Uses), s.Estimate)
	}
	for _, e := range p.edges() {
		arrow := "-->"
		if e.critical && p.Steps[e.from].Critical && p.Steps[e.to].Critical {
			arrow = "==>"
		}
		fmt.Fprintf(bw, "  %s %s %s\n", node[e.from], arrow, node[e.to])
	}
	fmt.Fprintln(bw, "  classDef critical fill:#fde2e1,stroke:#c0392b,stroke-width:2px")
	var crit []string
	for i, s := range p.Steps {
		if s.Critical {
			crit = append(crit, node[i])
		}
	}
	if len(crit) > 0 {
		fmt.Fprintf(bw, "  class %s critical\n", strings.Join(crit, ","))
	}
	return bw.Flush()
}

// WriteDot writes the plan as a Graphviz digraph, the critical path in red.
func (p *Plan) WriteDot(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "digraph %s {\n  rankdir=TB;\n  node [shape=box, style=rounded];\n", dotQuote(p.Runbook))
	node := p.nodeNames()
	for i, s := range p.Steps {
		attrs := ""
		if s.Critical {
			attrs = ", color=red, penwidth=2"
		}
		fmt.Fprintf(bw, "  %s [label=%s%s];\n", node[i], dotQuote(titleOf(s)+"\n"+s.Uses+" · "+s.Estimate.String()), attrs)
	}
	for _, e := range p.edges() {
		attrs := ""
		if e.critical {
			attrs = " [color=red, penwidth=2]"
		}
		fmt.Fprintf(bw, "  %s -> %s%s;\n", node[e.from], node[e.to], attrs)
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// edge is one dependency of the plan: step from ends before step to starts (indexes in
// p.Steps); critical says it is a hop of the critical path.
type edge struct {
	from, to int
	critical bool
}

// edges lists the plan's dependencies in step order, for the graph renderings.
func (p *Plan) edges() []edge {
	byID := p.indexByID()
	var out []edge
	for i, s := range p.Steps {
		for _, need := range s.Needs {
			if j, ok := byID[need]; ok {
				out = append(out, edge{from: j, to: i, critical: p.onPath(need, s.ID)})
			}
		}
	}
	return out
}

// nodeNames gives each step a node name that is safe in Mermaid and DOT.
func (p *Plan) nodeNames() []string {
	names := make([]string, len(p.Steps))
	for i := range p.Steps {
		names[i] = fmt.Sprintf("s%d", i)
	}
	return names
}

func (p *Plan) indexByID() map[string]int {
	m := make(map[string]int, len(p.Steps))
	for i, s := range p.Steps {
		if _, dup := m[s.ID]; !dup {
			m[s.ID] = i
		}
	}
	return m
}

// onPath reports whether from -> to is an edge of the critical path.
func (p *Plan) onPath(from, to string) bool {
	for i := 0; i+1 < len(p.CriticalPath); i++ {
		if p.CriticalPath[i] == from && p.CriticalPath[i+1] == to {
			return true
		}
	}
	return false
}

func titleOf(s PlanStep) string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

var mermaidEscaper = strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "\n", " ", "\r", " ")

func mermaidText(s string) string { return mermaidEscaper.Replace(s) }

var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")

func dotQuote(s string) string { return `"` + dotEscaper.Replace(s) + `"` }

func (p *Plan) objectivesText() string {
	var parts []string
	if p.Objectives.RTO > 0 {
		parts = append(parts, "RTO "+p.Objectives.RTO.String())
	}
	if p.Objectives.RPO > 0 {
		parts = append(parts, "RPO "+p.Objectives.RPO.String())
	}
	return strings.Join(parts, ", ")
}

// DrillEffects returns the steps that act for real in a drill (drill.live) and those a
// drill leaves out because they would act for real and have no drill variant, in plan
// order.
func (p *Plan) DrillEffects() (real, left []string) {
	for _, s := range p.Steps {
		switch s.InDrill {
		case DrillForReal:
			real = append(real, s.ID)
		case DrillNotRun:
			left = append(left, s.ID)
		}
	}
	return real, left
}
