package runbooks

import "maps"

// DrillAction returns what the step does in drill mode: its drill variant, or its own
// action when it has none and does not act for real (Acts). A drill variant without uses
// runs the step's kind with the variant's with merged over the step's (and its timeout
// and retry, where given); one with live runs the step's own action. ok is false when
// the step does not run in a drill: its variant skips it, or it acts for real and has no
// variant.
func (s *Step) DrillAction() (a Action, ok bool) {
	switch {
	case s.Drill == nil && s.Acts:
		return Action{}, false
	case s.Drill == nil, s.Drill.Live:
		return s.Action, true
	case s.Drill.Skip:
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

// DrillEffect says what a step does in a drill.
type DrillEffect string

const (
	DrillAsWritten DrillEffect = "as-written" // its kind does not act for real; it runs as written
	DrillByVariant DrillEffect = "variant"    // its drill variant runs instead
	DrillSkips     DrillEffect = "skipped"    // drill: {skip: true}
	DrillNotRun    DrillEffect = "not-run"    // it would act for real and has no drill variant
	DrillForReal   DrillEffect = "for-real"   // drill: {live: true}: it acts for real in the drill
)

// InDrill returns what the step does in a drill.
func (s *Step) InDrill() DrillEffect {
	switch {
	case s.Drill == nil && s.Acts:
		return DrillNotRun
	case s.Drill == nil:
		return DrillAsWritten
	case s.Drill.Live:
		return DrillForReal
	case s.Drill.Skip:
		return DrillSkips
	}
	return DrillByVariant
}

// ActsForReal reports whether steps of kind k change the world from an activity, so
// that a drill runs them only through a drill variant. Kinds the workflow interprets
// (approval, manual, wait, runbook: a nested runbook's own steps are judged in its own
// run) and noop (a side effect for tests only) do not.
func ActsForReal(k Kind) bool {
	return k.SideEffects && k.Executor != ByWorkflow && k.Name != KindNoop
}
