package runbooks

import "maps"

// DrillAction returns what the step does in drill mode: its drill variant, or its own
// action when it has none. A drill variant without uses runs the step's kind with the
// variant's with merged over the step's (and its timeout and retry, where given). ok is
// false when the drill variant skips the step.
func (s *Step) DrillAction() (a Action, ok bool) {
	if s.Drill == nil {
		return s.Action, true
	}
	if s.Drill.Skip {
		return Action{}, false
	}
	if s.Drill.Uses != "" {
		return s.Drill.Action, true
	}
	a = s.Action
	a.With = maps.Clone(s.With)
	if a.With == nil && len(s.Drill.With) > 0 {
		a.With = map[string]any{}
	}
	maps.Copy(a.With, s.Drill.With)
	if s.Drill.Timeout != 0 {
		a.Timeout = s.Drill.Timeout
	}
	if s.Drill.Retry != nil {
		a.Retry = s.Drill.Retry
	}
	return a, true
}

// ActionFor returns what the step does in a mode ("live", "drill" or "tabletop"); ok is
// false when the step is skipped in that mode. Tabletop runs no action: the caller turns
// the step into a prompt, so ActionFor returns the live action for reference.
func (s *Step) ActionFor(mode string) (a Action, ok bool) {
	if mode == "drill" {
		return s.DrillAction()
	}
	return s.Action, true
}

// Title returns the step's name, or its id when it has none.
func (s *Step) Title() string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}
