package api

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// Recurring drills and tabletops are Temporal Schedules. A schedule carries the whole
// runbook as it was when the schedule was made (like a run), starts a run at each time
// its spec gives (an interval or cron expressions, with jitter), and skips a time while
// the previous run is still going (overlap policy skip).
//
// A schedule acts for the person who made it: making one needs the author role and the
// role that starting its runs directly would need on the service of every runbook of
// its tree; its runs carry the maker as initiator, so the four-eyes rule keeps the maker
// from approving them. Triggering a schedule by hand needs that start role too, and the
// triggerer joins the run's NotApprovers (of this and later runs of the schedule).
//
// A readiness schedule (mode readiness) starts no run: at each time it starts the
// readiness workflow (workflows.Readiness), which checks the runbook read-only, keeps
// the result in the evidence store and notifies readiness.changed. Making one needs the
// author role on the runbook's service; triggering it, the operator role.

// ScheduleRequest creates a schedule.
type ScheduleRequest struct {
	ID       string            `json:"id"`
	Runbook  string            `json:"runbook,omitempty"`
	Source   string            `json:"source,omitempty"`
	Filename string            `json:"filename,omitempty"`
	Nested   map[string]string `json:"nested,omitempty"`
	Mode     string            `json:"mode,omitempty"` // drill (default), tabletop or readiness
	// CheckMode is, for a readiness schedule, the steps checked: live (default) or drill.
	CheckMode string         `json:"checkMode,omitempty"`
	Params    map[string]any `json:"params,omitempty"`
	Every     string         `json:"every,omitempty"` // a duration: 2160h
	Cron      []string       `json:"cron,omitempty"`  // cron expressions: "0 3 * * 1"
	Jitter    string         `json:"jitter,omitempty"`
	Paused    bool           `json:"paused,omitempty"`
	Note      string         `json:"note,omitempty"`
}

// Schedule is a schedule as shown.
type Schedule struct {
	ID        string         `json:"id"`
	Runbook   string         `json:"runbook"`
	Service   string         `json:"service,omitempty"`
	Tier      int            `json:"tier,omitempty"`
	Mode      string         `json:"mode"`
	CheckMode string         `json:"checkMode,omitempty"` // readiness schedules: live or drill
	Every     string         `json:"every,omitempty"`
	Cron      string         `json:"cron,omitempty"`
	Jitter    string         `json:"jitter,omitempty"`
	Paused    bool           `json:"paused"`
	Note      string         `json:"note,omitempty"`
	CreatedBy string         `json:"createdBy,omitempty"`
	Next      []time.Time    `json:"next,omitempty"`
	Recent    []ScheduledRun `json:"recent,omitempty"`
	Running   []string       `json:"running,omitempty"`
	Actions   int            `json:"actions,omitempty"` // runs started so far
	Skipped   int            `json:"skipped,omitempty"` // times skipped: the previous run still ran
	// services are those of every runbook of the schedule's tree (memo "services"),
	// for the role a trigger needs; a schedule made before they were recorded has none.
	services []string
}

// ScheduledRun is a run a schedule started.
type ScheduledRun struct {
	RunID       string    `json:"runId"`
	ScheduledAt time.Time `json:"scheduledAt"`
	StartedAt   time.Time `json:"startedAt"`
}

var scheduleID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request, id *Identity) error {
	var req ScheduleRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	sc, err := s.engine(r, id).CreateSchedule(r.Context(), req)
	return reply(w, http.StatusCreated, sc, err)
}

// CreateSchedule implements Runs: a schedule of drills, tabletops or readiness checks of
// a runbook, made by the service's caller, who needs the author role and the role its
// runs need.
func (e *Engine) CreateSchedule(ctx context.Context, req ScheduleRequest) (Schedule, error) {
	if !scheduleID.MatchString(req.ID) {
		return Schedule{}, badRequest("id", "a schedule id is lower-case letters, digits, - and _ (at most 63)")
	}
	if req.Mode == "" {
		req.Mode = string(workflows.ModeDrill)
	}
	switch req.Mode {
	case string(workflows.ModeDrill), string(workflows.ModeTabletop), readiness.RecordMode:
	default:
		return Schedule{}, badRequest("mode", "a schedule runs drills, tabletops or readiness checks, not %q", req.Mode)
	}
	if req.CheckMode != "" && req.Mode != readiness.RecordMode {
		return Schedule{}, badRequest("checkMode", "checkMode is for readiness schedules (mode readiness)")
	}
	spec, err := scheduleSpec(req)
	if err != nil {
		return Schedule{}, err
	}
	tree, err := e.loadRunbook(req.Runbook, req.Source, req.Filename, req.Nested)
	if err != nil {
		return Schedule{}, err
	}
	rb := tree.Root.Runbook
	memo := map[string]any{
		"runbook": rb.Metadata.Name, "service": rb.Metadata.Service, "tier": strconv.Itoa(rb.Metadata.Tier),
		"mode": req.Mode, "every": req.Every, "cron": cronText(req.Cron), "jitter": req.Jitter, "createdBy": e.by.Name,
	}
	if len(req.Cron) == 0 {
		memo["cron"] = ""
	}
	var action *client.ScheduleWorkflowAction
	if req.Mode == readiness.RecordMode {
		action, err = e.readinessAction(req, rb, memo)
	} else {
		action, err = e.runAction(req, tree, memo)
	}
	if err != nil {
		return Schedule{}, err
	}
	_, err = e.opts.Client.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: req.ID, Spec: spec, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, Paused: req.Paused, Note: req.Note, Memo: memo,
		Action: action,
	})
	if err != nil {
		if isAlreadyStarted(err) {
			return Schedule{}, errorf(http.StatusConflict, "id", "schedule %q exists", req.ID)
		}
		return Schedule{}, temporalError(err, "create schedule "+req.ID)
	}
	e.opts.Logger.Info("api: schedule created", "schedule", req.ID, "runbook", rb.Metadata.Name, "mode", req.Mode, "by", e.by.Name)
	return e.describeSchedule(ctx, req.ID)
}

// runAction is the action of a schedule of drills or tabletops: a run of the tree,
// started for the maker.
func (e *Engine) runAction(req ScheduleRequest, tree *runbooks.Tree, memo map[string]any) (*client.ScheduleWorkflowAction, error) {
	rb := tree.Root.Runbook
	in, err := e.input(rb, tree.Nested(), req.Mode, req.Params)
	if err != nil {
		return nil, err
	}
	if err := e.check(Author, rb.Metadata.Service); err != nil {
		return nil, err
	}
	if in.Authorized, err = e.authorize(tree.Runbooks(), startRole(in.Mode)); err != nil {
		return nil, err
	}
	// The maker is the runs' initiator: four-eyes holds against them as if they had
	// started each run.
	in.Initiator = e.by
	in.Trigger = "schedule:" + req.ID
	memo["services"] = strings.Join(in.Authorized, ",")
	summary, details := workflows.WebUISummary(in) // what the Temporal Web UI shows of each run
	return &client.ScheduleWorkflowAction{
		ID: "scheduled-" + req.ID, Workflow: workflows.WorkflowName, Args: []any{in},
		TaskQueue: e.opts.TaskQueue, TypedSearchAttributes: workflows.SearchAttributes(in), Memo: proofMemo(in),
		StaticSummary: summary, StaticDetails: details,
	}, nil
}

// readinessAction is the action of a readiness schedule: the readiness workflow, which
// checks the runbook (read-only) and keeps and compares the result. It changes nothing,
// so the author role on the runbook's service is enough.
func (e *Engine) readinessAction(req ScheduleRequest, rb *runbooks.Runbook, memo map[string]any) (*client.ScheduleWorkflowAction, error) {
	mode := req.CheckMode
	if mode == "" {
		mode = string(workflows.ModeLive)
	}
	if mode != string(workflows.ModeLive) && mode != string(workflows.ModeDrill) {
		return nil, badRequest("checkMode", "readiness checks the live steps or the drill's: live or drill, not %q", mode)
	}
	given, err := givenParams(req.Params)
	if err != nil {
		return nil, err
	}
	if _, err := runbooks.ResolveParams(rb, given); err != nil {
		return nil, badRequest("params", "%v", err)
	}
	if err := e.check(Author, rb.Metadata.Service); err != nil {
		return nil, err
	}
	memo["checkMode"] = mode
	in := workflows.ReadinessInput{Schedule: req.ID, Check: readiness.Request{Runbook: *rb, Params: given, Mode: mode},
		Notify: e.opts.Notify, Evidence: true}
	return &client.ScheduleWorkflowAction{
		ID: "readiness-" + req.ID, Workflow: workflows.ReadinessWorkflowName, Args: []any{in}, TaskQueue: e.opts.TaskQueue,
	}, nil
}

func scheduleSpec(req ScheduleRequest) (client.ScheduleSpec, error) {
	var spec client.ScheduleSpec
	if (req.Every == "") == (len(req.Cron) == 0) {
		return spec, badRequest("every", "give every (a duration like 90d) or cron, one of them")
	}
	if req.Every != "" {
		d, err := scheduleDuration(req.Every)
		if err != nil || d < time.Second {
			return spec, badRequest("every", "%q is not a duration of at least 1s (e.g. 90d, 12h, 1h30m)", req.Every)
		}
		spec.Intervals = []client.ScheduleIntervalSpec{{Every: d}}
	}
	spec.CronExpressions = req.Cron
	if req.Jitter != "" {
		d, err := scheduleDuration(req.Jitter)
		if err != nil || d < 0 {
			return spec, badRequest("jitter", "%q is not a duration (e.g. 1d, 30m)", req.Jitter)
		}
		spec.Jitter = d
	}
	return spec, nil
}

func memoStrings(m *commonpb.Memo) map[string]string {
	out := map[string]string{}
	for k, p := range m.GetFields() {
		var v string
		if converter.GetDefaultDataConverter().FromPayload(p, &v) == nil {
			out[k] = v
		}
	}
	return out
}

func scheduleFromMemo(id string, memo *commonpb.Memo) Schedule {
	m := memoStrings(memo)
	tier, _ := strconv.Atoi(m["tier"])
	sc := Schedule{ID: id, Runbook: m["runbook"], Service: m["service"], Tier: tier, Mode: m["mode"], CheckMode: m["checkMode"],
		Every: m["every"], Cron: m["cron"], Jitter: m["jitter"], CreatedBy: m["createdBy"]}
	if m["services"] != "" {
		sc.services = strings.Split(m["services"], ",")
	}
	return sc
}

// scheduledRuns are the runs a schedule started, as its recent actions list them.
func scheduledRuns(actions []client.ScheduleActionResult) []ScheduledRun {
	var out []ScheduledRun
	for _, a := range actions {
		sr := ScheduledRun{ScheduledAt: a.ScheduleTime, StartedAt: a.ActualTime}
		if a.StartWorkflowResult != nil {
			sr.RunID = a.StartWorkflowResult.WorkflowID
		}
		out = append(out, sr)
	}
	return out
}

func (e *Engine) describeSchedule(ctx context.Context, id string) (Schedule, error) {
	if !scheduleID.MatchString(id) {
		return Schedule{}, errorf(http.StatusNotFound, "", "no schedule %q", id)
	}
	d, err := e.opts.Client.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
	if err != nil {
		return Schedule{}, temporalError(err, "schedule "+id)
	}
	sc := scheduleFromMemo(id, d.Memo)
	sc.Paused, sc.Note = d.Schedule.State.Paused, d.Schedule.State.Note
	sc.Next, sc.Actions, sc.Skipped = d.Info.NextActionTimes, d.Info.NumActions, d.Info.NumActionsSkippedOverlap
	sc.Recent = scheduledRuns(d.Info.RecentActions)
	for _, rw := range d.Info.RunningWorkflows {
		sc.Running = append(sc.Running, rw.WorkflowID)
	}
	return sc, nil
}

func (s *Server) showSchedule(w http.ResponseWriter, r *http.Request, id *Identity) error {
	sc, err := s.engine(r, id).Schedule(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, sc, err)
}

// Schedule implements Runs: a schedule of a service the caller may view.
func (e *Engine) Schedule(ctx context.Context, id string) (Schedule, error) {
	sc, err := e.describeSchedule(ctx, id)
	if err != nil {
		return Schedule{}, err
	}
	return sc, e.check(Viewer, sc.Service)
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request, id *Identity) error {
	out, err := s.engine(r, id).Schedules(r.Context())
	return reply(w, http.StatusOK, map[string]any{"schedules": out}, err)
}

// Schedules implements Runs: the schedules of the services the caller may view, by id.
func (e *Engine) Schedules(ctx context.Context) ([]Schedule, error) {
	it, err := e.opts.Client.ScheduleClient().List(ctx, client.ScheduleListOptions{PageSize: 100})
	if err != nil {
		return nil, temporalError(err, "list schedules")
	}
	out := []Schedule{}
	for it.HasNext() {
		l, err := it.Next()
		if err != nil {
			return nil, temporalError(err, "list schedules")
		}
		sc := scheduleFromMemo(l.ID, l.Memo)
		if sc.Runbook == "" || (e.caller != nil && !e.caller.Can(Viewer, sc.Service)) {
			continue // not a bcdr schedule, or one of a service the caller may not see
		}
		sc.Paused, sc.Note, sc.Next = l.Paused, l.Note, l.NextActionTimes
		sc.Recent = scheduledRuns(l.RecentActions)
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// scheduleFor describes a schedule and checks the caller may change it.
func (e *Engine) scheduleFor(ctx context.Context, id string) (Schedule, client.ScheduleHandle, error) {
	sc, err := e.describeSchedule(ctx, id)
	if err != nil {
		return sc, nil, err
	}
	if err := e.check(Author, sc.Service); err != nil {
		return sc, nil, err
	}
	return sc, e.opts.Client.ScheduleClient().GetHandle(ctx, sc.ID), nil
}

// NoteBody is an optional note for pausing or unpausing a schedule.
type NoteBody struct {
	Note string `json:"note,omitempty"`
}

func (s *Server) optionalNote(r *http.Request) (string, error) {
	var body NoteBody
	if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
		if err := decode(r, &body); err != nil {
			return "", err
		}
	}
	return body.Note, nil
}

func (s *Server) pauseSchedule(pause bool) func(http.ResponseWriter, *http.Request, *Identity) error {
	return func(w http.ResponseWriter, r *http.Request, id *Identity) error {
		note, err := s.optionalNote(r)
		if err != nil {
			return err
		}
		sc, err := s.engine(r, id).PauseSchedule(r.Context(), r.PathValue("id"), pause, note)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, sc)
		return nil
	}
}

// PauseSchedule implements Runs: it pauses a schedule (or unpauses it), noting who did
// and why, and returns it as it now is. The caller needs the author role on its service.
func (e *Engine) PauseSchedule(ctx context.Context, id string, pause bool, note string) (Schedule, error) {
	sc, h, err := e.scheduleFor(ctx, id)
	if err != nil {
		return Schedule{}, err
	}
	verb := "unpaused"
	if pause {
		verb = "paused"
	}
	note = fmt.Sprintf("%s by %s: %s", verb, e.by.Name, note)
	if pause {
		err = h.Pause(ctx, client.SchedulePauseOptions{Note: note})
	} else {
		err = h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: note})
	}
	if err != nil {
		return Schedule{}, temporalError(err, "schedule "+sc.ID)
	}
	e.opts.Logger.Info("api: schedule "+verb, "schedule", sc.ID, "by", e.by.Name)
	return e.describeSchedule(ctx, sc.ID)
}

func (s *Server) triggerSchedule(w http.ResponseWriter, r *http.Request, id *Identity) error {
	sc := r.PathValue("id")
	err := s.engine(r, id).TriggerSchedule(r.Context(), sc)
	return reply(w, http.StatusAccepted, map[string]any{"id": sc, "triggered": true}, err)
}

// TriggerSchedule implements Runs: it starts a run of a schedule now. The caller needs
// the role starting the schedule's runs directly would need, on every service of its
// tree (an author alone cannot set off what they could not start), and becomes one of
// the runs' NotApprovers before the run starts. A readiness check changes nothing and
// has no approvals, so the operator role on the runbook's service is enough for one,
// and nobody is barred from approving.
func (e *Engine) TriggerSchedule(ctx context.Context, id string) error {
	sc, err := e.describeSchedule(ctx, id)
	if err != nil {
		return err
	}
	h := e.opts.Client.ScheduleClient().GetHandle(ctx, sc.ID)
	if sc.Mode == readiness.RecordMode {
		if err := e.check(Operator, sc.Service); err != nil {
			return err
		}
	} else {
		mode, _ := workflows.ParseMode(sc.Mode)
		services := sc.services
		if len(services) == 0 {
			services = []string{sc.Service}
		}
		for _, svc := range services {
			if err := e.check(startRole(mode), svc); err != nil {
				return err
			}
		}
		if err := e.addNotApprover(ctx, h, e.by.Name); err != nil {
			return err
		}
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP}); err != nil {
		return temporalError(err, "schedule "+sc.ID)
	}
	e.opts.Logger.Info("api: schedule triggered", "schedule", sc.ID, "mode", sc.Mode, "by", e.by.Name)
	return nil
}

func (s *Server) deleteSchedule(w http.ResponseWriter, r *http.Request, id *Identity) error {
	sc := r.PathValue("id")
	err := s.engine(r, id).DeleteSchedule(r.Context(), sc)
	return reply(w, http.StatusOK, map[string]any{"id": sc, "deleted": true}, err)
}

// DeleteSchedule implements Runs: the schedule goes, its past runs stay. The caller
// needs the author role on its service.
func (e *Engine) DeleteSchedule(ctx context.Context, id string) error {
	sc, h, err := e.scheduleFor(ctx, id)
	if err != nil {
		return err
	}
	if err := h.Delete(ctx); err != nil {
		return temporalError(err, "schedule "+sc.ID)
	}
	e.opts.Logger.Info("api: schedule deleted", "schedule", sc.ID, "by", e.by.Name)
	return nil
}

// addNotApprover adds name to the NotApprovers of the runs the schedule starts (its
// action's input), so that whoever set a run off cannot approve it.
func (e *Engine) addNotApprover(ctx context.Context, h client.ScheduleHandle, name string) error {
	dc := e.opts.DataConverter
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	err := h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(u client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		act, ok := u.Description.Schedule.Action.(*client.ScheduleWorkflowAction)
		if !ok || len(act.Args) != 1 {
			return nil, fmt.Errorf("schedule %s does not start a bcdr run", h.GetID())
		}
		var in workflows.Input
		switch a := act.Args[0].(type) {
		case *commonpb.Payload:
			if err := dc.FromPayload(a, &in); err != nil {
				return nil, fmt.Errorf("read the run input of schedule %s: %w", h.GetID(), err)
			}
		case workflows.Input:
			in = a
		default:
			return nil, fmt.Errorf("schedule %s does not start a bcdr run", h.GetID())
		}
		if slices.Contains(in.NotApprovers, name) {
			return nil, temporal.ErrSkipScheduleUpdate
		}
		in.NotApprovers = append(in.NotApprovers, name)
		act.Args[0] = in
		return &client.ScheduleUpdate{Schedule: &u.Description.Schedule}, nil
	}})
	if err != nil {
		return temporalError(err, "schedule "+h.GetID())
	}
	return nil
}
