package api

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/library"
	"github.com/bcdr/bcdr/workflows"
)

// Issue 18, findings 1 to 3: what runs is authorized (every runbook of a tree, every
// schedule), and only an authorized run of a service's own runbook proves the service.

func source(name, service string, nested ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: " + name + ", service: " + service + "}\nsteps:\n")
	if len(nested) == 0 {
		b.WriteString("  - {id: a, uses: wait, with: {duration: 1s}}\n")
	}
	for i, p := range nested {
		b.WriteString("  - {id: s" + string(rune('0'+i)) + ", uses: runbook, with: {path: " + p + "}}\n")
	}
	return b.String()
}

// authServer is a server whose engine records what it is asked to start or schedule:
// olga may start drills of payments, art may author schedules of payments only, and
// ivan is an incident commander of payments and demo-web.
func authServer(t *testing.T) (*Server, *mocks.Client, *[]workflows.Input) {
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	engine := &mocks.Client{}
	var started []workflows.Input
	engine.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.WorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { started = append(started, args.Get(3).(workflows.Input)) }).
		Return(&mocks.WorkflowRun{}, nil).Maybe()
	return New(Options{
		Client: engine, Registry: reg, Now: func() time.Time { return now },
		Auth: NewAuthenticator(Auth{
			Tokens: []Token{
				{Name: "olga", Hash: HashToken("olga")}, {Name: "art", Hash: HashToken("art")}, {Name: "ivan", Hash: HashToken("ivan")},
			},
			Bindings: []Binding{
				{Roles: []string{"operator"}, Users: []string{"olga"}, Services: []string{"payments"}},
				{Roles: []string{"author"}, Users: []string{"art", "olga"}, Services: []string{"payments"}},
				{Roles: []string{"incident-commander"}, Users: []string{"ivan"}, Services: []string{"payments", "demo-web"}},
			},
		}, nil, nil),
	}), engine, &started
}

func post(s *Server, token, path string, body any) (*httptest.ResponseRecorder, Error) {
	b, _ := json.Marshal(body)
	return call(s, "POST", path, token, "application/json", string(b))
}

// TestNestedRunbookOfAnotherServiceIsRefused is finding 1's attack: an operator bound
// to payments starts a drill whose runbook nests a runbook declaring demo-web, directly
// or two levels down. Before the fix the run started (only the top runbook's service
// was checked) and counted as demo-web's drill.
func TestNestedRunbookOfAnotherServiceIsRefused(t *testing.T) {
	s, _, started := authServer(t)
	attacks := figures.NewAttacks(t, "18.1", "a nested runbook of a service the caller may not drill")
	for name, nested := range map[string]map[string]string{
		"child":      {"child.yaml": source("child", "demo-web")},
		"grandchild": {"child.yaml": source("child", "payments", "sub/leaf.yaml"), "sub/leaf.yaml": source("leaf", "demo-web")},
	} {
		t.Run(name, func(t *testing.T) {
			w, e := post(s, "olga", "/v1/runs", map[string]any{
				"source": source("parent", "payments", "child.yaml"), "nested": nested, "mode": "drill",
			})
			assert.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
			assert.Contains(t, e.Message, "needs role operator on service demo-web")
			assert.Contains(t, e.Message, "(nested runbook ")
			attacks.Try(w.Code == http.StatusForbidden)
		})
	}
	assert.Empty(t, *started, "nothing was started")

	// The same tree for someone with the role on both services starts, and the run
	// records the services it was authorized for.
	w, _ := post(s, "ivan", "/v1/runs", map[string]any{
		"source": source("parent", "payments", "child.yaml"), "nested": map[string]string{"child.yaml": source("child", "demo-web")}, "mode": "drill",
	})
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	require.Len(t, *started, 1)
	assert.Equal(t, []string{"payments", "demo-web"}, (*started)[0].Authorized)
	assert.Contains(t, (*started)[0].Nested, "child.yaml")

	// A nested path that leaves the upload is refused with its place.
	w, e := post(s, "olga", "/v1/runs", map[string]any{"source": source("parent", "payments", "../etc/x.yaml"), "mode": "drill"})
	assert.Equal(t, http.StatusBadRequest, w.Code)
	attacks.Try(w.Code == http.StatusBadRequest)
	assert.Contains(t, e.Message, `upload.yaml:5:5: nested runbook "../etc/x.yaml" is outside the runbook's folder`)
}

// libraryDigest is the digest of a library runbook's file.
func libraryDigest(t *testing.T, file string) string {
	src, err := fs.ReadFile(library.FS, file)
	require.NoError(t, err)
	return runbooks.Digest(src)
}

// TestForgedDrillDoesNotProveAService: the records finding 1's attack left (demo-web's
// "drill" run by a runbook that merely declares demo-web, or by someone not authorized
// for demo-web) do not make demo-web proven or on time; an authorized drill of the
// library's demo-failover does.
func TestForgedDrillDoesNotProveAService(t *testing.T) {
	day := 24 * time.Hour
	real := libraryDigest(t, "demo-failover.yaml")
	forged := drill("forged", "demo-web", workflows.RunSucceeded, now.Add(-day), time.Minute)
	forged.Digest, forged.Authorized = runbooks.Digest([]byte(source("child", "demo-web"))), []string{"payments", "demo-web"}
	unauthorized := drill("unauthorized", "demo-web", workflows.RunSucceeded, now.Add(-2*day), time.Minute)
	unauthorized.Digest, unauthorized.Authorized = real, []string{"payments"}

	p := portfolioOf(t, evidenceServer(t, forged, unauthorized))
	web := service(p, "demo-web")
	attacks := figures.NewAttacks(t, "18.1", "a forged or unauthorized drill proves a service in the portfolio")
	for range []string{"forged", "unauthorized"} {
		attacks.Try(web.LastDrill.IsZero() && neverProven(p, "demo-failover"))
	}
	assert.True(t, web.LastDrill.IsZero(), "no proof: %+v", web)
	assert.Equal(t, CadenceOverdue, web.Status)
	assert.Equal(t, 2, web.Drills, "the runs are still listed")
	assert.Zero(t, web.Succeeded, "drills that prove nothing are not successes")
	assert.True(t, neverProven(p, "demo-failover"))

	proper := drill("proper", "demo-web", workflows.RunSucceeded, now.Add(-3*day), time.Minute)
	proper.Digest, proper.Authorized = real, []string{"demo-web"}
	p = portfolioOf(t, evidenceServer(t, forged, unauthorized, proper))
	web = service(p, "demo-web")
	assert.Equal(t, "proper", web.LastRun)
	assert.Equal(t, CadenceOnTime, web.Status)
	assert.False(t, neverProven(p, "demo-failover"))
}

// TestEngineRunsAreJudgedByTheirStartMemo: a run the engine holds without evidence
// counts only when the proof its start recorded (memo "proof") satisfies the rule.
func TestEngineRunsAreJudgedByTheirStartMemo(t *testing.T) {
	real := libraryDigest(t, "demo-failover.yaml")
	in := workflows.Input{Authorized: []string{"demo-web"}}
	in.Runbook.Metadata.Service, in.Runbook.Source.Digest = "demo-web", real
	forged := in
	forged.Authorized = []string{"payments"}
	s := evidenceServer(t)
	engine := &mocks.Client{}
	engine.On("ListWorkflow", mock.Anything, mock.Anything).Return(listOf(t,
		engineRun(t, "forged", forged, now.Add(-time.Hour)), engineRun(t, "ok", in, now.Add(-2*time.Hour))), nil)
	// Each run's record is read for its figures.
	run := &mocks.WorkflowRun{}
	run.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*workflows.Status) = workflows.Status{Mode: workflows.ModeDrill, State: workflows.RunSucceeded, EndedAt: now,
			RTOActual: 3 * time.Minute, RTOTarget: 10 * time.Minute}
	}).Return(nil)
	engine.On("GetWorkflow", mock.Anything, mock.Anything, "").Return(run)
	s.opts.Client = engine
	p := portfolioOf(t, s)
	web := service(p, "demo-web")
	assert.Equal(t, "ok", web.LastRun)
	require.Len(t, web.History, 2, "both runs are listed")
	assert.Equal(t, 3*time.Minute, web.History[0].RTO.Actual, "the figures come from the run's record")
}

// TestSchedulesActForTheirMaker covers findings 2 and 3 for schedules: making one needs
// the role starting its runs would need on every service of its tree (an author alone
// cannot schedule what they could not start); its runs carry the maker as initiator,
// so four-eyes holds against them; triggering needs that role too and adds the
// triggerer to the runs' NotApprovers.
func TestSchedulesActForTheirMaker(t *testing.T) {
	s, engine, _ := authServer(t)
	sched := &mocks.ScheduleClient{}
	engine.On("ScheduleClient").Return(sched)
	var created client.ScheduleOptions
	sched.On("Create", mock.Anything, mock.Anything).Run(func(args mock.Arguments) { created = args.Get(1).(client.ScheduleOptions) }).
		Return(&mocks.ScheduleHandle{}, nil).Maybe()
	req := map[string]any{"id": "weekly", "source": source("parent", "payments"), "mode": "drill", "every": "168h"}

	attacks := figures.NewAttacks(t, "18.3", "an author or operator schedules or triggers runs they may not start")
	w, e := post(s, "art", "/v1/schedules", req)
	assert.Equal(t, http.StatusForbidden, w.Code, "an author who may not start drills: %s", w.Body.String())
	attacks.Try(w.Code == http.StatusForbidden)
	assert.Contains(t, e.Message, "needs role operator on service payments")

	nested := map[string]any{"id": "weekly", "source": source("parent", "payments", "child.yaml"), "mode": "drill", "every": "168h",
		"nested": map[string]string{"child.yaml": source("child", "demo-web")}}
	w, e = post(s, "olga", "/v1/schedules", nested)
	assert.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
	attacks.Try(w.Code == http.StatusForbidden)
	assert.Contains(t, e.Message, "on service demo-web")
	assert.Nil(t, created.Action, "nothing was scheduled")

	// olga may author and start payments drills: the schedule is made, for her.
	h := &mocks.ScheduleHandle{}
	sched.On("GetHandle", mock.Anything, "weekly").Return(h)
	h.On("Describe", mock.Anything).Return(nil, context.Canceled).Once() // the answer after create is not this test's
	post(s, "olga", "/v1/schedules", req)
	require.NotNil(t, created.Action)
	in := created.Action.(*client.ScheduleWorkflowAction).Args[0].(workflows.Input)
	assert.Equal(t, "olga", in.Initiator.Name, "four-eyes holds against the maker")
	assert.Equal(t, "schedule:weekly", in.Trigger)
	assert.Equal(t, []string{"payments"}, in.Authorized)

	// Triggering: art (author only) is refused; olga is added to NotApprovers first.
	payload, err := converter.GetDefaultDataConverter().ToPayload(in)
	require.NoError(t, err)
	memo := map[string]*commonpb.Payload{}
	for k, v := range map[string]string{"runbook": "parent", "service": "payments", "mode": "drill", "services": "payments", "createdBy": "olga"} {
		memo[k], _ = converter.GetDefaultDataConverter().ToPayload(v)
	}
	desc := &client.ScheduleDescription{Memo: &commonpb.Memo{Fields: memo}, Schedule: client.Schedule{
		Action: &client.ScheduleWorkflowAction{Workflow: workflows.WorkflowName, Args: []any{payload}}, State: &client.ScheduleState{}}}
	h.On("Describe", mock.Anything).Return(desc, nil)
	h.On("GetID").Return("weekly")
	var update *client.ScheduleUpdate
	h.On("Update", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		var err error
		update, err = args.Get(1).(client.ScheduleUpdateOptions).DoUpdate(client.ScheduleUpdateInput{Description: *desc})
		require.NoError(t, err)
	}).Return(nil)
	h.On("Trigger", mock.Anything, mock.Anything).Return(nil)

	w, _ = call(s, "POST", "/v1/schedules/weekly/trigger", "art", "", "")
	assert.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
	attacks.Try(w.Code == http.StatusForbidden)
	h.AssertNotCalled(t, "Trigger", mock.Anything, mock.Anything)

	w, _ = call(s, "POST", "/v1/schedules/weekly/trigger", "olga", "", "")
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	require.NotNil(t, update)
	after := update.Schedule.Action.(*client.ScheduleWorkflowAction).Args[0].(workflows.Input)
	assert.Equal(t, []string{"olga"}, after.NotApprovers)
	h.AssertCalled(t, "Trigger", mock.Anything, mock.Anything)
}

func portfolioOf(t *testing.T, s *Server) Portfolio {
	return getJSON[Portfolio](t, s, "viewer", "/v1/portfolio")
}

func service(p Portfolio, name string) ServiceHealth {
	for _, sh := range p.Services {
		if sh.Service == name {
			return sh
		}
	}
	return ServiceHealth{}
}

func neverProven(p Portfolio, runbook string) bool {
	for _, rb := range p.NeverProven {
		if rb.Name == runbook {
			return true
		}
	}
	return false
}

// engineRun is a closed, succeeded drill as the engine lists it, with the memo its
// start wrote.
func engineRun(t *testing.T, id string, in workflows.Input, closed time.Time) *workflowpb.WorkflowExecutionInfo {
	dc := converter.GetDefaultDataConverter()
	sa := map[string]*commonpb.Payload{}
	name := in.Runbook.Metadata.Name
	if name == "" {
		name = "demo-failover"
	}
	for k, v := range map[string]string{workflows.SAService: in.Runbook.Metadata.Service, workflows.SARunbook: name,
		workflows.SAMode: "drill", workflows.SAOutcome: "succeeded"} {
		p, err := dc.ToPayload(v)
		require.NoError(t, err)
		sa[k] = p
	}
	memo := map[string]*commonpb.Payload{}
	for k, v := range proofMemo(in) {
		p, err := dc.ToPayload(v)
		require.NoError(t, err)
		memo[k] = p
	}
	return &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: id}, Type: &commonpb.WorkflowType{Name: workflows.WorkflowName},
		StartTime: timestamppb.New(closed.Add(-time.Minute)), CloseTime: timestamppb.New(closed),
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: sa}, Memo: &commonpb.Memo{Fields: memo},
	}
}

func listOf(_ *testing.T, runs ...*workflowpb.WorkflowExecutionInfo) *workflowservice.ListWorkflowExecutionsResponse {
	return &workflowservice.ListWorkflowExecutionsResponse{Executions: runs}
}
