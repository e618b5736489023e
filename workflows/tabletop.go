package workflows

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// deliverInjects plays a tabletop's injects on the runbook's timeline (accelerated by
// Input.Speed), from the run's start. Injects delivered before a continue-as-new are not
// delivered again.
func (r *run) deliverInjects(ctx workflow.Context) func() {
	if r.in.Mode != ModeTabletop || len(r.rb.Injects) == 0 {
		return func() {}
	}
	injects := append([]runbooks.Inject(nil), r.rb.Injects...)
	sort.SliceStable(injects, func(i, j int) bool { return injects[i].At < injects[j].At })
	speed := r.in.Speed
	if speed <= 0 {
		speed = 1
	}
	ictx, stop := workflow.WithCancel(ctx)
	workflow.Go(ictx, func(gctx workflow.Context) {
		for i := len(r.st.Injects); i < len(injects); i++ {
			in := injects[i]
			due := r.st.StartedAt.Add(time.Duration(float64(in.At.Std()) / speed))
			if wait := due.Sub(workflow.Now(gctx)); wait > 0 {
				if err := workflow.Sleep(gctx, wait); err != nil {
					return
				}
			}
			title, msg := r.text(in.Title), r.text(in.Message)
			r.st.Injects = append(r.st.Injects, InjectDelivery{Due: in.At.Std(), Title: title, Message: msg, DeliveredAt: workflow.Now(gctx)})
			r.emit(gctx, activities.Event{Type: "inject", Message: title + ": " + msg})
			r.dirty = true
		}
	})
	return stop
}

// undeliveredInjects lists the tabletop injects the run ended before delivering, in
// timeline order (the order deliverInjects plays them).
func (r *run) undeliveredInjects() []InjectDelivery {
	if r.in.Mode != ModeTabletop || len(r.st.Injects) >= len(r.rb.Injects) {
		return nil
	}
	injects := append([]runbooks.Inject(nil), r.rb.Injects...)
	sort.SliceStable(injects, func(i, j int) bool { return injects[i].At < injects[j].At })
	var out []InjectDelivery
	for _, in := range injects[len(r.st.Injects):] {
		out = append(out, InjectDelivery{Due: in.At.Std(), Title: r.text(in.Title), Message: r.text(in.Message)})
	}
	return out
}

// text expands a text's expressions, keeping the text as it is when they fail.
func (r *run) text(s string) string {
	if !hasExpr(s) {
		return s
	}
	v, err := runbooks.Expand(s, r.scope())
	if err != nil {
		return s
	}
	return redactString(fmt.Sprint(v), r.secrets)
}

// answerPrompt records a participant's answer to a tabletop prompt; the prompt stays
// open for others until the facilitator advances.
func (r *run) answerPrompt(ctx workflow.Context, i int, req DecisionRequest) {
	r.decide(ctx, i, Decision{By: req.By.Name, Approve: true, Comment: req.Comment})
}

func (r *run) validateAdvance(req ControlRequest) error {
	if err := r.validateActive(req); err != nil {
		return err
	}
	if req.By.Name != r.in.Initiator.Name {
		return fmt.Errorf("only the facilitator (%s, who started the run) can advance a tabletop", r.in.Initiator.Name)
	}
	if req.Step != "" {
		_, _, err := r.openTaskFor(req.Step, taskPrompt)
		return err
	}
	for _, t := range r.tasks {
		if t != nil && t.kind == taskPrompt && !t.done {
			return nil
		}
	}
	return errors.New("no tabletop prompt is open")
}

// advance closes a prompt (or every open prompt when no step is named).
func (r *run) advance(ctx workflow.Context, req ControlRequest) {
	for i, t := range r.tasks {
		if t != nil && t.kind == taskPrompt && !t.done && (req.Step == "" || r.rb.Steps[i].ID == req.Step) {
			t.done = true
		}
	}
	r.dirty = true
}

func (r *run) validateParticipant(req DecisionRequest) error {
	if len(r.in.Participants) == 0 || req.By.Name == r.in.Initiator.Name || slices.Contains(r.in.Participants, req.By.Name) {
		return nil
	}
	return fmt.Errorf("%s is not a participant of this tabletop (participants: %s)", req.By.Name, strings.Join(r.in.Participants, ", "))
}

var findingKinds = []string{FindingGap, FindingAction, FindingObservation}

func (r *run) validateFinding(_ workflow.Context, req FindingRequest) error {
	if r.st.State.Done() {
		return fmt.Errorf("run has ended (%s)", r.st.State)
	}
	if req.By.Name == "" {
		return errors.New("the identity of who records the finding is missing")
	}
	if !slices.Contains(findingKinds, req.Kind) {
		return fmt.Errorf("finding kind %q: must be one of %s", req.Kind, strings.Join(findingKinds, ", "))
	}
	if strings.TrimSpace(req.Text) == "" {
		return errors.New("a finding needs a text")
	}
	if req.Kind == FindingAction && req.Owner == "" {
		return errors.New("an action item needs an owner")
	}
	if _, ok := r.idx[req.Step]; req.Step != "" && !ok {
		return fmt.Errorf("no step %q in runbook %q", req.Step, r.rb.Metadata.Name)
	}
	return nil
}

func (r *run) finding(ctx workflow.Context, req FindingRequest) error {
	r.st.Findings = append(r.st.Findings, Finding{
		Kind: req.Kind, Text: redactString(req.Text, r.secrets), Owner: req.Owner, Step: req.Step,
		By: req.By.Name, At: workflow.Now(ctx),
	})
	r.dirty = true
	return nil
}
