package api

import (
	"github.com/bcdr/bcdr/runbooks"
)

// requireApproval puts an approval step (id, or id followed by "_" as often as the
// runbook already has one) before every step that needs nothing, so that nothing runs
// until the approvers approve; why is what they read. It is an ordinary approval step:
// the run applies its approvers, groups, four-eyes rule and decline. The runbook is
// validated again: the run carries exactly what was checked. A trigger's approvers and
// the proven-version gate ask for one.
func requireApproval(rb *runbooks.Runbook, id, name, why string, approvers []string, reg *runbooks.Registry) error {
	for rb.Step(id) != nil {
		id += "_"
	}
	names := make([]any, len(approvers))
	for i, a := range approvers {
		names[i] = a
	}
	step := runbooks.Step{
		ID: id, Name: name, Description: why,
		Action: runbooks.Action{Uses: runbooks.KindApproval, With: map[string]any{"approvers": names, "quorum": 1}},
	}
	for i := range rb.Steps {
		if len(rb.Steps[i].Needs) == 0 {
			rb.Steps[i].Needs = []string{id}
		}
	}
	rb.Steps = append([]runbooks.Step{step}, rb.Steps...)
	if diags := runbooks.Validate(rb, reg); diags.HasErrors() {
		return diags
	}
	return nil
}
