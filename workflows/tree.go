package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/bcdr/bcdr/runbooks"
)

// ChildRunID is the run id of the child run that step of run parent starts (a `runbook`
// step): the parent's id, a dot and the step's id. Step ids hold no dot, so the part
// after a child id's last dot is its step and the part before it its parent's id.
func ChildRunID(parent, step string) string { return parent + "." + step }

// ParentRunID splits a run id of the child form (ChildRunID) into the parent's id and
// the step; ok is false when id has no dot. A top-level run's id may hold a dot too (a
// runbook name with one), so a caller checks that the parent exists.
func ParentRunID(id string) (parent, step string, ok bool) {
	i := strings.LastIndexByte(id, '.')
	if i <= 0 || i == len(id)-1 {
		return "", "", false
	}
	return id[:i], id[i+1:], true
}

// maxTreeDepth bounds how deep LoadChildren follows child runs: the runbook loader's own
// nesting cap (runbooks.LoadTree), so a tree it loaded is shown whole.
const maxTreeDepth = 8

// ChildRun is a child run of a scenario or nested runbook, as its parent shows it: the
// parent's step that started it, its state and progress, and its own child runs.
type ChildRun struct {
	Step    string   `json:"step"` // the parent's `runbook` step
	RunID   string   `json:"runId"`
	Runbook string   `json:"runbook,omitempty"`
	Service string   `json:"service,omitempty"`
	State   RunState `json:"state,omitempty"` // empty when the run could not be read (Error says why)
	// Steps and Done count the child's steps and those that ended.
	Steps     int        `json:"steps"`
	Done      int        `json:"done"`
	StartedAt time.Time  `json:"startedAt,omitzero"`
	EndedAt   time.Time  `json:"endedAt,omitzero"`
	Error     string     `json:"error,omitempty"`
	Children  []ChildRun `json:"children,omitempty"`
}

// Waiting is a task waiting for a person somewhere in a run's tree: the run that waits
// (the run itself or a child run) and the `runbook` steps that lead to it from the top.
type Waiting struct {
	RunID   string   `json:"runId"`
	Service string   `json:"service,omitempty"` // of the run that waits: who may decide
	Path    []string `json:"path,omitempty"`    // the runbook steps from the top run; empty for the top run's own tasks
	PendingTask
}

// LoadChildren fills s.Children with the child runs of its `runbook` steps that started
// (each read with get, down to the runbook loader's nesting cap), and s.Waiting with
// every task waiting for a person in the tree: s's own Pending first, then each child's,
// in step order. A child that cannot be read is listed with the reason. Readers call it
// (bcdr status and watch, the API's run page); the run itself never sets these fields.
func (s *Status) LoadChildren(get func(runID string) (Status, error)) {
	s.Children, s.Waiting = nil, nil
	for _, p := range s.Pending {
		s.Waiting = append(s.Waiting, Waiting{RunID: s.RunID, Service: s.Service, PendingTask: p})
	}
	s.Children = s.children(get, nil, 1, func(w Waiting) { s.Waiting = append(s.Waiting, w) })
}

// children reads the child runs of s's started `runbook` steps; path is the steps that
// led to s from the top run.
func (s *Status) children(get func(string) (Status, error), path []string, depth int, wait func(Waiting)) []ChildRun {
	var out []ChildRun
	for _, step := range s.Steps {
		if step.Uses != runbooks.KindRunbook || step.StartedAt.IsZero() {
			continue
		}
		id, _ := step.Outputs["run_id"].(string)
		if id == "" {
			id = ChildRunID(s.RunID, step.ID)
		}
		c := ChildRun{Step: step.ID, RunID: id}
		at := append(append([]string{}, path...), step.ID)
		st, err := get(id)
		switch {
		case err != nil:
			c.Error = fmt.Sprintf("cannot read child run %s: %v", id, err)
		default:
			c.Runbook, c.Service, c.State, c.StartedAt, c.EndedAt, c.Error = st.Runbook, st.Service, st.State, st.StartedAt, st.EndedAt, st.Error
			c.Steps = len(st.Steps)
			for _, cs := range st.Steps {
				if cs.Status.Terminal() {
					c.Done++
				}
			}
			for _, p := range st.Pending {
				wait(Waiting{RunID: id, Service: st.Service, Path: at, PendingTask: p})
			}
			if depth < maxTreeDepth {
				c.Children = st.children(get, at, depth+1, wait)
			}
		}
		out = append(out, c)
	}
	return out
}
