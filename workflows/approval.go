package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
)

// Task kinds a person resolves.
const (
	taskApproval = "approval"
	taskManual   = "manual"
	taskPrompt   = "prompt" // a tabletop step: participants answer, nothing touches the world
	taskRollCall = "roll call"
)

// task is an approval, manual task or tabletop prompt waiting for people.
type task struct {
	kind      string
	since     time.Time
	approvers []string // approval: who may approve now; manual: who may complete ("" = anyone)
	quorum    int
	done      bool
	covered   map[string]bool // roll call: the people entries acknowledged (a group by any member)
	declined  *Decision
}

// declinedError ends an approval step as declined.
type declinedError struct{ d Decision }

func (e *declinedError) Error() string {
	return fmt.Sprintf("declined by %s: %s", e.d.By, e.d.Comment)
}

// awaitApproval waits until a quorum of distinct approvers approves, one declines, or the
// timeout policy ends the wait.
func (r *run) awaitApproval(ctx workflow.Context, i int) error {
	ap := r.rb.Steps[i].Approval
	if ap == nil {
		return temporal.NewNonRetryableApplicationError("approval step has no approval settings", activities.ErrValidation, nil)
	}
	t := &task{kind: taskApproval, since: workflow.Now(ctx), approvers: ap.Approvers, quorum: max(ap.Quorum, 1)}
	r.openTask(i, t)
	r.emitApprovalNeeded(ctx, i, t.approvers)
	timeout, escalated := ap.Timeout.Std(), false
	for {
		resolved := func() bool { return t.declined != nil || r.approvals(i) >= t.quorum }
		ok := true
		var err error
		if timeout > 0 {
			ok, err = workflow.AwaitWithTimeout(ctx, timeout, resolved)
		} else {
			err = workflow.Await(ctx, resolved)
		}
		if err != nil {
			return err
		}
		switch {
		case t.declined != nil:
			return &declinedError{d: *t.declined}
		case ok:
			return nil
		case ap.OnTimeout == "approve":
			r.decide(ctx, i, Decision{By: "system", Approve: true, Comment: "approved on timeout after " + timeout.String()})
			return nil
		case ap.OnTimeout == "escalate" && !escalated && len(ap.EscalateTo) > 0:
			escalated = true
			t.approvers = ap.EscalateTo
			r.st.Steps[i].Approvers = ap.EscalateTo
			r.record(ctx, OperatorAction{Action: "escalate", By: "system", Step: r.rb.Steps[i].ID,
				Comment: fmt.Sprintf("no quorum within %s; escalated to %s", timeout, strings.Join(ap.EscalateTo, ", "))})
			timeout = ap.EscalationTimeout.Std()
			r.emitApprovalNeeded(ctx, i, t.approvers)
		default:
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("approval timed out after %s with %d of %d approvals", timeout, r.approvals(i), t.quorum),
				"ApprovalTimeout", nil)
		}
	}
}

// awaitTask waits until a manual task or tabletop prompt is completed.
func (r *run) awaitTask(ctx workflow.Context, i int, kind string) (activities.Outcome, int, error) {
	t := &task{kind: kind, since: workflow.Now(ctx)}
	if a, ok := r.rb.Steps[i].With["assignee"].(string); ok && a != "" && kind == taskManual {
		t.approvers = []string{a}
	}
	r.openTask(i, t)
	if kind == taskPrompt {
		r.st.Steps[i].OpenedAt = workflow.Now(ctx)
	}
	if err := workflow.Await(ctx, func() bool { return t.done }); err != nil {
		return activities.Outcome{}, 0, err
	}
	ds := r.st.Steps[i].Decisions
	if len(ds) == 0 {
		return activities.Outcome{Outputs: activities.Result{"answers": []any{}}, Attempt: 1}, 1, nil
	}
	var answers []any
	for _, d := range ds {
		answers = append(answers, d.By+": "+d.Comment)
	}
	d := ds[len(ds)-1]
	out := activities.Result{"completed_by": d.By, "comment": d.Comment, "answers": answers}
	return activities.Outcome{Outputs: out, Attempt: 1}, 1, nil
}

func (r *run) openTask(i int, t *task) {
	r.tasks[i] = t
	s := &r.st.Steps[i]
	s.Status = StepWaiting
	if t.kind == taskApproval || t.kind == taskRollCall {
		s.Approvers, s.Quorum = t.approvers, t.quorum
	}
	r.dirty = true
}

// approvalOutputs are an approved step's outputs: who approved, and what they said.
func (r *run) approvalOutputs(i int) activities.Result {
	by := []any{}
	var comments []string
	for _, d := range r.st.Steps[i].Decisions {
		if d.Approve {
			by = append(by, d.By)
			if d.Comment != "" {
				comments = append(comments, d.By+": "+d.Comment)
			}
		}
	}
	return activities.Result{"approved_by": by, "comment": strings.Join(comments, "; ")}
}

// approvers lists who approved step i.
func (r *run) approvers(i int) []string {
	var by []string
	for _, d := range r.st.Steps[i].Decisions {
		if d.Approve {
			by = append(by, d.By)
		}
	}
	return by
}

// approvals counts distinct approvers of step i.
func (r *run) approvals(i int) int {
	n := 0
	for _, d := range r.st.Steps[i].Decisions {
		if d.Approve {
			n++
		}
	}
	return n
}

func (r *run) decide(ctx workflow.Context, i int, d Decision) {
	d.At = workflow.Now(ctx)
	d.Comment = redactString(d.Comment, r.secrets)
	r.st.Steps[i].Decisions = append(r.st.Steps[i].Decisions, d)
	r.dirty = true
}

func (r *run) record(ctx workflow.Context, a OperatorAction) {
	a.At = workflow.Now(ctx)
	r.st.Actions = append(r.st.Actions, a)
	r.dirty = true
}

// canAct reports whether actor matches one of the names: a user name, or "group:<g>" for
// a group the actor is in.
func canAct(actor Actor, names []string) bool {
	for _, n := range names {
		if g, ok := strings.CutPrefix(n, "group:"); ok {
			if slices.Contains(actor.Groups, g) {
				return true
			}
		} else if n == actor.Name {
			return true
		}
	}
	return false
}

// pending lists the open tasks in step order.
func (r *run) pending() []PendingTask {
	var out []PendingTask
	for i, t := range r.tasks {
		if t == nil || t.done {
			continue
		}
		def := &r.rb.Steps[i]
		p := PendingTask{Step: def.ID, Name: def.Name, Kind: t.kind, Since: t.since, Approvers: t.approvers}
		if t.kind == taskApproval {
			p.Quorum, p.Approved = t.quorum, r.approvals(i)
		}
		// Whoever decides reads what the runbook tells them, approvers too, with the
		// expressions rendered (r.text redacts secrets).
		p.Prompt = def.Instructions
		if p.Prompt == "" {
			p.Prompt = def.Description
		}
		p.Prompt = r.text(p.Prompt)
		out = append(out, p)
	}
	return out
}
