package runbooks

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteDoc writes the runbook as a Markdown procedure document: purpose, service, owner
// and tier, objectives, parameters, prerequisites (steady state), the numbered procedure
// in the order it runs (who approves, instructions, rollback, drill variant), the
// scenario injects and a sign-off table. It is the contingency plan a continuity
// manager files; reg (nil means the builtin kinds) describes the kinds.
func WriteDoc(w io.Writer, rb *Runbook, reg *Registry) error {
	if reg == nil {
		reg = builtinRegistry()
	}
	bw := bufio.NewWriter(w)
	d := &docWriter{w: bw, rb: rb, reg: reg, plan: NewPlan(rb, reg)}
	d.header()
	d.objectives()
	d.parameters()
	d.prerequisites()
	d.procedure()
	d.rollbackOrder()
	d.injects()
	d.signOff()
	return bw.Flush()
}

type docWriter struct {
	w    *bufio.Writer
	rb   *Runbook
	reg  *Registry
	plan *Plan
}

func (d *docWriter) p(format string, args ...any) { fmt.Fprintf(d.w, format, args...) }

func (d *docWriter) header() {
	m := d.rb.Metadata
	d.p("# %s\n\n", mdText(m.Name))
	if m.Description != "" {
		d.p("## Purpose\n\n%s\n\n", strings.TrimSpace(m.Description))
	}
	d.p("| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			d.p("| %s | %s |\n", k, mdCell(v))
		}
	}
	row("Service", m.Service)
	row("Owner", m.Owner)
	if m.Tier > 0 {
		row("Tier", fmt.Sprint(m.Tier))
	}
	row("Version", m.Version)
	for _, k := range sortedMapKeys(m.Labels) {
		row("Label "+k, m.Labels[k])
	}
	row("Source", d.rb.Source.File)
	row("Digest", "`"+d.rb.Source.Digest+"`")
	d.p("\n")
}

func (d *docWriter) objectives() {
	o, pl := d.rb.Objectives, d.plan
	d.p("## Recovery objectives\n\n")
	if o.RTO > 0 {
		d.p("- **RTO** (recovery time objective): %s\n", o.RTO)
	}
	if o.RPO > 0 || d.rb.Objectives.RTO > 0 {
		d.p("- **RPO** (recovery point objective): %s\n", o.RPO)
	}
	d.p("- **Expected duration** of this procedure: %s%s\n", pl.ExpectedDuration, pl.rtoNote())
	d.p("- **Critical path**: %s\n", strings.Join(pl.CriticalPath, " → "))
	if len(pl.IAMActions) > 0 {
		d.p("- **AWS permissions needed**: %s\n", "`"+strings.Join(pl.IAMActions, "`, `")+"`")
	}
	d.p("\n")
}

func (d *docWriter) parameters() {
	docList(d, d.rb.Parameters, "## Parameters\n\n| Name | Type | Default | Allowed | Description |\n|---|---|---|---|---|\n", func(prm Parameter) {
		def := formatValue(prm.Default)
		switch {
		case prm.Required:
			def = "*required*"
		case prm.Secret && def != "":
			def = "*secret*"
		}
		t := string(prm.Type)
		if t == "" {
			t = string(ParamString)
		}
		if prm.Secret {
			t += " (secret)"
		}
		d.p("| `%s` | %s | %s | %s | %s |\n", prm.Name, t, mdCell(def), mdCell(allowedText(prm.Allowed)), mdCell(prm.Description))
	})
}

func (d *docWriter) prerequisites() {
	docList(d, d.rb.SteadyState, "## Prerequisites: steady state\n\nThese checks must pass before a drill starts, and keep passing while it runs; a drill stops when one fails.\n\n", func(pr Probe) {
		d.p("- **%s**: `%s`%s\n", mdText(pr.ID), pr.Uses, inlineInputs(pr.With))
	})
}

func (d *docWriter) injects() {
	docList(d, d.rb.Injects, "## Scenario injects (tabletop)\n\n| At | Inject | Message |\n|---|---|---|\n", func(in Inject) {
		d.p("| +%s | %s | %s |\n", in.At, mdCell(in.Title), mdCell(in.Message))
	})
}

// docList writes a section of one line an item, when there are items: head, the line
// each item writes, and a blank line.
func docList[T any](d *docWriter, items []T, head string, line func(T)) {
	if len(items) == 0 {
		return
	}
	d.p("%s", head)
	for _, it := range items {
		line(it)
	}
	d.p("\n")
}

func (d *docWriter) rollbackOrder() {
	var lines []string
	for i := len(d.plan.Steps) - 1; i >= 0; i-- {
		s := d.plan.Steps[i]
		if s.Rollback != "" {
			lines = append(lines, fmt.Sprintf("- undo **%s** with `%s`", mdText(titleOf(s)), s.Rollback))
		}
	}
	if len(lines) == 0 {
		return
	}
	d.p("## Rollback\n\nWhen a step fails with `on_error: rollback`, or when an operator rolls back, the completed steps are undone in reverse order:\n\n%s\n\n", strings.Join(lines, "\n"))
}

func (d *docWriter) signOff() {
	d.p("## Review and sign-off\n\n| Role | Name | Date | Signature |\n|---|---|---|---|\n| Plan owner | | | |\n| Service owner | | | |\n| Continuity manager | | | |\n")
}

var mdCellEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "\r", "")

func mdCell(s string) string { return mdCellEscaper.Replace(s) }

var mdTextEscaper = strings.NewReplacer("*", `\*`, "_", `\_`, "`", "\\`", "\n", " ")

func mdText(s string) string { return mdTextEscaper.Replace(s) }

// inputList renders a with as a nested Markdown list.
func inputList(with map[string]any, indent string) string {
	var b strings.Builder
	for _, k := range sortedMapKeys(with) {
		fmt.Fprintf(&b, "%s- `%s`: `%s`\n", indent, k, strings.ReplaceAll(formatValue(with[k]), "`", "'"))
	}
	return b.String()
}

// inlineInputs renders a with as " (key: value, ...)".
func inlineInputs(with map[string]any) string {
	if len(with) == 0 {
		return ""
	}
	parts := make([]string, 0, len(with))
	for _, k := range sortedMapKeys(with) {
		parts = append(parts, fmt.Sprintf("%s: `%s`", k, strings.ReplaceAll(formatValue(with[k]), "`", "'")))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
