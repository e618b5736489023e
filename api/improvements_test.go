package api

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// planEnv is a server over an evidence store that holds a tabletop of payments whose
// action item is owned by group sre, with a clock the test moves.
type planEnv struct {
	s     *Server
	store *evidence.Store
	clock time.Time
	item  string
}

func newPlanEnv(t *testing.T) *planEnv {
	e := planServer(t)
	tt := workflows.Status{
		RunID: "tt-1", Runbook: "payments-failover", Service: "payments", Mode: workflows.ModeTabletop, State: workflows.RunSucceeded,
		StartedAt: now.Add(-2 * time.Hour), EndedAt: now.Add(-time.Hour),
		Findings: []workflows.Finding{{Kind: workflows.FindingAction, Text: "script the DNS switch", Owner: "group:sre", By: "ciso", At: now.Add(-90 * time.Minute)}},
	}
	_, err := (&evidence.Activity{Store: e.store}).Write(context.Background(), tt)
	require.NoError(t, err)
	e.item = e.only(t).ID
	return e
}

// only returns the one item of the plan.
func (e *planEnv) only(t *testing.T) improvements.Item {
	t.Helper()
	var list ImprovementList
	require.NoError(t, json.Unmarshal(e.call(t, "vic", "GET", "/v1/improvements", "", http.StatusOK), &list))
	require.Len(t, list.Items, 1)
	return list.Items[0]
}

// planServer is the server of planEnv over an empty evidence store: vic views, apu
// approves, art authors payments, pat operates orders (in groups pay and sre), oscar,
// sam (group sre) and paula (group pay) operate payments.
func planServer(t *testing.T) *planEnv {
	store, err := evidence.NewFileStore(filepath.Join(t.TempDir(), "evidence"))
	require.NoError(t, err)
	reg, err := runbooks.DefaultRegistry()
	require.NoError(t, err)
	engine := &mocks.Client{}
	engine.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil)
	e := &planEnv{store: store, clock: now}
	opPay := Binding{Roles: []string{"operator"}, Services: []string{"payments"}}
	opPay.Users = []string{"oscar", "sam", "paula"}
	e.s = New(Options{
		Client: engine, Registry: reg, Evidence: store, Now: func() time.Time { return e.clock },
		Catalogue: testCatalogue(t, reg),
		Auth: NewAuthenticator(Auth{Tokens: []Token{
			{Name: "vic", Hash: HashToken("vic"), Roles: []string{"viewer"}},
			{Name: "apu", Hash: HashToken("apu"), Roles: []string{"approver"}},
			{Name: "art", Hash: HashToken("art")},
			{Name: "pat", Hash: HashToken("pat"), Groups: []string{"pay", "sre"}},
			{Name: "oscar", Hash: HashToken("oscar")},
			{Name: "sam", Hash: HashToken("sam"), Groups: []string{"sre"}},
			{Name: "paula", Hash: HashToken("paula"), Groups: []string{"pay"}},
		}, Bindings: []Binding{
			{Roles: []string{"author"}, Users: []string{"art"}, Services: []string{"payments"}},
			{Roles: []string{"operator"}, Users: []string{"pat"}, Services: []string{"orders"}},
			opPay,
		}}, nil, nil),
	})
	return e
}

func (e *planEnv) call(t *testing.T, token, method, path, body string, want int) []byte {
	t.Helper()
	w, _ := call(e.s, method, path, token, "application/json", body)
	require.Equal(t, want, w.Code, "%s %s as %s: %s", method, path, token, w.Body.String())
	return w.Body.Bytes()
}

func (e *planEnv) get(t *testing.T) improvements.Item {
	t.Helper()
	var it improvements.Item
	require.NoError(t, json.Unmarshal(e.call(t, "vic", "GET", "/v1/improvements/"+e.item, "", http.StatusOK), &it))
	return it
}

func (e *planEnv) chain(t *testing.T) int {
	ms, err := e.store.List(context.Background())
	require.NoError(t, err)
	return len(ms)
}

// Refused updates: a viewer or approver, an operator of payments who owns neither the
// item nor the service, and an operator of another service who is in the owning groups.
// Bad input is refused naming the field. None of them writes anything.
func TestImprovementUpdateAuthorization(t *testing.T) {
	e := newPlanEnv(t)
	path := "/v1/improvements/" + e.item
	before, chain := e.get(t), e.chain(t)
	for _, tc := range []struct{ token, body, want string }{
		{"vic", `{"status":"done"}`, "vic PATCH " + path + ": needs role author"},
		{"apu", `{"status":"done"}`, "needs role author"},
		{"oscar", `{"status":"done"}`, "needs role author on service payments (or operator on it and owner of the item, group:sre)"},
		{"pat", `{"status":"done"}`, "needs role viewer on service payments"},
	} {
		w, out := call(e.s, "PATCH", path, tc.token, "application/json", tc.body)
		assert.Equal(t, http.StatusForbidden, w.Code, "%s: %s", tc.token, w.Body.String())
		assert.Contains(t, out.Message, tc.want, tc.token)
	}
	for _, tc := range []struct{ body, field, want string }{
		{`{"status":"dropped"}`, "reason", "dropping an item needs a reason"},
		{`{"status":"verified"}`, "status", "verified is not set by hand"},
		{`{"status":"closed"}`, "status", `"closed" is not a status`},
		{`{"due":"soon"}`, "due", `"soon" is not a date`},
		{`{"due":"2020-01-01"}`, "due", "before the item was opened"},
		{`{"note":"x","by":"mallory"}`, "by", ""},
		{`{}`, "", "the update changes nothing"},
	} {
		w, out := call(e.s, "PATCH", path, "sam", "application/json", tc.body)
		assert.Equal(t, http.StatusBadRequest, w.Code, "%s: %s", tc.body, w.Body.String())
		assert.Equal(t, tc.field, out.Field, tc.body)
		assert.Contains(t, out.Message, tc.want, tc.body)
		assert.NotContains(t, out.Message, "improvements.", "no Go type names")
	}
	w, _ := call(e.s, "PATCH", "/v1/improvements/imp-000000000000", "sam", "application/json", `{"note":"x"}`)
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, chain, e.chain(t), "a refused request wrote no record")
	assert.Equal(t, before, e.get(t))

	// Who may: the item's owner (group sre) operating payments, the service's owner
	// (group:pay) operating payments, an author of payments.
	e.call(t, "sam", "PATCH", path, `{"status":"in_progress"}`, http.StatusOK)
	e.call(t, "paula", "PATCH", path, `{"due":"2026-12-01","note":"after the freeze"}`, http.StatusOK)
	e.call(t, "art", "PATCH", path, `{"owner":"dba"}`, http.StatusOK)
	it := e.get(t)
	assert.Equal(t, improvements.InProgress, it.Status)
	assert.Equal(t, "dba", it.Owner)
	assert.Equal(t, time.Date(2026, 12, 1, 23, 59, 59, 0, time.UTC), it.Due)
	var who []string
	for _, h := range it.History {
		who = append(who, h.By+" "+h.Field)
	}
	assert.Equal(t, []string{"ciso opened", "sam status", "paula due", "paula note", "art owner"}, who)
	assert.Equal(t, chain+3, e.chain(t))
	// sam no longer owns it (dba does): refused now.
	w, out := call(e.s, "PATCH", path, "sam", "application/json", `{"status":"done"}`)
	assert.Equal(t, http.StatusForbidden, w.Code, out.Message)
}

// The Done-when case through the API: a tabletop's action item marked done stays done
// after a failed drill of its runbook and becomes verified after a successful one.
func TestImprovementVerifiedByALaterSuccessfulDrill(t *testing.T) {
	e := newPlanEnv(t)
	path := "/v1/improvements/" + e.item
	e.call(t, "sam", "PATCH", path, `{"status":"done","note":"DNS switch scripted"}`, http.StatusOK)
	doneAt := e.clock

	e.append(t, drill("drill-fail", "payments", workflows.RunFailed, doneAt.Add(time.Hour), 3*time.Minute))
	it := e.get(t)
	assert.Equal(t, improvements.Done, it.Status, "a failed drill leaves it done")
	e.append(t, drill("drill-other", "orders", workflows.RunSucceeded, doneAt.Add(2*time.Hour), 3*time.Minute))
	assert.Equal(t, improvements.Done, e.get(t).Status, "a drill of another service's runbook does not verify it")

	e.append(t, drill("drill-ok", "payments", workflows.RunSucceeded, doneAt.Add(3*time.Hour), 3*time.Minute))
	it = e.get(t)
	assert.Equal(t, improvements.Verified, it.Status)
	assert.Equal(t, "drill-ok", it.VerifiedBy)
	var list ImprovementList
	require.NoError(t, json.Unmarshal(e.call(t, "vic", "GET", "/v1/improvements?status=verified", "", http.StatusOK), &list))
	require.Len(t, list.Items, 1)
	assert.Equal(t, 1, list.Summary.Verified)
	w, out := call(e.s, "PATCH", path, "art", "application/json", `{"status":"open"}`)
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Contains(t, out.Message, "is verified (drill drill-ok) and closed")
}

func (e *planEnv) append(t *testing.T, st workflows.Status) {
	t.Helper()
	_, err := e.store.Append(context.Background(), st)
	require.NoError(t, err)
}

func TestImprovementListFiltersAndCounts(t *testing.T) {
	e := newPlanEnv(t)
	var list ImprovementList
	require.NoError(t, json.Unmarshal(e.call(t, "pat", "GET", "/v1/improvements", "", http.StatusOK), &list))
	assert.Empty(t, list.Items, "pat views orders only")
	e.clock = now.Add(31 * 24 * time.Hour) // payments is tier 2 without improvement_due: 60 days
	require.NoError(t, json.Unmarshal(e.call(t, "vic", "GET", "/v1/improvements?overdue=true", "", http.StatusOK), &list))
	assert.Empty(t, list.Items)
	e.clock = now.Add(61 * 24 * time.Hour)
	require.NoError(t, json.Unmarshal(e.call(t, "vic", "GET", "/v1/improvements?overdue=true&service=payments", "", http.StatusOK), &list))
	require.Len(t, list.Items, 1)
	assert.Equal(t, improvements.Counts{Open: 1, Overdue: 1}, list.Summary.Counts)
	_, out := call(e.s, "GET", "/v1/improvements?overdue=maybe", "vic", "", "")
	assert.Equal(t, "overdue", out.Field)
	w, out := call(e.s, "GET", "/v1/improvements?status=closed", "vic", "", "")
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Equal(t, "status", out.Field)
	assert.False(t, strings.HasPrefix(out.Message, "status:"), out.Message)
}
