package api

import (
	"net/http"
	"testing"

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
// query (its matching service restarting: make cluster-test's TestTemporalServiceKilledMidRecovery
// saw "stream terminated by RST_STREAM with error code: CANCEL" answered as 502), the API
// asks again while the caller waits; an answer that is a refusal is not asked again.
func TestStatusRidesOutAnEngineServiceRestart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first error
		code  int
		asked int
	}{
		{"dropped by a restarting matching service", serviceerror.NewCanceled("stream terminated by RST_STREAM with error code: CANCEL"), http.StatusOK, 2},
		{"engine unavailable for a moment", serviceerror.NewUnavailable("connection refused"), http.StatusOK, 2},
		{"refused", serviceerror.NewInvalidArgument("unknown query type"), http.StatusBadGateway, 1},
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
			engine.On("QueryWorkflow", mock.Anything, "r-1", "", workflows.QueryStatus).Return(nil, tc.first).Once()
			engine.On("QueryWorkflow", mock.Anything, "r-1", "", workflows.QueryStatus).Return(answer, nil)
			s := evidenceServer(t)
			s.opts.Client = engine
			w := get(t, s, "viewer", "/v1/runs/r-1")
			assert.Equal(t, tc.code, w.Code, w.Body.String())
			engine.AssertNumberOfCalls(t, "QueryWorkflow", tc.asked)
		})
	}
}
