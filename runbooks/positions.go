package runbooks

import "github.com/bcdr/bcdr/internal/yamlnode"

// positionsOf returns the places a runbook built in Go carries itself (Step.Pos, ...).
func positionsOf(rb *Runbook) yamlnode.Positions {
	p := yamlnode.Positions{}
	yamlnode.SetItems(p, "steps", rb.Steps, func(s *Step) Pos { return s.Pos })
	yamlnode.SetItems(p, "steady_state", rb.SteadyState, func(pr *Probe) Pos { return pr.Pos })
	yamlnode.SetItems(p, "injects", rb.Injects, func(in *Inject) Pos { return in.Pos })
	return p
}
