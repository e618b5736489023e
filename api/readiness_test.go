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
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/workflows"
)

// readinessSource declares a parameter, so that a bad one can be refused.
const readinessSource = "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: pay-check, service: payments}\n" +
	"parameters:\n  - {name: table, type: string, required: true}\nsteps:\n  - {id: a, uses: wait, with: {duration: 1s}}\n"

// TestReadinessScheduleIsARunbookCheck: an author of the runbook's service makes a
// readiness schedule (mode readiness): its action is the readiness workflow with the
// runbook, the parameters as given and the checked mode, keeping evidence. Bad input
// (a check mode, a parameter, a check mode on a drill schedule) is refused naming the
// field, and someone without the author role on the service is refused; nothing is
// scheduled then. Triggering it needs the operator role and bars nobody from
// approving (the schedule is not updated).
func TestReadinessScheduleIsARunbookCheck(t *testing.T) {
	s, engine, _ := authServer(t)
	sched := &mocks.ScheduleClient{}
	engine.On("ScheduleClient").Return(sched)
	var created []client.ScheduleOptions
	sched.On("Create", mock.Anything, mock.Anything).Run(func(args mock.Arguments) { created = append(created, args.Get(1).(client.ScheduleOptions)) }).
		Return(&mocks.ScheduleHandle{}, nil).Maybe()
	h := &mocks.ScheduleHandle{}
	sched.On("GetHandle", mock.Anything, "pay-ready").Return(h)
	req := func(extra map[string]any) map[string]any {
		r := map[string]any{"id": "pay-ready", "source": readinessSource, "mode": "readiness", "every": "30m", "params": map[string]any{"table": "sessions"}}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}
	for _, bad := range []struct {
		name, field string
		body        map[string]any
	}{
		{"check mode", "checkMode", req(map[string]any{"checkMode": "tabletop"})},
		{"parameter", "params", req(map[string]any{"params": map[string]any{}})},
		{"check mode of a drill schedule", "checkMode", req(map[string]any{"mode": "drill", "checkMode": "live"})},
		{"mode", "mode", req(map[string]any{"mode": "check"})},
	} {
		w, e := post(s, "art", "/v1/schedules", bad.body)
		assert.Equal(t, http.StatusBadRequest, w.Code, "%s: %s", bad.name, w.Body.String())
		assert.Equal(t, bad.field, e.Field, bad.name)
	}
	w, e := post(s, "ivan", "/v1/schedules", req(nil))
	assert.Equal(t, http.StatusForbidden, w.Code, "an incident commander is no author: %s", w.Body.String())
	assert.Contains(t, e.Message, "author")
	require.Empty(t, created, "nothing was scheduled")

	h.On("Describe", mock.Anything).Return(nil, context.Canceled).Once() // the answer after create is not this test's
	post(s, "art", "/v1/schedules", req(map[string]any{"checkMode": "drill"}))
	require.Len(t, created, 1)
	act := created[0].Action.(*client.ScheduleWorkflowAction)
	assert.Equal(t, workflows.ReadinessWorkflowName, act.Workflow)
	in := act.Args[0].(workflows.ReadinessInput)
	assert.Equal(t, "pay-ready", in.Schedule)
	assert.Equal(t, "pay-check", in.Check.Runbook.Metadata.Name)
	assert.Equal(t, map[string]string{"table": "sessions"}, in.Check.Params)
	assert.Equal(t, "drill", in.Check.Mode)
	assert.True(t, in.Evidence)
	memo := map[string]string{}
	for k, v := range created[0].Memo {
		memo[k], _ = v.(string)
	}
	assert.Equal(t, readiness.RecordMode, memo["mode"])
	assert.Equal(t, "drill", memo["checkMode"])
	assert.Equal(t, "payments", memo["service"])

	// Shown as a readiness schedule, and triggered by an operator without an update.
	fields := map[string]*commonpb.Payload{}
	for k, v := range map[string]string{"runbook": "pay-check", "service": "payments", "mode": "readiness", "checkMode": "drill", "every": "30m"} {
		fields[k], _ = converter.GetDefaultDataConverter().ToPayload(v)
	}
	desc := &client.ScheduleDescription{Memo: &commonpb.Memo{Fields: fields}, Schedule: client.Schedule{
		Action: act, State: &client.ScheduleState{}}}
	h.On("Describe", mock.Anything).Return(desc, nil)
	h.On("Trigger", mock.Anything, mock.Anything).Return(nil)
	w, _ = call(s, "GET", "/v1/schedules/pay-ready", "art", "", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `"checkMode": "drill"`)
	w, _ = call(s, "POST", "/v1/schedules/pay-ready/trigger", "art", "", "")
	assert.Equal(t, http.StatusForbidden, w.Code, "an author alone does not trigger: %s", w.Body.String())
	w, _ = call(s, "POST", "/v1/schedules/pay-ready/trigger", "olga", "", "")
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	h.AssertNotCalled(t, "Update", mock.Anything, mock.Anything)
	h.AssertNumberOfCalls(t, "Trigger", 1)
}

// TestReadinessPerServiceAndRunbook: the last readiness records of the evidence store
// show in GET /v1/readiness and the portfolio, per runbook and per service, with when
// they ran and what broke; a not-ready runbook is a gap of its service; a check is not
// a run; a viewer of orders sees orders' readiness only.
func TestReadinessPerServiceAndRunbook(t *testing.T) {
	s := evidenceServer(t, drill("d1", "payments", workflows.RunSucceeded, now.Add(-24*time.Hour), time.Minute))
	store := s.opts.Evidence.(*evidence.Store)
	check := func(id, service string, at time.Time, result readiness.Result, broken ...readiness.Finding) {
		rec := readiness.Record{ID: id, Schedule: "s-" + service, CheckedAt: at, Report: readiness.Report{
			Runbook: runbook[service], Service: service, Mode: "live", Result: result,
			Findings: append([]readiness.Finding{{Step: "a", Check: "target", Result: readiness.Ready, Reason: "there"}}, broken...)}}
		_, err := store.AppendReadiness(context.Background(), rec)
		require.NoError(t, err)
	}
	check("c1", "payments", now.Add(-2*time.Hour), readiness.Ready)
	check("c2", "payments", now.Add(-30*time.Minute), readiness.NotReady,
		readiness.Finding{Step: "promote", Check: "target", Result: readiness.NotReady, Reason: `DB instance "payments-dr" not found`})
	check("c3", "orders", now.Add(-time.Hour), readiness.Ready)

	rd := getJSON[Readiness](t, s, "viewer", "/v1/readiness")
	by := map[string]ServiceReadiness{}
	for _, sr := range rd.Services {
		by[sr.Service] = sr
	}
	pay := by["payments"]
	require.NotNil(t, pay.Readiness, "%+v", rd.Services)
	assert.Equal(t, readiness.NotReady, pay.Readiness.Result)
	assert.True(t, pay.Readiness.CheckedAt.Equal(now.Add(-30*time.Minute)))
	assert.Equal(t, []string{`payments-failover: promote (target): DB instance "payments-dr" not found`}, pay.Readiness.Broken)
	require.Len(t, pay.Gaps, 1)
	assert.Equal(t, catalogue.GapNotReady, pay.Gaps[0].Kind)
	require.Len(t, pay.Runbooks, 1)
	require.NotNil(t, pay.Runbooks[0].Readiness)
	assert.Equal(t, "c2", pay.Runbooks[0].Readiness.RunID)
	require.NotNil(t, by["orders"].Readiness)
	assert.Equal(t, readiness.Ready, by["orders"].Readiness.Result)
	assert.Empty(t, by["orders"].Gaps)
	assert.Nil(t, by["demo-web"].Readiness, "never checked")

	p := portfolioOf(t, s)
	assert.Equal(t, 1, p.Runs, "a check is not a run")
	assert.Equal(t, readiness.NotReady, service(p, "payments").Readiness.Result)
	assert.Contains(t, gapKinds(service(p, "payments").Gaps), catalogue.GapNotReady)

	rd = getJSON[Readiness](t, s, "pat", "/v1/readiness")
	require.Len(t, rd.Services, 1)
	assert.Equal(t, "orders", rd.Services[0].Service)
}

func gapKinds(gs []catalogue.Gap) []catalogue.GapKind {
	var out []catalogue.GapKind
	for _, g := range gs {
		out = append(out, g.Kind)
	}
	return out
}
