package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
)

// awaitRollCall runs a people.roll_call step: it notifies the people named, records
// their acknowledgements (the complete update) until the quorum acknowledges or the
// timeout passes, then tells escalate_to who is missing and keeps the roll call open for
// the escalation timeout. It never fails for a missing person; its outputs say who
// acknowledged, when, and who is missing.
func (r *run) awaitRollCall(ctx workflow.Context, i int) (activities.Outcome, int, error) {
	rc := r.rb.Steps[i].RollCall
	if rc == nil {
		return activities.Outcome{}, 0, temporal.NewNonRetryableApplicationError("roll call step has no roll call settings", activities.ErrValidation, nil)
	}
	quorum := rc.Quorum
	if quorum <= 0 {
		quorum = len(rc.People)
	}
	t := &task{kind: taskRollCall, since: workflow.Now(ctx), approvers: rc.People, quorum: quorum, covered: map[string]bool{}}
	r.openTask(i, t)
	id, msg := r.rb.Steps[i].ID, r.text(rc.Message)
	r.emit(ctx, activities.Event{Type: activities.EventRollCall, Step: id, Approvers: rc.People,
		Message: fmt.Sprintf("%s: roll call %q for %s: %s (acknowledge: bcdr complete %s %s)", r.rb.Metadata.Name, id, strings.Join(rc.People, ", "), msg, r.st.RunID, id)})
	enough := func() bool { return len(rc.People)-len(r.missing(t, rc.People)) >= quorum }
	ok, err := workflow.AwaitWithTimeout(ctx, rc.Timeout.Std(), enough)
	if err != nil {
		return activities.Outcome{}, 0, err
	}
	escalated := false
	if !ok && len(rc.EscalateTo) > 0 {
		escalated = true
		missing := r.missing(t, rc.People)
		t.approvers = append(append([]string(nil), rc.People...), rc.EscalateTo...)
		r.st.Steps[i].Approvers = t.approvers
		r.record(ctx, OperatorAction{Action: "escalate", By: "system", Step: id,
			Comment: fmt.Sprintf("%s did not acknowledge within %s; escalated to %s", strings.Join(missing, ", "), rc.Timeout, strings.Join(rc.EscalateTo, ", "))})
		r.emit(ctx, activities.Event{Type: activities.EventRollCallEscalated, Step: id, Approvers: rc.EscalateTo,
			Message: fmt.Sprintf("%s: roll call %q: %s did not acknowledge within %s: %s", r.rb.Metadata.Name, id, strings.Join(missing, ", "), rc.Timeout, msg)})
		wait := rc.EscalationTimeout.Std()
		if wait <= 0 {
			wait = rc.Timeout.Std()
		}
		if _, err := workflow.AwaitWithTimeout(ctx, wait, enough); err != nil {
			return activities.Outcome{}, 0, err
		}
	}
	t.done = true
	return activities.Outcome{Outputs: r.rollCallOutputs(i, t, escalated), Attempt: 1}, 1, nil
}

// missing lists the entries of names no acknowledgement covers, in the runbook's order.
func (r *run) missing(t *task, names []string) []string {
	var out []string
	for _, n := range names {
		if !t.covered[n] {
			out = append(out, n)
		}
	}
	return out
}

// checkAcknowledge checks a roll call acknowledgement; verified as for validateApprover.
func (r *run) checkAcknowledge(req DecisionRequest, t *task, verified bool) error {
	if (verified || r.decisions < decisionsVerified) && !canAct(req.By, t.approvers) {
		return fmt.Errorf("%s is not on the roll call of step %q (people: %s)", req.By.Name, req.Step, strings.Join(t.approvers, ", "))
	}
	for _, d := range r.st.Steps[r.idx[req.Step]].Decisions {
		if d.By == req.By.Name {
			return fmt.Errorf("%s has already acknowledged step %q", req.By.Name, req.Step)
		}
	}
	return nil
}

// acknowledge records a verified acknowledgement and the entries it covers: the user's
// own name and any group of theirs named.
func (r *run) acknowledge(ctx workflow.Context, i int, req DecisionRequest) {
	t := r.tasks[i]
	for _, n := range t.approvers {
		if canAct(req.By, []string{n}) {
			t.covered[n] = true
		}
	}
	r.decide(ctx, i, Decision{By: req.By.Name, Approve: true, Comment: req.Comment})
}

// rollCallOutputs are a roll call's outputs: acknowledged [{user, at}] in order, the
// people missing, and whether it escalated.
func (r *run) rollCallOutputs(i int, t *task, escalated bool) activities.Result {
	acked := []any{}
	for _, d := range r.st.Steps[i].Decisions {
		acked = append(acked, map[string]any{"user": d.By, "at": d.At.UTC().Format(time.RFC3339)})
	}
	missing := []any{}
	for _, n := range r.missing(t, r.rb.Steps[i].RollCall.People) {
		missing = append(missing, n)
	}
	return activities.Result{"acknowledged": acked, "missing": missing, "escalated": escalated}
}
