package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/bcdr/bcdr/internal/duration"
	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/runbooks"
)

// An alert that lacks an annotation a trigger parameter names must still start the
// recovery: Alertmanager does not retry a 4xx, so a 422 loses it. The parameter takes
// the runbook's default, or renders empty, and the run's record says which.
func TestTriggerParamMissingFromAlert(t *testing.T) {
	body := fixture.Read(t, "testdata/alerts/openshift-empty-annotations.json")
	alerts, err := parseAlertmanager(body)
	require.NoError(t, err)
	a, ok := pick(alerts, map[string]string{"alertname": "KubeAPIDown"})
	require.True(t, ok)

	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	src := "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata:\n  name: r\nparameters:\n" +
		"  - {name: summary, type: string, default: no summary given}\n" +
		"  - {name: note, type: string}\n" +
		"  - {name: severity, type: string}\n" +
		"steps:\n  - id: a\n    uses: noop\n"
	rb, diags := runbooks.Parse("r.yaml", []byte(src), reg)
	require.False(t, diags.HasErrors(), diags.Error())

	tr := Trigger{Params: map[string]string{
		"summary":  "{{ .Annotations.summary }}",
		"note":     "seen: {{ .Annotations.description }}",
		"severity": "{{ .Labels.severity }}",
	}}
	params, warnings, err := renderTriggerParams("api-down", tr, a, rb)
	require.NoError(t, err, "a missing annotation is not the sender's error")
	assert.Equal(t, map[string]any{"note": "seen: ", "severity": "critical"}, params, "summary is left to its default")
	require.Len(t, warnings, 2)
	assert.Contains(t, warnings[0], "parameter note, so it rendered as \"seen: \"")
	assert.Contains(t, warnings[0], ".Annotations.description")
	assert.Contains(t, warnings[1], "parameter summary, so it took the runbook's default no summary given")
	for _, w := range warnings {
		assert.NotContains(t, w, "map has no entry", "the warning is in the author's terms")
	}
}

// A drill started by an alert measures its RTO from its own start: an old alert once
// showed "elapsed 54455h". A live recovery measures from the alert's start.
func TestTriggerDrillClockStartsWithTheRun(t *testing.T) {
	s := testServer(t)
	body := fixture.Read(t, "testdata/alerts/openshift-empty-annotations.json")
	alerts, err := parseAlertmanager(body)
	require.NoError(t, err)
	for mode, wantClock := range map[string]bool{"drill": false, "tabletop": false, "live": true} {
		in, err := s.triggerInput("am", Trigger{Runbook: "demo-failover", Mode: mode}, alerts[0])
		require.NoError(t, err, mode)
		assert.Equal(t, wantClock, !in.OutageStart.IsZero(), mode)
		assert.Equal(t, []string{"demo-web"}, in.Authorized, "a configured trigger's run may count as proof for its service")
	}
}

// engineWith is an engine that holds the given runs: open ones answer the query for
// running runs, every one answers a query by start time, and a start of an id it holds
// is refused as Temporal refuses a duplicate workflow id.
func engineWith(t *testing.T, runs ...*workflowpb.WorkflowExecutionInfo) (*mocks.Client, *[]string) {
	engine := &mocks.Client{}
	var started []string
	engine.On("ListWorkflow", mock.Anything, mock.Anything).Return(func(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
		var out []*workflowpb.WorkflowExecutionInfo
		for _, r := range runs {
			if strings.Contains(req.Query, "ExecutionStatus = 'Running'") && r.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				continue
			}
			out = append(out, r)
		}
		return &workflowservice.ListWorkflowExecutionsResponse{Executions: out}, nil
	})
	engine.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(
		func(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
			for _, r := range runs {
				if r.Execution.WorkflowId == o.ID {
					return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", "")
				}
			}
			started = append(started, o.ID)
			return &mocks.WorkflowRun{}, nil
		})
	return engine, &started
}

func execution(id string, status enumspb.WorkflowExecutionStatus, start time.Time) *workflowpb.WorkflowExecutionInfo {
	return &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: id}, Status: status,
		StartTime: timestamppb.New(start), Type: &commonpb.WorkflowType{Name: "bcdr.Run"}}
}

// De-duplication follows the alert's firing, not fixed time buckets: issue 23 saw one
// alert sent 1.9 s apart across a bucket edge start two runs, every Alertmanager
// repeat_interval start a new run, and a genuine re-fire refused as a duplicate.
func TestTriggerDedupFollowsTheFiring(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 2, 59, 59, 0, time.UTC)
	firing := alert{Status: "firing", Fingerprint: "f00d", Labels: map[string]string{"alertname": "RegionDown"}, StartsAt: t0.Add(-time.Minute)}
	tr := Trigger{Source: "alertmanager", Runbook: "demo-failover", Mode: "drill", DedupWindow: duration.Duration(20 * time.Second)}
	fire := func(a alert, at time.Time, runs ...*workflowpb.WorkflowExecutionInfo) (RunRef, []string) {
		engine, started := engineWith(t, runs...)
		s := testServer(t)
		s.opts.Client, s.now = engine, func() time.Time { return at }
		ref, err := s.fire(context.Background(), "region-down", tr, a)
		require.NoError(t, err)
		return ref, *started
	}
	first, started := fire(firing, t0)
	require.True(t, first.Started)
	require.Equal(t, []string{first.RunID}, started)

	// The same firing 1.9 s later, across what was a bucket edge: one run.
	ref, started := fire(firing, t0.Add(1900*time.Millisecond), execution(first.RunID, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, t0))
	assert.False(t, ref.Started)
	assert.Empty(t, started)
	assert.Equal(t, first.RunID, ref.RunID)
	assert.Contains(t, ref.Reason, "still open")

	// Alertmanager's repeat_interval re-sends it four hours on, the run has ended: still that firing.
	ref, started = fire(firing, t0.Add(4*time.Hour), execution(first.RunID, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, t0))
	assert.False(t, ref.Started)
	assert.Empty(t, started)
	assert.Equal(t, first.RunID, ref.RunID)
	assert.Contains(t, ref.Reason, "this firing of the alert already started")

	// A new firing while the first run is still open is absorbed by it...
	refire := firing
	refire.StartsAt = t0.Add(30 * time.Minute)
	ref, started = fire(refire, t0.Add(31*time.Minute), execution(first.RunID, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, t0))
	assert.False(t, ref.Started)
	assert.Empty(t, started)
	// ...and starts a new run once it has ended.
	ref, started = fire(refire, t0.Add(31*time.Minute), execution(first.RunID, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, t0))
	assert.True(t, ref.Started, ref.Reason)
	assert.NotEqual(t, first.RunID, ref.RunID)
	assert.Equal(t, []string{ref.RunID}, started)

	// A sender that gives no start falls back to the sliding window.
	noStart := firing
	noStart.StartsAt = time.Time{}
	first, _ = fire(noStart, t0)
	require.True(t, first.Started)
	ref, _ = fire(noStart, t0.Add(19*time.Second), execution(first.RunID, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, t0))
	assert.False(t, ref.Started, "within the window")
	assert.Contains(t, ref.Reason, "less than 20s ago")
	ref, _ = fire(noStart, t0.Add(21*time.Second), execution(first.RunID, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, t0))
	assert.True(t, ref.Started, "the window slides from the last run, not from a bucket edge")
}

// An EventBridge API destination posts the alarm event itself, authenticated like any
// JSON sender (its connection sends the bearer token).
func TestEventBridgeTriggerStartsARun(t *testing.T) {
	event := fixture.Read(t, "testdata/alerts/eventbridge-alarm-state-change.json")
	engine, started := engineWith(t)
	s := testServer(t)
	s.opts.Client = engine
	s.opts.Triggers["eb"] = Trigger{Source: "eventbridge", TokenHash: HashToken("eb-token"), Runbook: "demo-failover", Mode: "drill",
		Match: map[string]string{"dimension_InstanceId": "i-12345678901234567"}}
	w, e := call(s, "POST", "/v1/triggers/eb", "wrong", "application/json", string(event))
	assert.Equal(t, http.StatusUnauthorized, w.Code, e.Message)
	w, e = call(s, "POST", "/v1/triggers/eb", "eb-token", "application/json", string(event))
	require.Equal(t, http.StatusAccepted, w.Code, e.Message)
	require.Len(t, *started, 1)
	assert.Regexp(t, `^trigger-eb-[0-9a-f]{12}-1570035880$`, (*started)[0], "the id carries the state change's time")
}

// Alertmanager sends a whole group in one notification and does not retry a 413: a
// 2,200-alert group (about 1.1 MB, over the API's 1 MiB) is read and its oldest matching
// alert starts the run.
func TestLargeGroupedNotificationIsAccepted(t *testing.T) {
	var alerts []string
	for i := range 2200 {
		alerts = append(alerts, fmt.Sprintf(`{"status":"firing","labels":{"alertname":"TargetDown","job":"node","instance":"10.0.%d.%d:9100","namespace":"openshift-monitoring","severity":"warning","service":"node-exporter"},`+
			`"annotations":{"summary":"Some targets were not reachable.","description":"100%% of the node-exporter/node targets in openshift-monitoring namespace are down."},`+
			`"startsAt":"2026-11-30T09:%02d:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"https://prometheus/graph?g0.expr=up","fingerprint":"%016x"}`, i/256, i%256, 10+i%40, i))
	}
	body := `{"version":"4","groupKey":"{}:{alertname=\"TargetDown\"}","truncatedAlerts":0,"status":"firing","receiver":"bcdr",` +
		`"groupLabels":{"alertname":"TargetDown"},"commonLabels":{"alertname":"TargetDown"},"commonAnnotations":{},"externalURL":"http://alertmanager","alerts":[` +
		strings.Join(alerts, ",") + `]}`
	require.Greater(t, len(body), MaxBody, "larger than the rest of the API accepts")
	engine, started := engineWith(t)
	s := testServer(t)
	s.opts.Client = engine
	w, e := call(s, "POST", "/v1/triggers/am", "hook-token", "application/json", body)
	require.Equal(t, http.StatusAccepted, w.Code, e.Message)
	require.Len(t, *started, 1)
}

// An anonymous caller cannot tell a trigger that exists from one that does not.
func TestUnknownTriggerAnswersLikeBadCredentials(t *testing.T) {
	s := testServer(t)
	known, _ := call(s, "POST", "/v1/triggers/am", "", "application/json", `{"alerts":[]}`)
	unknown, _ := call(s, "POST", "/v1/triggers/nope", "", "application/json", `{"alerts":[]}`)
	figures.NewAttacks(t, "18.11", "an anonymous caller tells trigger names from unknown ones").Try(
		known.Code == unknown.Code && strings.Replace(known.Body.String(), "trigger am:", "trigger nope:", 1) == unknown.Body.String())
	assert.Equal(t, known.Code, unknown.Code)
	assert.Equal(t, strings.Replace(known.Body.String(), "trigger am:", "trigger nope:", 1), unknown.Body.String())
}

// A live run from an alert that began longer ago than the outage window (a stale or
// replayed alert) measures from its own start, and says so, instead of an RTO of months.
func TestStaleAlertDoesNotStretchTheClock(t *testing.T) {
	s := testServer(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	a := alert{Status: "firing", Labels: map[string]string{"alertname": "RegionDown"}, StartsAt: now.Add(-54455 * time.Hour)}
	in, err := s.triggerInput("am", Trigger{Runbook: "demo-failover", Mode: "live"}, a)
	require.NoError(t, err)
	assert.True(t, in.OutageStart.IsZero())
	require.Len(t, in.Warnings, 1)
	assert.Contains(t, in.Warnings[0], "outside the outage window")
	a.StartsAt = now.Add(-time.Hour)
	in, err = s.triggerInput("am", Trigger{Runbook: "demo-failover", Mode: "live"}, a)
	require.NoError(t, err)
	assert.Equal(t, now.Add(-time.Hour), in.OutageStart)
}
