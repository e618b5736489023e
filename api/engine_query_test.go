package api

import (
	"context"
	"net/http"
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
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/bcdr/bcdr/workflows"
)

// TestStatusRidesOutAnEngineServiceRestart: when the engine drops a running run's status
// query or holds it (its matching service restarting: make cluster-test's
// TestTemporalServiceKilledMidRecovery saw a query held 9.2 s, then "stream terminated by
// RST_STREAM with error code: CANCEL" answered as 502), the API asks again while the
// caller waits, as often as the engine drops it within the budget; an answer that is a
// refusal is not asked again.
func TestStatusRidesOutAnEngineServiceRestart(t *testing.T) {
	try, pause, noPollerWait := statusTry, statusPause, statusNoPoller
	statusTry, statusPause, statusNoPoller = 50*time.Millisecond, time.Millisecond, 30*time.Millisecond
	t.Cleanup(func() { statusTry, statusPause, statusNoPoller = try, pause, noPollerWait })
	canceled := serviceerror.NewCanceled("stream terminated by RST_STREAM with error code: CANCEL")
	// matching's errNoRecentPoller (go.temporal.io/server service/matching/matcher.go)
	nopoller := serviceerror.NewFailedPrecondition("no poller seen for task queue recently, worker may be down")
	var down []error
	for range 40 {
		down = append(down, nopoller)
	}
	for _, tc := range []struct {
		name  string
		first []error // the answers before the status; nil: held until the try's deadline
		code  int
		asked int // how many times the status was asked; -1: not counted
	}{
		{"dropped by a restarting matching service", []error{canceled}, http.StatusOK, 2},
		{"dropped again and again", []error{canceled, serviceerror.NewUnavailable("connection refused"), canceled, canceled, canceled}, http.StatusOK, 6},
		{"held until the try's deadline, then dropped", []error{nil, canceled}, http.StatusOK, 3},
		{"no worker polled the restarted matching yet", []error{nopoller, nopoller}, http.StatusOK, 3},
		{"no worker at all", down, http.StatusServiceUnavailable, -1},
		{"engine unavailable for a moment", []error{serviceerror.NewUnavailable("connection refused")}, http.StatusOK, 2},
		{"refused", []error{serviceerror.NewInvalidArgument("unknown query type")}, http.StatusBadGateway, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := converter.GetDefaultDataConverter().ToPayload("demo-web")
			require.NoError(t, err)
			engine := &mocks.Client{}
			engine.On("DescribeWorkflowExecution", mock.Anything, "r-1", "").Return(&workflowservice.DescribeWorkflowExecutionResponse{
				WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
					Type:             &commonpb.WorkflowType{Name: workflows.WorkflowName},
					Status:           enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
					SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{workflows.SAService: svc}},
				},
			}, nil)
			answer := &mocks.Value{}
			answer.On("Get", mock.Anything).Run(func(args mock.Arguments) {
				*args.Get(0).(*workflows.Status) = workflows.Status{RunID: "r-1", State: workflows.RunRunning}
			}).Return(nil)
			for _, first := range tc.first {
				call := engine.On("QueryWorkflow", mock.Anything, "r-1", "", workflows.QueryStatus).Once()
				if first != nil {
					call.Return(nil, first)
					continue
				}
				call.Run(func(args mock.Arguments) { <-args.Get(0).(context.Context).Done() }).Return(nil, context.DeadlineExceeded)
			}
			engine.On("QueryWorkflow", mock.Anything, "r-1", "", workflows.QueryStatus).Return(answer, nil)
			s := evidenceServer(t)
			s.opts.Client = engine
			w := get(t, s, "viewer", "/v1/runs/r-1")
			assert.Equal(t, tc.code, w.Code, w.Body.String())
			if tc.asked < 0 {
				assert.Contains(t, w.Body.String(), "no bcdr worker is polling the run's task queue")
				assert.Contains(t, w.Body.String(), "start 'bcdr worker'")
				return
			}
			engine.AssertNumberOfCalls(t, "QueryWorkflow", tc.asked)
		})
	}
}
