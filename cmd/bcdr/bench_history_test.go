package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
)

// historyStats is what a workflow's history says about its cost per step.
type historyStats struct {
	events      int
	bytes       int // encoded size of every event
	inputBytes  int // activity inputs (ActivityTaskScheduled)
	resultBytes int // activity results (ActivityTaskCompleted)
	activities  int
	scheduled   []time.Time // when each activity was scheduled
	completed   []time.Time // when each activity completed, in schedule order
	lastDone    time.Time   // when the last activity completed
	// A step's anatomy: a workflow task waits for a worker (queue), the worker decides
	// and the server records the decision (decide), the activity runs and its result is
	// recorded (activity).
	queue, decide, activity []time.Duration
}

// cycles returns the time between consecutive activity schedules: in a sequential
// workflow, one step's full cost (schedule, run, complete, decide).
func (h historyStats) cycles() []time.Duration {
	var out []time.Duration
	for i := 1; i < len(h.scheduled); i++ {
		out = append(out, h.scheduled[i].Sub(h.scheduled[i-1]))
	}
	return out
}

// span is the time from the first activity's schedule to the last one's completion.
func (h historyStats) span() time.Duration {
	if len(h.scheduled) == 0 {
		return 0
	}
	return h.lastDone.Sub(h.scheduled[0])
}

// burst is how long the engine took to record the completions of the first n
// activities, which all end at the same moment in a DAG's first layer: the
// completions of one workflow are recorded one at a time.
func (h historyStats) burst(n int) time.Duration {
	if len(h.completed) < n {
		return 0
	}
	first, last := h.completed[0], h.completed[0]
	for _, t := range h.completed[:n] {
		first, last = minTime(first, t), maxTime(last, t)
	}
	return last.Sub(first)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// readHistory reads the whole history of a workflow's latest run.
func readHistory(b *testing.B, c client.Client, id string) historyStats {
	b.Helper()
	var h historyStats
	var wtScheduled, wtStarted, actStarted time.Time
	index := map[int64]int{} // scheduled event id -> schedule order
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(b, err)
		h.events++
		h.bytes += proto.Size(ev)
		at := ev.GetEventTime().AsTime()
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
			wtScheduled = at
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			wtStarted = at
			h.queue = append(h.queue, at.Sub(wtScheduled))
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			h.decide = append(h.decide, at.Sub(wtStarted))
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			h.activities++
			h.inputBytes += payloadsSize(ev.GetActivityTaskScheduledEventAttributes().GetInput())
			index[ev.GetEventId()] = len(h.scheduled)
			h.scheduled = append(h.scheduled, at)
			h.completed = append(h.completed, time.Time{})
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			actStarted = at
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			h.resultBytes += payloadsSize(ev.GetActivityTaskCompletedEventAttributes().GetResult())
			h.lastDone = at
			h.completed[index[ev.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()]] = at
			h.activity = append(h.activity, at.Sub(actStarted))
		}
	}
	return h
}

// add appends o's anatomy to h's.
func (h *historyStats) add(o historyStats) {
	h.queue = append(h.queue, o.queue...)
	h.decide = append(h.decide, o.decide...)
	h.activity = append(h.activity, o.activity...)
}

// anatomy is the median of each part of a step, in milliseconds.
func (h historyStats) anatomy() string {
	f := func(ds []time.Duration) string { return fmt.Sprintf("%.2f", ms(median(ds))) }
	return f(h.queue) + " + " + f(h.decide) + " + " + f(h.activity) + " ms"
}

func payloadsSize(p *commonpb.Payloads) int {
	n := 0
	for _, x := range p.GetPayloads() {
		n += len(x.GetData())
	}
	return n
}
