package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// StartRequest starts a run of a server-side runbook (Runbook, a catalog name) or of an
// uploaded one (Source, with Nested holding the runbooks it nests by the path they name).
type StartRequest struct {
	Runbook       string            `json:"runbook,omitempty"`
	Source        string            `json:"source,omitempty"`
	Filename      string            `json:"filename,omitempty"`
	Nested        map[string]string `json:"nested,omitempty"`
	Mode          string            `json:"mode,omitempty"`
	Params        map[string]any    `json:"params,omitempty"`
	OutageStart   *time.Time        `json:"outageStart,omitempty"`
	HoldOnFailure string            `json:"holdOnFailure,omitempty"`
}

// RunRef is the answer to a start: the run's id, or why none was started.
type RunRef struct {
	RunID   string `json:"runId,omitempty"`
	Runbook string `json:"runbook,omitempty"`
	Service string `json:"service,omitempty"`
	Mode    string `json:"mode,omitempty"`
	Started bool   `json:"started"`
	Reason  string `json:"reason,omitempty"`
}

// loadRunbook resolves the runbook tree a start or schedule request names or uploads.
func (s *Server) loadRunbook(name, source, filename string, nested map[string]string) (*runbooks.Tree, error) {
	switch {
	case name != "" && source != "":
		return nil, badRequest("runbook", "give runbook (a name) or source (a runbook's YAML), not both")
	case name != "":
		tree, err := s.opts.Catalog.Tree(name)
		if errors.Is(err, errNoRunbook) {
			return nil, badRequest("runbook", "no runbook %q on the server (GET /v1/runbooks lists them)", name)
		}
		return tree, runbookError("runbook", err)
	case source != "":
		if filename == "" {
			filename = "upload.yaml"
		}
		tree, err := LoadSource(filename, []byte(source), nested, s.opts.Registry)
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
func (s *Server) input(rb *runbooks.Runbook, nested map[string]runbooks.Runbook, mode string, params map[string]any) (workflows.Input, error) {
	m, ok := workflows.ParseMode(mode)
	if !ok {
		return workflows.Input{}, badRequest("mode", "%q is not one of live, drill, tabletop", mode)
	}
	given := map[string]string{}
	for k, v := range params {
		switch x := v.(type) {
		case string, float64, bool:
			given[k] = fmt.Sprint(v)
		case []any: // a list parameter, as a JSON array of strings
			b, err := json.Marshal(x)
			if err != nil {
				return workflows.Input{}, badRequest("params."+k, "a list parameter is an array of strings")
			}
			given[k] = string(b)
		default:
			return workflows.Input{}, badRequest("params."+k, "a parameter is a string, number, boolean or (for a list parameter) an array of strings")
		}
	}
	resolved, err := runbooks.ResolveParams(rb, given)
	if err != nil {
		return workflows.Input{}, badRequest("params", "%v", err)
	}
	// Runs started through the API leave evidence like the CLI's.
	return workflows.Input{Runbook: *rb, Nested: nested, Params: resolved, Mode: m, Notify: s.opts.Notify, Evidence: true}, nil
}

func actor(id *Identity) workflows.Actor {
	return workflows.Actor{Name: id.Name, Groups: id.Groups}
}

// startRole is the role a start in mode needs.
func startRole(m workflows.Mode) Role {
	if m == workflows.ModeLive {
		return IncidentCommander
	}
	return Operator
}

func (s *Server) startRun(w http.ResponseWriter, r *http.Request, id *Identity) error {
	var req StartRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	tree, err := s.loadRunbook(req.Runbook, req.Source, req.Filename, req.Nested)
	if err != nil {
		return err
	}
	rb := tree.Root.Runbook
	in, err := s.input(rb, tree.Nested(), req.Mode, req.Params)
	if err != nil {
		return err
	}
	if req.HoldOnFailure != "" {
		if in.HoldOnFailure, err = time.ParseDuration(req.HoldOnFailure); err != nil || in.HoldOnFailure < 0 {
			return badRequest("holdOnFailure", "%q is not a duration like 30m", req.HoldOnFailure)
		}
	}
	if req.OutageStart != nil {
		if err := CheckOutageStart(*req.OutageStart, s.now(), s.opts.OutageWindow); err != nil {
			return badRequest("outageStart", "%v", err)
		}
		in.OutageStart = *req.OutageStart
	}
	if in.Authorized, err = s.authorizeTree(r, id, startRole(in.Mode), tree); err != nil {
		return err
	}
	in.Initiator, in.Trigger = actor(id), "api"
	runID := RunID(rb.Metadata.Name, s.now())
	if _, err := StartRun(r.Context(), s.opts.Client, s.opts.TaskQueue, runID, in, false); err != nil {
		return err
	}
	s.log.Info("api: run started", "run", runID, "runbook", rb.Metadata.Name, "mode", in.Mode, "by", id.Name)
	writeJSON(w, http.StatusCreated, RunRef{RunID: runID, Runbook: rb.Metadata.Name, Service: rb.Metadata.Service, Mode: string(in.Mode), Started: true})
	return nil
}

// runInfo describes a bcdr run: its service and whether it is still open.
type runInfo struct {
	service string
	open    bool
}

func (s *Server) describeRun(ctx context.Context, runID string) (runInfo, error) {
	if !safeValue.MatchString(runID) {
		return runInfo{}, errorf(http.StatusNotFound, "", "no run %q", runID)
	}
	d, err := s.opts.Client.DescribeWorkflowExecution(ctx, runID, "")
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

// temporalError maps an engine error to an API error.
func temporalError(err error, what string) error {
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	switch {
	case errors.As(err, &nf):
		if strings.Contains(nf.Error(), "already completed") {
			return errorf(http.StatusConflict, "", "%s has ended", what)
		}
		return errorf(http.StatusNotFound, "", "%s: not found", what)
	case errors.As(err, &app):
		return errorf(http.StatusConflict, "", "%s: refused by the run: %s", what, app.Message())
	case errors.Is(err, context.DeadlineExceeded):
		return errorf(http.StatusGatewayTimeout, "", "%s: the engine did not answer in time", what)
	}
	return errorf(http.StatusBadGateway, "", "%s: %v", what, err)
}

func (s *Server) showRun(w http.ResponseWriter, r *http.Request, id *Identity) error {
	st, err := s.runStatus(r, id, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// runStatus returns a run's live state, or its record once it ended, to a caller who may
// view its service.
func (s *Server) runStatus(r *http.Request, id *Identity, runID string) (workflows.Status, error) {
	var st workflows.Status
	info, err := s.describeRun(r.Context(), runID)
	if err != nil {
		return st, err
	}
	if err := s.authorize(r, id, Viewer, info.service); err != nil {
		return st, err
	}
	if !info.open {
		return runResult(r.Context(), s.opts.Client, runID)
	}
	v, err := s.opts.Client.QueryWorkflow(r.Context(), runID, "", workflows.QueryStatus)
	if err != nil {
		return st, temporalError(err, "status of run "+runID)
	}
	return st, v.Get(&st)
}

// runResult returns a closed run's record: its result, or the details of its failure.
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
	return st, temporalError(err, "run "+runID)
}

// DecisionBody approves or declines an approval step, or completes a manual task.
type DecisionBody struct {
	Step    string `json:"step"`
	Comment string `json:"comment,omitempty"`
}

// AnswerBody answers a tabletop prompt.
type AnswerBody struct {
	Step   string `json:"step"`
	Answer string `json:"answer"`
}

// ControlBody is an operator control; Step for skip and retry, Rollback for cancel.
type ControlBody struct {
	Step     string `json:"step,omitempty"`
	Comment  string `json:"comment,omitempty"`
	Rollback bool   `json:"rollback,omitempty"`
}

// ActionResult says what an accepted decision or control did.
type ActionResult struct {
	RunID  string `json:"runId"`
	Action string `json:"action"`
	Step   string `json:"step,omitempty"`
	By     string `json:"by"`
}

func (s *Server) decision(name string) func(http.ResponseWriter, *http.Request, *Identity) error {
	return func(w http.ResponseWriter, r *http.Request, id *Identity) error {
		var body DecisionBody
		if err := decode(r, &body); err != nil {
			return err
		}
		if body.Step == "" {
			return badRequest("step", "name the step")
		}
		req := workflows.DecisionRequest{Step: body.Step, Comment: body.Comment}
		return s.update(w, r, id, name, body.Step, func(by workflows.Actor) any { req.By = by; return req })
	}
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, id *Identity) error {
	var body AnswerBody
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Step == "" {
		return badRequest("step", "name the prompt's step")
	}
	if strings.TrimSpace(body.Answer) == "" {
		return badRequest("answer", "an answer must say something")
	}
	req := workflows.DecisionRequest{Step: body.Step, Comment: body.Answer}
	return s.update(w, r, id, workflows.UpdateComplete, body.Step, func(by workflows.Actor) any { req.By = by; return req })
}

func (s *Server) control(name string) func(http.ResponseWriter, *http.Request, *Identity) error {
	return func(w http.ResponseWriter, r *http.Request, id *Identity) error {
		var body ControlBody
		if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
			if err := decode(r, &body); err != nil {
				return err
			}
		}
		switch {
		case (name == "skip" || name == "retry") && body.Step == "":
			return badRequest("step", "%s needs the step", name)
		case name != "skip" && name != "retry" && name != workflows.UpdateAdvance && body.Step != "":
			return badRequest("step", "%s applies to the whole run, not a step", name)
		case body.Rollback && name != "cancel":
			return badRequest("rollback", "rollback applies to cancel only")
		}
		req := workflows.ControlRequest{Step: body.Step, Comment: body.Comment, Rollback: body.Rollback}
		return s.update(w, r, id, name, body.Step, func(by workflows.Actor) any { req.By = by; return req })
	}
}

// FindingBody records a gap, an action item (with an owner) or an observation in a run.
type FindingBody struct {
	Kind  string `json:"kind"`
	Text  string `json:"text"`
	Owner string `json:"owner,omitempty"`
	Step  string `json:"step,omitempty"`
}

func (s *Server) finding(w http.ResponseWriter, r *http.Request, id *Identity) error {
	var body FindingBody
	if err := decode(r, &body); err != nil {
		return err
	}
	if strings.TrimSpace(body.Text) == "" {
		return badRequest("text", "a finding needs a text")
	}
	req := workflows.FindingRequest{Kind: body.Kind, Text: body.Text, Owner: body.Owner, Step: body.Step}
	return s.update(w, r, id, workflows.UpdateFinding, body.Step, func(by workflows.Actor) any { req.By = by; return req })
}

// update checks the caller's role on the run's service, then sends the update as the
// caller's identity; the run validates it (approvers, four-eyes) before accepting it.
func (s *Server) update(w http.ResponseWriter, r *http.Request, id *Identity, name, step string, arg func(workflows.Actor) any) error {
	runID := r.PathValue("id")
	info, err := s.describeRun(r.Context(), runID)
	if err != nil {
		return err
	}
	role := Operator
	if name == workflows.UpdateApprove || name == workflows.UpdateDecline {
		role = Approver
	}
	if err := s.authorize(r, id, role, info.service); err != nil {
		return err
	}
	if !info.open {
		return errorf(http.StatusConflict, "", "run %s has ended", runID)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	h, err := s.opts.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: runID, UpdateName: name, Args: []any{s.signed(runID, name, arg(actor(id)))}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		s.log.Warn("api: refused by the run", "run", runID, "action", name, "who", id.Name, "why", err.Error())
		return temporalError(err, name+" "+runID)
	}
	s.log.Info("api: run operated", "run", runID, "action", name, "step", step, "by", id.Name)
	writeJSON(w, http.StatusOK, ActionResult{RunID: runID, Action: name, Step: step, By: id.Name})
	return nil
}

// signed adds the identity assertion for the authenticated caller, when the server holds
// the identity key.
func (s *Server) signed(runID, name string, arg any) any {
	if len(s.opts.IdentityKey) == 0 {
		return arg
	}
	return workflows.Sign(s.opts.IdentityKey, runID, name, arg, s.now())
}

// RunSummary is a run as listed.
type RunSummary struct {
	RunID     string    `json:"runId"`
	Runbook   string    `json:"runbook"`
	Service   string    `json:"service,omitempty"`
	Mode      string    `json:"mode"`
	Outcome   string    `json:"outcome,omitempty"` // succeeded, failed, cancelled; "" while open
	Status    string    `json:"status"`            // the engine's: running, completed, failed, ...
	StartedAt time.Time `json:"startedAt"`
	ClosedAt  time.Time `json:"closedAt,omitzero"`
	// Proof is what the run's start recorded (memo "proof") for the proof rule.
	Proof runbooks.Proof `json:"-"`
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, id *Identity) error {
	q := r.URL.Query()
	query := []string{fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowName)}
	for field, attr := range map[string]string{"service": workflows.SAService, "runbook": workflows.SARunbook, "mode": workflows.SAMode} {
		if v := q.Get(field); v != "" {
			if !safeValue.MatchString(v) {
				return badRequest(field, "%q holds characters a filter cannot", v)
			}
			query = append(query, fmt.Sprintf("%s = '%s'", attr, v))
		}
	}
	switch o := q.Get("outcome"); o {
	case "":
	case "running":
		query = append(query, "ExecutionStatus = 'Running'")
	case "succeeded", "failed", "cancelled":
		query = append(query, fmt.Sprintf("%s = '%s'", workflows.SAOutcome, o))
	default:
		return badRequest("outcome", "%q is not one of running, succeeded, failed, cancelled", o)
	}
	if v := q.Get("since"); v != "" {
		since, err := parseSince(v, s.now())
		if err != nil {
			return badRequest("since", "%q is neither RFC 3339 nor a duration like 24h", v)
		}
		query = append(query, fmt.Sprintf("StartTime >= '%s'", since.UTC().Format(time.RFC3339)))
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return badRequest("limit", "%q is not a number from 1 to 1000", v)
		}
		limit = n
	}
	runs, err := listRuns(r.Context(), s.opts.Client, strings.Join(query, " AND "), limit)
	if err != nil {
		return err
	}
	visible := runs[:0]
	for _, rs := range runs { // a viewer of some services sees their runs only
		if id.Can(Viewer, rs.Service) {
			visible = append(visible, rs)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": visible})
	return nil
}

func parseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return time.Time{}, errors.New("bad since")
	}
	return now.Add(-d), nil
}

// listRuns returns up to limit runs matching a visibility query, newest first.
func listRuns(ctx context.Context, c client.Client, query string, limit int) ([]RunSummary, error) {
	out := []RunSummary{}
	var token []byte
	for len(out) < limit {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: int32(min(limit-len(out), 100)), NextPageToken: token,
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
