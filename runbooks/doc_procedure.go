package runbooks

import (
	"fmt"
	"strings"
)

// procedure writes the numbered steps in the order they run.
func (d *docWriter) procedure() {
	d.p("## Procedure\n\nSteps in the same layer run in parallel. Times are estimates from the start of the run.\n\n")
	g := newGraph(d.rb.Steps)
	order := g.order
	if !g.acyclic() {
		order = make([]int, len(d.rb.Steps))
		for i := range order {
			order[i] = i
		}
	}
	number := map[string]int{}
	for n, i := range order {
		number[d.rb.Steps[i].ID] = n + 1
	}
	for n, i := range order {
		d.step(n+1, &d.rb.Steps[i], &d.plan.Steps[i], number)
	}
}

func (d *docWriter) step(n int, st *Step, ps *PlanStep, number map[string]int) {
	k, _ := d.reg.Kind(st.Uses)
	d.p("### %d. %s\n\n", n, mdText(st.Title()))
	if st.Description != "" {
		d.p("%s\n\n", strings.TrimSpace(st.Description))
	}
	d.p("- **Step**: `%s`, %s\n", st.ID, who(k))
	if len(st.Needs) > 0 {
		var after []string
		for _, need := range st.Needs {
			after = append(after, fmt.Sprintf("%d (`%s`)", number[need], need))
		}
		d.p("- **After**: step %s\n", strings.Join(after, ", "))
	}
	if st.When != "" {
		d.p("- **Only when**: `%s`\n", st.When)
	}
	crit := ""
	if ps.Critical {
		crit = ", on the critical path"
	}
	d.p("- **Expected**: %s, from +%s%s\n", ps.Estimate, ps.Start, crit)
	if st.Approval != nil {
		d.approval(st.Approval)
	} else if len(st.With) > 0 {
		d.p("- **Inputs**:\n%s", inputList(st.With, "  "))
	}
	d.limits(st)
	if st.Instructions != "" {
		d.p("\n%s\n", blockquote(st.Instructions))
	}
	d.variants(st)
	d.p("\n")
}

func who(k Kind) string {
	switch {
	case k.Name == KindApproval:
		return "an approval gate"
	case k.Name == KindManual:
		return "done by a person, who marks it complete"
	case k.Executor == ByWorkflow:
		return fmt.Sprintf("`%s`, carried out by bcdr", k.Name)
	case k.Name == "":
		return "an unknown kind"
	}
	return fmt.Sprintf("`%s`, runs automatically", k.Name)
}

func (d *docWriter) approval(a *Approval) {
	q := a.Quorum
	if q == 0 {
		q = 1
	}
	d.p("- **Approved by**: %s (%d approval(s) needed", strings.Join(a.Approvers, ", "), q)
	if !a.AllowInitiator {
		d.p("; the person who started the run cannot approve")
	}
	d.p(")\n")
	if a.Timeout > 0 {
		d.p("- **If nobody approves within %s**: %s", a.Timeout, a.OnTimeout)
		if a.OnTimeout == "escalate" {
			d.p(" to %s", strings.Join(a.EscalateTo, ", "))
			if a.EscalationTimeout > 0 {
				d.p(", who have %s", a.EscalationTimeout)
			}
		}
		d.p("\n")
	}
}

func (d *docWriter) limits(st *Step) {
	var parts []string
	if st.Timeout > 0 {
		parts = append(parts, "timeout "+st.Timeout.String())
	}
	if r := st.Retry; r != nil && r.Attempts > 0 {
		parts = append(parts, fmt.Sprintf("up to %d attempts", r.Attempts))
	}
	switch st.OnError {
	case OnErrorContinue:
		parts = append(parts, "a failure is recorded and the run goes on")
	case OnErrorRollback:
		parts = append(parts, "a failure rolls back the completed steps")
	}
	if len(parts) > 0 {
		d.p("- **Limits**: %s\n", strings.Join(parts, "; "))
	}
}

func (d *docWriter) variants(st *Step) {
	if st.Rollback != nil {
		d.p("\n**Rollback**: `%s`%s\n", st.Rollback.Uses, inlineInputs(st.Rollback.With))
	}
	if st.Drill == nil {
		return
	}
	a, ok := st.DrillAction()
	if !ok {
		d.p("\n**In a drill**: skipped.\n")
		return
	}
	d.p("\n**In a drill**: `%s`%s\n", a.Uses, inlineInputs(a.With))
	if c := st.Drill.Cleanup; c != nil {
		d.p("then cleaned up with `%s`%s\n", c.Uses, inlineInputs(c.With))
	}
}

func blockquote(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}
