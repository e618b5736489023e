package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
)

// emit sends a run event to the notifier when the run asked for notifications. It never
// blocks the run and never fails it: a notification that cannot be delivered is logged.
func (r *run) emit(ctx workflow.Context, ev activities.Event) workflow.Future {
	if !r.in.Notify {
		return nil
	}
	ev.RunID, ev.Runbook, ev.Service, ev.Mode = r.st.RunID, r.rb.Metadata.Name, r.rb.Metadata.Service, string(r.in.Mode)
	ev.Initiator, ev.At, ev.Labels = r.in.Initiator.Name, workflow.Now(ctx), r.rb.Metadata.Labels
	ev.Message = redactString(ev.Message, r.secrets)
	ev.Error = redactString(ev.Error, r.secrets)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           r.in.TaskQueue,
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3, InitialInterval: time.Second},
	})
	f := workflow.ExecuteActivity(ctx, activities.EventActivity, ev)
	r.eventsInFlight++
	workflow.Go(ctx, func(gctx workflow.Context) {
		defer func() { r.eventsInFlight-- }()
		if err := f.Get(gctx, nil); err != nil {
			workflow.GetLogger(gctx).Warn("notification not delivered", "event", ev.Type, "error", err)
		}
	})
	return f
}

func (r *run) emitStarted(ctx workflow.Context) {
	r.emit(ctx, activities.Event{Type: activities.EventRunStarted, RTOTarget: r.st.RTOTarget,
		Message: fmt.Sprintf("%s run of %s started by %s", r.in.Mode, r.rb.Metadata.Name, r.in.Initiator.Name)})
}

func (r *run) emitApprovalNeeded(ctx workflow.Context, i int, approvers []string) {
	r.emit(ctx, activities.Event{Type: activities.EventApprovalNeeded, Step: r.rb.Steps[i].ID, Approvers: approvers,
		Message: fmt.Sprintf("%s: step %q needs an approval from %s", r.rb.Metadata.Name, r.rb.Steps[i].ID, strings.Join(approvers, ", "))})
}

func (r *run) emitStepFailed(ctx workflow.Context, i int) {
	s := r.st.Steps[i]
	r.emit(ctx, activities.Event{Type: activities.EventStepFailed, Step: s.ID, Error: s.Error,
		Message: fmt.Sprintf("%s: step %q %s after %d attempt(s): %s", r.rb.Metadata.Name, s.ID, s.Status, s.Attempts, s.Error)})
}

// emitFinished sends the last event and waits until every notification is delivered or
// has given up (each is bounded by its retry policy): a workflow that completes
// abandons the activities it has not seen finish.
func (r *run) emitFinished(ctx workflow.Context) {
	msg := fmt.Sprintf("%s run of %s %s", r.in.Mode, r.rb.Metadata.Name, r.st.State)
	if r.st.RTOActual > 0 {
		msg += fmt.Sprintf("; RTO %s (target %s)", r.st.RTOActual, r.st.RTOTarget)
	}
	if r.st.Error != "" {
		msg += ": " + r.st.Error
	}
	r.emit(ctx, activities.Event{Type: activities.EventRunFinished, State: string(r.st.State), Error: r.st.Error,
		RTOActual: r.st.RTOActual, RTOTarget: r.st.RTOTarget, Message: msg})
	if r.eventsInFlight > 0 {
		_ = workflow.Await(ctx, func() bool { return r.eventsInFlight == 0 })
	}
}
