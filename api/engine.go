package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// Engine is the run service (Runs) straight on the Temporal engine. The API's handlers
// use one per request, acting as the caller they authenticated and checking the roles
// that caller holds; the CLI uses one when it reaches the engine directly.
type Engine struct {
	opts    Options
	now     func() time.Time
	by      workflows.Actor
	trigger string
	// caller is whose roles are checked, refuse says why one is missing; a nil caller
	// is checked for nothing.
	caller *Identity
	refuse func(role Role, service string) *Error
	// results caches the records the run history read (the server's, kept across
	// requests); nil reads each record afresh.
	results *resultCache
}

// NewEngine returns the run service on opts.Client; it reads opts.TaskQueue, Registry,
// Catalog, Notify, Evidence, OutageWindow, IdentityKey and Now as the server does. It
// acts as by with every role: whoever reaches the engine directly can do everything (the
// engine's own access control is the boundary). The runs it starts record trigger as the
// way they came in ("cli").
func NewEngine(opts Options, by workflows.Actor, trigger string) *Engine {
	e := &Engine{opts: opts, now: opts.Now, by: by, trigger: trigger}
	if e.now == nil {
		e.now = time.Now
	}
	if e.opts.Catalog == nil {
		e.opts.Catalog = NewCatalog(opts.Registry)
	}
	if e.opts.Logger == nil {
		e.opts.Logger = slog.New(slog.DiscardHandler)
	}
	return e
}

// engine is the run service for one request: it acts as the caller and checks their
// roles on each run's service.
func (s *Server) engine(r *http.Request, id *Identity) *Engine {
	opts := s.opts
	opts.Logger = s.log
	return &Engine{opts: opts, now: s.now, by: actor(id), trigger: "api", caller: id, results: s.results,
		refuse: func(role Role, service string) *Error { return s.forbidden(r, id, role, service) }}
}

// check returns nil when the caller holds role on service.
func (e *Engine) check(role Role, service string) error {
	if e.caller == nil || e.caller.Can(role, service) {
		return nil
	}
	return e.refuse(role, service)
}

func actor(id *Identity) workflows.Actor {
	return workflows.Actor{Name: id.Name, Groups: id.Groups}
}

// Start implements Runs.
func (e *Engine) Start(ctx context.Context, req StartRequest) (RunRef, error) {
	rb, nested, all, err := e.startRunbooks(req)
	if err != nil {
		return RunRef{}, err
	}
	in, err := e.input(rb, nested, req.Mode, req.Params)
	if err != nil {
		return RunRef{}, err
	}
	if req.HoldOnFailure != "" {
		d, err := runbooks.ParseDuration(req.HoldOnFailure)
		if err != nil {
			return RunRef{}, badRequest("holdOnFailure", "%q is not a duration like 30m", req.HoldOnFailure)
		}
		in.HoldOnFailure = time.Duration(d)
	}
	if req.OutageStart != nil {
		if err := CheckOutageStart(*req.OutageStart, e.now(), e.opts.OutageWindow); err != nil {
			return RunRef{}, badRequest("outageStart", "%v", err)
		}
		in.OutageStart = *req.OutageStart
	}
	if req.Speed < 0 {
		return RunRef{}, badRequest("speed", "%v is not a speed: give a factor above 0, like 60 (a tabletop's hour in a minute)", req.Speed)
	}
	in.Speed, in.Participants = req.Speed, req.Participants
	if in.Authorized, err = e.authorize(all, startRole(in.Mode)); err != nil {
		return RunRef{}, err
	}
	in.Initiator, in.Trigger = e.by, e.trigger
	return e.StartInput(ctx, in)
}

// startRunbooks resolves what a start runs: the runbook tree it names or uploads, or the
// recovery from a scenario of the catalogue (Options.Scenario). It returns the root, the
// nested runbooks as the run carries them, and every runbook of the run, the root first.
func (e *Engine) startRunbooks(req StartRequest) (*runbooks.Runbook, map[string]runbooks.Runbook, []*runbooks.Runbook, error) {
	if req.Scenario == "" {
		tree, err := e.loadRunbook(req.Runbook, req.Source, req.Filename, req.Nested)
		if err != nil {
			return nil, nil, nil, err
		}
		return tree.Root.Runbook, tree.Nested(), tree.Runbooks(), nil
	}
	if req.Runbook != "" || req.Source != "" {
		return nil, nil, nil, badRequest("scenario", "give a scenario or a runbook (runbook, source), not both")
	}
	if e.opts.Scenario == nil {
		return nil, nil, nil, badRequest("scenario", "no service catalogue here to plan scenario %q from: set config catalogue", req.Scenario)
	}
	rb, nested, err := e.opts.Scenario(req.Scenario)
	if err != nil {
		return nil, nil, nil, badRequest("scenario", "%v", err)
	}
	all := []*runbooks.Runbook{rb}
	for _, k := range slices.Sorted(maps.Keys(nested)) {
		n := nested[k]
		all = append(all, &n)
	}
	return rb, nested, all, nil
}

// StartInput starts a run whose input the caller composed in this process (a scenario's
// generated recovery, the demo): Initiator, Trigger and Authorized are taken as given.
// Every start passes the proven-version gate here (ProvenGate): a live run of an
// unproven version is flagged, waits for an extra approval, or is refused.
func (e *Engine) StartInput(ctx context.Context, in workflows.Input) (RunRef, error) {
	pf, err := e.opts.ProvenGate().Apply(ctx, &in)
	if err != nil {
		return RunRef{}, err
	}
	rb := in.Runbook.Metadata
	runID := RunID(rb.Name, e.now())
	if _, err := StartRun(ctx, e.opts.Client, e.opts.TaskQueue, runID, in, false); err != nil {
		return RunRef{}, err
	}
	return RunRef{RunID: runID, Runbook: rb.Name, Service: rb.Service, Mode: string(in.Mode), Started: true, Unproven: pf.Message}, nil
}

// loadRunbook resolves the runbook tree a start or schedule request names or uploads.
func (e *Engine) loadRunbook(name, source, filename string, nested map[string]string) (*runbooks.Tree, error) {
	switch {
	case name != "" && source != "":
		return nil, badRequest("runbook", "give runbook (a name) or source (a runbook's YAML), not both")
	case name != "":
		tree, err := e.opts.Catalog.Tree(name)
		if errors.Is(err, errNoRunbook) {
			return nil, badRequest("runbook", "no runbook %q on the server (GET /v1/runbooks lists them)", name)
		}
		return tree, runbookError("runbook", err)
	case source != "":
		if filename == "" {
			filename = "upload.yaml"
		}
		tree, err := LoadSource(filename, []byte(source), nested, e.opts.Registry)
		return tree, runbookError("source", err)
	}
	return nil, badRequest("runbook", "give runbook (a name) or source (a runbook's YAML)")
}

func runbookError(field string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok {
		return e
	}
	e := badRequest(field, "runbook is invalid: %v", err)
	var diags runbooks.Diagnostics
	if errors.As(err, &diags) {
		e.Message, e.Diagnostics = "runbook is invalid:\n"+diags.Error(), diags
	}
	return e
}

// input builds a run's input from a request; the caller fills Initiator and Trigger.
func (e *Engine) input(rb *runbooks.Runbook, nested map[string]runbooks.Runbook, mode string, params map[string]any) (workflows.Input, error) {
	m, ok := workflows.ParseMode(mode)
	if !ok {
		return workflows.Input{}, badRequest("mode", "%q is not one of live, drill, tabletop", mode)
	}
	given, err := givenParams(params)
	if err != nil {
		return workflows.Input{}, err
	}
	resolved, err := runbooks.ResolveParams(rb, given)
	if err != nil {
		return workflows.Input{}, badRequest("params", "%v", err)
	}
	// Every start leaves evidence, whichever way it came in.
	return workflows.Input{Runbook: *rb, Nested: nested, Params: resolved, Mode: m, Notify: e.opts.Notify, Evidence: true}, nil
}

// givenParams are a request's parameters as runbooks.ResolveParams takes them
// (name=value): strings, numbers and booleans as written, a list as its JSON array.
func givenParams(params map[string]any) (map[string]string, error) {
	given := map[string]string{}
	for k, v := range params {
		switch x := v.(type) {
		case string, float64, bool:
			given[k] = fmt.Sprint(v)
		case []any: // a list parameter, as a JSON array of strings
			b, err := json.Marshal(x)
			if err != nil {
				return nil, badRequest("params."+k, "a list parameter is an array of strings")
			}
			given[k] = string(b)
		default:
			return nil, badRequest("params."+k, "a parameter is a string, number, boolean or (for a list parameter) an array of strings")
		}
	}
	return given, nil
}

// startRole is the role a start in mode needs.
func startRole(m workflows.Mode) Role {
	if m == workflows.ModeLive {
		return IncidentCommander
	}
	return Operator
}

// authorize checks role on the service of every runbook of a run, the root (first) and
// every runbook it nests at any depth: a nested runbook runs as a run of its own
// service, so a caller may not reach a service through another's runbook. It returns the
// services checked, each once, which the run records (Input.Authorized) so that it
// counts as proof only for them.
func (e *Engine) authorize(rbs []*runbooks.Runbook, role Role) ([]string, error) {
	for i, rb := range rbs {
		svc := rb.Metadata.Service
		if e.caller == nil || e.caller.Can(role, svc) {
			continue
		}
		err := e.refuse(role, svc)
		if i > 0 {
			err.Message += fmt.Sprintf(" (nested runbook %s, service %s)", rb.Source.File, orAll(svc))
		}
		return nil, err
	}
	return runbooks.Services(rbs), nil
}

// Run implements Runs. The run comes with its child runs (a scenario's services, nested
// runbooks) and every task waiting for a person in its tree (Status.LoadChildren); a
// child the caller may not view is listed with the refusal.
func (e *Engine) Run(ctx context.Context, runID string) (workflows.Status, error) {
	st, err := e.run(ctx, runID)
	if err != nil {
		return st, err
	}
	st.LoadChildren(func(id string) (workflows.Status, error) { return e.run(ctx, id) })
	return st, nil
}

// run is one run's live state, or its record once it ended.
func (e *Engine) run(ctx context.Context, runID string) (workflows.Status, error) {
	var st workflows.Status
	info, err := e.describe(ctx, runID, Viewer)
	if err != nil {
		return st, err
	}
	if !info.open {
		return e.result(ctx, runID)
	}
	v, err := queryStatus(ctx, e.opts.Client, runID)
	if err != nil {
		return st, temporalError(err, "status of run "+runID)
	}
	return st, v.Get(&st)
}

// queryStatus asks a running run for its status. The engine's matching service hands
// the query to a worker. When matching (or the frontend's or history's connection to it)
// restarts, the engine drops the query (Canceled or Unavailable), or holds it and then
// says that no worker polled its task queue recently: the workers poll the new process
// only after their poll backoff, up to 10 s in the SDK. make cluster-test's
// TestTemporalServiceKilledMidRecovery saw both: a query held 9.2 s, then "stream
// terminated by RST_STREAM with error code: CANCEL", and "no poller seen for task queue
// recently" 1.2 s after a restart of matching, while the run went on and ended well.
//
// So each try has its own deadline, doubling from statusTry (matching holds a query up
// to its deadline less a second waiting for a poller, and a run with a long history
// that no worker has cached is replayed to answer), and a dropped or expired try is
// asked again until statusBudget has passed or the caller stops waiting; "no poller" is
// asked again for statusNoPoller only, so that a status read with every worker down says
// so within seconds. An answer that is a refusal is returned at once.
func queryStatus(ctx context.Context, c client.Client, runID string) (converter.EncodedValue, error) {
	began := time.Now()
	budget, cancel := context.WithTimeout(ctx, statusBudget)
	defer cancel()
	try, pause := statusTry, statusPause
	for {
		tctx, cancelTry := context.WithTimeout(budget, try)
		v, err := c.QueryWorkflow(tctx, runID, "", workflows.QueryStatus)
		expired := tctx.Err() != nil
		cancelTry()
		switch {
		case err == nil || budget.Err() != nil:
			return v, err
		case noPoller(err):
			if time.Since(began) >= statusNoPoller {
				return v, err
			}
		case !expired && !droppedByEngine(err):
			return v, err
		}
		select {
		case <-budget.Done():
			return nil, err
		case <-time.After(pause):
		}
		try, pause = 2*try, min(2*pause, time.Second)
	}
}

// statusTry is how long the first try of a status query may take, statusPause the first
// pause before the next try, statusBudget how long a status read waits for an engine that
// drops its queries, and statusNoPoller how long it waits for a worker to poll again
// (see queryStatus).
var (
	statusTry, statusPause       = 4 * time.Second, 200 * time.Millisecond
	statusBudget, statusNoPoller = 30 * time.Second, 12 * time.Second
)

// droppedByEngine tells an engine that dropped a request (a service restarting) from one
// that answered it.
func droppedByEngine(err error) bool {
	var canceled *serviceerror.Canceled
	var unavailable *serviceerror.Unavailable
	var expired *serviceerror.DeadlineExceeded
	return errors.As(err, &canceled) || errors.As(err, &unavailable) || errors.As(err, &expired) ||
		errors.Is(err, context.DeadlineExceeded)
}

// noPoller tells the engine's answer that no worker has polled the task queue recently
// (go.temporal.io/server service/matching/matcher.go, errNoRecentPoller: a
// FailedPrecondition, told apart from the others by its text only).
func noPoller(err error) bool {
	var fp *serviceerror.FailedPrecondition
	return errors.As(err, &fp) && strings.Contains(fp.Message, "no poller seen")
}

// Wait implements Runs.
func (e *Engine) Wait(ctx context.Context, runID string) (workflows.Status, error) {
	if _, err := e.describe(ctx, runID, Viewer); err != nil {
		return workflows.Status{}, err
	}
	return e.result(ctx, runID)
}

// result waits for a run to end and returns its record; a run the engine ended
// outside bcdr gets its reconciled record (see terminated.go).
func (e *Engine) result(ctx context.Context, runID string) (workflows.Status, error) {
	st, err := runResult(ctx, e.opts.Client, runID)
	if errors.Is(err, errEndedOutside) {
		return e.endedRecord(ctx, runID)
	}
	return st, err
}

// runResult waits for a run to end and returns its record: its result, or the details of
// its failure.
func runResult(ctx context.Context, c client.Client, runID string) (workflows.Status, error) {
	var st workflows.Status
	err := c.GetWorkflow(ctx, runID, "").Get(ctx, &st)
	if err == nil {
		return st, nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.HasDetails() && app.Details(&st) == nil {
		return st, nil
	}
	if endedOutside(err) {
		return st, errEndedOutside
	}
	return st, temporalError(err, "run "+runID)
}

// runInfo describes a bcdr run: its service and whether it is still open.
type runInfo struct {
	service string
	open    bool
}

// describe returns what the engine says of a run, once the caller is found to hold
// role on its service.
func (e *Engine) describe(ctx context.Context, runID string, role Role) (runInfo, error) {
	info, err := describeRun(ctx, e.opts.Client, runID)
	if err != nil {
		return info, err
	}
	return info, e.check(role, info.service)
}

func describeRun(ctx context.Context, c client.Client, runID string) (runInfo, error) {
	if !safeValue.MatchString(runID) {
		return runInfo{}, errorf(http.StatusNotFound, "", "no run %q", runID)
	}
	d, err := c.DescribeWorkflowExecution(ctx, runID, "")
	if err != nil {
		return runInfo{}, temporalError(err, "run "+runID)
	}
	info := d.GetWorkflowExecutionInfo()
	if info.GetType().GetName() != workflows.WorkflowName {
		return runInfo{}, errorf(http.StatusNotFound, "", "no run %q", runID)
	}
	return runInfo{service: keyword(info, workflows.SAService), open: info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}, nil
}

// keyword reads a Keyword search attribute of an execution.
func keyword(info *workflowpb.WorkflowExecutionInfo, name string) string {
	p, ok := info.GetSearchAttributes().GetIndexedFields()[name]
	if !ok {
		return ""
	}
	var v string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &v); err != nil {
		var list []string
		if converter.GetDefaultDataConverter().FromPayload(p, &list) == nil && len(list) > 0 {
			return list[0]
		}
	}
	return v
}

// temporalError maps an engine error to an API error that says, in a user's terms, what
// went wrong and what to do next, instead of the engine's phrases ("workflow not found
// for ID", "workflow execution already completed"). A refusal by the run itself (its
// update validators speak the user's language already) passes through as the run said
// it.
func temporalError(err error, what string) error {
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	switch {
	case errors.As(err, &nf):
		if strings.Contains(nf.Error(), "already completed") {
			return errorf(http.StatusConflict, "", "%s: %s", what, runEnded)
		}
		return errorf(http.StatusNotFound, "", "%s: no such run in this namespace; 'bcdr runs' (GET /v1/runs) lists the runs (closed runs stay for the engine's retention, 'bcdr evidence list' has the older ones)", what)
	case errors.As(err, &app):
		return errorf(http.StatusConflict, "", "%s: refused: %s", what, app.Message())
	case errors.Is(err, context.DeadlineExceeded):
		return errorf(http.StatusGatewayTimeout, "", "%s: the engine did not answer in time", what)
	case noPoller(err):
		return errorf(http.StatusServiceUnavailable, "", "%s: no bcdr worker is polling the run's task queue (the engine has seen none recently): "+
			"start 'bcdr worker' with this namespace and task queue, or check that the workers reach the engine", what)
	}
	return errorf(http.StatusBadGateway, "", "%s: %v", what, err)
}

// runEnded says why an ended run cannot be changed, and where its record is.
const runEnded = "the run has ended, so nothing can change it now; 'bcdr status' (GET /v1/runs/ID) shows its record"

// List implements Runs. A caller sees the runs of the services they may view, each child
// run under its parent (GroupRuns).
func (e *Engine) List(ctx context.Context, f RunFilter) ([]RunSummary, error) {
	query, limit, err := f.query()
	if err != nil {
		return nil, err
	}
	runs, err := listRuns(ctx, e.opts.Client, query, limit)
	if err != nil {
		return nil, err
	}
	visible := runs[:0]
	for _, rs := range runs {
		if e.caller == nil || e.caller.Can(Viewer, rs.Service) {
			visible = append(visible, rs)
		}
	}
	e.listedFigures(ctx, visible)
	return GroupRuns(visible), nil
}

// maxListedFigures bounds how many ended runs of one list get their RTO read from their
// record: one read of the run's closing event each.
const maxListedFigures = 200

// listedFigures sets the RTO of the ended runs listed, the newest maxListedFigures, from
// their records (workflows.Status.RTO: the figure status and the reports show, never
// computed here), eight reads at a time. A record that cannot be read leaves it out.
func (e *Engine) listedFigures(ctx context.Context, runs []RunSummary) {
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	n := 0
	for i := range runs {
		if runs[i].ClosedAt.IsZero() || n == maxListedFigures {
			continue
		}
		n++
		wg.Add(1)
		go func(rs *RunSummary) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if st, err := runResult(ctx, e.opts.Client, rs.RunID); err == nil && st.RunID != "" {
				rto := st.RTO()
				rs.RTO = &rto
			}
		}(&runs[i])
	}
	wg.Wait()
}

// listRuns returns up to limit runs matching a visibility query, newest first.
func listRuns(ctx context.Context, c client.Client, query string, limit int) ([]RunSummary, error) {
	out := []RunSummary{}
	var token []byte
	for len(out) < limit {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: int32(min(limit-len(out), 1000)), NextPageToken: token,
		})
		if err != nil {
			return nil, temporalError(err, "list runs")
		}
		for _, e := range resp.GetExecutions() {
			rs := RunSummary{
				RunID: e.GetExecution().GetWorkflowId(), Runbook: keyword(e, workflows.SARunbook),
				Service: keyword(e, workflows.SAService), Mode: keyword(e, workflows.SAMode),
				Outcome: keyword(e, workflows.SAOutcome), StartedAt: e.GetStartTime().AsTime(),
				Status: strings.ToLower(strings.TrimPrefix(e.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_")),
			}
			if e.GetCloseTime() != nil {
				rs.ClosedAt = e.GetCloseTime().AsTime()
			}
			if p, ok := e.GetMemo().GetFields()[memoProof]; ok {
				_ = converter.GetDefaultDataConverter().FromPayload(p, &rs.Proof) // unreadable: proves nothing
			}
			out = append(out, rs)
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	return out, nil
}

// Act implements Runs: it checks the caller's role on the run's service, then sends the
// update as the caller (signed with the identity key when the engine holds one); the
// run validates it (approvers, four-eyes) before accepting it.
func (e *Engine) Act(ctx context.Context, runID string, act Action) (ActionResult, error) {
	name, arg, role, err := act.update(e.by)
	if err != nil {
		return ActionResult{}, err
	}
	info, err := e.describe(ctx, runID, role)
	if err != nil {
		return ActionResult{}, err
	}
	if !info.open {
		return ActionResult{}, errorf(http.StatusConflict, "", "%s %s: %s", name, runID, runEnded)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	h, err := e.opts.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: runID, UpdateName: name, Args: []any{e.signed(runID, name, arg)}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return ActionResult{}, temporalError(err, name+" "+runID)
	}
	return ActionResult{RunID: runID, Action: name, Step: act.Step, By: e.by.Name}, nil
}

// signed adds the identity assertion for by, when the engine holds the identity key.
func (e *Engine) signed(runID, name string, arg any) any {
	if len(e.opts.IdentityKey) == 0 {
		return arg
	}
	return workflows.Sign(e.opts.IdentityKey, runID, name, arg, e.now())
}

// Report implements Runs.
func (e *Engine) Report(ctx context.Context, runID, format string) (Report, error) {
	f, ok := reportFormats[format]
	if !ok {
		return Report{}, badRequest("format", "%q is not one of html, md, json, junit", format)
	}
	b, m, err := e.bundle(ctx, runID)
	if errors.Is(err, evidence.ErrNoBundle) {
		st, rerr := e.Run(ctx, runID)
		if rerr != nil {
			return Report{}, rerr
		}
		if st.State == workflows.RunTerminated && st.Evidence != nil {
			b, m, err = e.bundle(ctx, runID) // reconciled by that read (terminated.go)
		}
		if errors.Is(err, evidence.ErrNoBundle) {
			if b, _, err = evidence.NewBundle(st, 0, "", e.now()); err != nil {
				return Report{}, err
			}
			return Report{Data: b[f[0]], Evidence: "none"}, nil
		}
	}
	if err != nil {
		return Report{}, err
	}
	rep := Report{Evidence: fmt.Sprintf("%d %s", m.Seq, m.Hash), Check: checkHeader(b)}
	// Served as the run's report, an edited file would pass for evidence: refuse it, as
	// the store's readers do; the bundle stays downloadable, with its check.
	if err := b.Intact(); err != nil {
		return rep, errorf(http.StatusConflict, "", "%v; GET /v1/runs/%s/evidence downloads the bundle as it is, 'bcdr evidence verify' checks the chain", err, runID)
	}
	rep.Data = b[f[0]]
	return rep, nil
}

// bundle returns a run's evidence bundle to a caller who may view its service, or
// evidence.ErrNoBundle when the run has none (still running, or no store).
func (e *Engine) bundle(ctx context.Context, runID string) (evidence.Bundle, evidence.Manifest, error) {
	if !safeValue.MatchString(runID) {
		return nil, evidence.Manifest{}, errorf(http.StatusNotFound, "", "no run %q", runID)
	}
	if e.opts.Evidence == nil {
		return nil, evidence.Manifest{}, evidence.ErrNoBundle
	}
	b, m, err := e.opts.Evidence.Get(ctx, runID)
	if err != nil {
		return nil, m, err
	}
	return b, m, e.check(Viewer, m.Service)
}
