package runbooks

import "github.com/bcdr/bcdr/internal/yamlnode"

// positionsOf returns the places a runbook built in Go carries itself (Step.Pos, ...).
func positionsOf(rb *Runbook) yamlnode.Positions {
	p := yamlnode.Positions{}
	for i, s := range rb.Steps {
		if s.Pos.Line > 0 {
			p[yamlnode.Index("steps", i)] = s.Pos
		}
	}
	for i, s := range rb.SteadyState {
		if s.Pos.Line > 0 {
			p[yamlnode.Index("steady_state", i)] = s.Pos
		}
	}
	for i, s := range rb.Injects {
		if s.Pos.Line > 0 {
			p[yamlnode.Index("injects", i)] = s.Pos
		}
	}
	return p
}
