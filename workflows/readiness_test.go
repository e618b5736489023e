package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
	awsact "github.com/bcdr/bcdr/activities/aws"
	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/activities/notify"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// readinessBook writes a canary to a DynamoDB table: its check reads the table.
const readinessBook = `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: sessions-canary, service: sessions, tier: 1}
parameters:
  - {name: table, type: string, default: sessions}
  - {name: canary_key, type: string, secret: true, default: "canary-hunter2"}
steps:
  - id: canary
    uses: aws.dynamodb.put_marker
    with:
      region: us-east-1
      table: ${{ params.table }}
      key: ${{ params.canary_key }}
`

// scheduleChecks stands for the Temporal Schedule in the SDK's test environment (which
// runs no schedules): it starts the readiness workflow as a cron child, which the test
// environment runs at every time of the spec with the previous run's result, as a
// schedule does, then waits for.
func scheduleChecks(ctx workflow.Context, in workflows.ReadinessInput, cron string, until time.Duration) error {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "readiness-sessions", CronSchedule: cron})
	workflow.ExecuteChildWorkflow(cctx, workflows.ReadinessWorkflowName, in)
	return workflow.Sleep(ctx, until)
}

// hook is a webhook channel's receiving end: every event posted to it.
type hook struct {
	mu     sync.Mutex
	events []activities.Event
	bodies []string
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev activities.Event
	_ = json.Unmarshal(body, &ev)
	h.mu.Lock()
	h.events, h.bodies = append(h.events, ev), append(h.bodies, string(body))
	h.mu.Unlock()
}

func (h *hook) got() ([]activities.Event, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]activities.Event(nil), h.events...), append([]string(nil), h.bodies...)
}

// TestScheduledCheckNoticesADeletionWithinOneInterval: checks every 30 minutes; the
// table the runbook writes to is deleted in moto between two checks, and the next
// check (within 30 minutes of the deletion) is not ready, names the step and the table,
// and sends readiness.changed through the notify route; the table comes back and the
// check after says ready again. Every check leaves a readiness record in the chain.
func TestScheduledCheckNoticesADeletionWithinOneInterval(t *testing.T) {
	endpoint := awstest.StartMoto(t)
	ctx := context.Background()
	cfg := awstest.SDKConfig(t, endpoint, "us-east-1")
	ddb := dynamodb.NewFromConfig(cfg)
	createTable := func() {
		_, err := ddb.CreateTable(ctx, awstest.KeyTable("sessions"))
		require.NoError(t, err)
	}
	createTable()

	aws := awsact.New(awsact.Config{Region: "us-east-1", Endpoint: endpoint})
	var kinds []runbooks.Kind
	for _, a := range aws.Actions() {
		kinds = append(kinds, a.Kind)
	}
	reg, err := runbooks.DefaultRegistry(kinds...)
	require.NoError(t, err)
	rb, diags := runbooks.Parse("sessions-canary.yaml", []byte(readinessBook), reg)
	require.False(t, diags.HasErrors(), "%s", diags.Error())

	store, err := evidence.NewFileStore(t.TempDir())
	require.NoError(t, err)
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	notifier := notify.New(notify.Config{
		Channels: map[string]notify.Channel{"dr": {Type: "webhook", URL: srv.URL}},
		Routes:   []notify.Route{{Channels: []string{"dr"}, Events: []string{activities.EventReadinessChanged}}},
	}, notify.Options{Attempts: 1})

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	env.RegisterWorkflow(scheduleChecks)
	env.RegisterWorkflowWithOptions(workflows.Readiness, workflow.RegisterOptions{Name: workflows.ReadinessWorkflowName})
	checks := &readiness.Activity{Registry: reg, Options: readiness.Options{Kinds: aws.Checkers()}}
	env.RegisterActivityWithOptions(checks.Check, activity.RegisterOptions{Name: workflows.ReadinessCheckActivity})
	env.RegisterActivityWithOptions((&evidence.Activity{Store: store}).WriteReadiness, activity.RegisterOptions{Name: workflows.ReadinessRecordActivity})
	notifier.Register(env)

	// Checks at 9:00 (the test environment starts the first at once), 9:30, 10:00,
	// 10:30, 11:00, 11:30; the table goes at 9:40 and comes back at 10:40.
	deleted, restored := start.Add(40*time.Minute), start.Add(100*time.Minute)
	env.RegisterDelayedCallback(func() {
		_, err := ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: awssdk.String("sessions")})
		require.NoError(t, err)
	}, deleted.Sub(start))
	env.RegisterDelayedCallback(createTable, restored.Sub(start))

	in := workflows.ReadinessInput{Schedule: "sessions-readiness", Check: readiness.Request{Runbook: *rb}, Notify: true, Evidence: true}
	env.ExecuteWorkflow(scheduleChecks, in, "*/30 * * * *", 155*time.Minute)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())

	// The records, in the chain.
	ms, err := store.List(ctx)
	require.NoError(t, err)
	var results []string
	var firstNotReady time.Time
	for _, m := range ms {
		require.Equal(t, readiness.RecordMode, m.Mode)
		results = append(results, m.StartedAt.Format("15:04")+" "+m.State)
		if m.State == string(readiness.NotReady) && firstNotReady.IsZero() {
			firstNotReady = m.StartedAt
		}
	}
	assert.Equal(t, []string{"09:00 ready", "09:30 ready", "10:00 not ready", "10:30 not ready", "11:00 ready", "11:30 ready"}, results)
	require.False(t, firstNotReady.IsZero())
	assert.LessOrEqual(t, firstNotReady.Sub(deleted), 30*time.Minute, "the deletion is noticed within one interval")
	rep, err := store.Verify(ctx)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Problems)

	// Two notifications: not ready (naming the step and the table), then ready again.
	events, bodies := h.got()
	require.Len(t, events, 2, "%v", bodies)
	broke, back := events[0], events[1]
	assert.Equal(t, activities.EventReadinessChanged, broke.Type)
	assert.Equal(t, "sessions-canary", broke.Runbook)
	assert.Equal(t, "sessions", broke.Service)
	assert.Equal(t, "canary", broke.Step)
	assert.Equal(t, string(readiness.NotReady), broke.State)
	assert.Equal(t, readiness.RecordMode, broke.Mode, "not a live run's event")
	assert.Contains(t, broke.Error, "sessions", "names the missing table")
	assert.True(t, broke.At.Sub(deleted) <= 30*time.Minute, "notified at %s, deleted at %s", broke.At, deleted)
	assert.Equal(t, string(readiness.Ready), back.State)
	assert.Contains(t, back.Message, "ready again")
	for _, b := range bodies {
		assert.NotContains(t, b, "hunter2", "no secret in a notification")
	}

	// The newest record of the runbook is the last check's, and it knows the one before.
	latest, errs := evidence.LatestReadiness(ctx, store, ms)
	require.Empty(t, errs)
	require.Len(t, latest, 1)
	assert.Equal(t, readiness.Ready, latest[0].Result)
	assert.Equal(t, readiness.Ready, latest[0].Previous)
	assert.Equal(t, "sessions-readiness", latest[0].Schedule)
	assert.True(t, strings.HasPrefix(latest[0].ID, "readiness-sessions-"), latest[0].ID)
}

// TestCheckThatCannotRunIsRecordedAndNotified: when the checks cannot run at all (here
// the worker refuses the request, quoting a secret parameter's value), the check is
// recorded as "cannot check" (never as ready), the first such check notifies, and the
// secret is masked in the record and the notification.
func TestCheckThatCannotRunIsRecordedAndNotified(t *testing.T) {
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	src := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: gated, service: web}\n" +
		"parameters:\n  - {name: token, type: string, secret: true}\nsteps:\n  - {id: a, uses: noop}\n"
	rb, diags := runbooks.Parse("gated.yaml", []byte(src), reg)
	require.False(t, diags.HasErrors(), "%s", diags.Error())

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.Readiness, workflow.RegisterOptions{Name: workflows.ReadinessWorkflowName})
	env.RegisterActivityWithOptions(func(_ context.Context, req readiness.Request) (*readiness.Report, error) {
		return nil, activities.NonRetryable(activities.ErrValidation, errors.New("parameter token: "+req.Params["token"]+" is not accepted"))
	}, activity.RegisterOptions{Name: workflows.ReadinessCheckActivity})
	var kept []readiness.Record
	env.RegisterActivityWithOptions(func(_ context.Context, rec readiness.Record) (workflows.EvidenceRef, error) {
		kept = append(kept, rec)
		return workflows.EvidenceRef{}, nil
	}, activity.RegisterOptions{Name: workflows.ReadinessRecordActivity})
	var sent []activities.Event
	env.RegisterActivityWithOptions(func(_ context.Context, ev activities.Event) error {
		sent = append(sent, ev)
		return nil
	}, activity.RegisterOptions{Name: activities.EventActivity})

	in := workflows.ReadinessInput{Check: readiness.Request{Runbook: *rb, Params: map[string]string{"token": "tok-hunter2"}}, Notify: true, Evidence: true}
	env.ExecuteWorkflow(workflows.ReadinessWorkflowName, in)
	require.NoError(t, env.GetWorkflowError())
	var rec readiness.Record
	require.NoError(t, env.GetWorkflowResult(&rec))
	assert.Equal(t, readiness.CannotCheck, rec.Result)
	assert.Equal(t, "live", rec.Mode)
	require.Len(t, kept, 1)
	require.Len(t, sent, 1)
	assert.Equal(t, string(readiness.CannotCheck), sent[0].State)
	body, _ := json.Marshal([]any{rec, kept, sent})
	assert.NotContains(t, string(body), "hunter2")
	assert.Contains(t, sent[0].Error, "parameter token: *** is not accepted")
}
