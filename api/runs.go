package api

import (
	"net/http"
	"strconv"
	"time"

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
	// Speed plays a tabletop's injects this many times faster than their timeline.
	Speed float64 `json:"speed,omitempty"`
	// Participants may answer a tabletop's prompts; none means anyone.
	Participants []string `json:"participants,omitempty"`
	// Scenario, instead of a runbook, starts the recovery from a disaster scenario of the
	// service's catalogue (Options.Scenario): its generated runbook, which runs each
	// affected service's runbooks as child runs.
	Scenario string `json:"scenario,omitempty"`
}

// RunRef is the answer to a start: the run's id, or why none was started.
type RunRef struct {
	RunID   string `json:"runId,omitempty"`
	Runbook string `json:"runbook,omitempty"`
	Service string `json:"service,omitempty"`
	Mode    string `json:"mode,omitempty"`
	Started bool   `json:"started"`
	Reason  string `json:"reason,omitempty"`
	// Unproven says that the live run's runbook version was never proven by a drill
	// (and what the policy did about it); empty when it was.
	Unproven string `json:"unproven,omitempty"`
}

// The handlers below are the HTTP side of the run service: each decodes its request and
// hands it to the Engine acting as the caller (Server.engine).

func (s *Server) startRun(w http.ResponseWriter, r *http.Request, id *Identity) error {
	var req StartRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	ref, err := s.engine(r, id).Start(r.Context(), req)
	if err != nil {
		return err
	}
	s.log.Info("api: run started", "run", ref.RunID, "runbook", ref.Runbook, "mode", ref.Mode, "by", id.Name)
	writeJSON(w, http.StatusCreated, ref)
	return nil
}

func (s *Server) showRun(w http.ResponseWriter, r *http.Request, id *Identity) error {
	st, err := s.engine(r, id).Run(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, st, err)
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

// FindingBody records a gap, an action item (with an owner) or an observation in a run.
type FindingBody struct {
	Kind  string `json:"kind"`
	Text  string `json:"text"`
	Owner string `json:"owner,omitempty"`
	Step  string `json:"step,omitempty"`
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
		return s.act(w, r, id, Action{Name: name, Step: body.Step, Comment: body.Comment})
	}
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, id *Identity) error {
	var body AnswerBody
	if err := decode(r, &body); err != nil {
		return err
	}
	return s.act(w, r, id, Action{Name: "answer", Step: body.Step, Comment: body.Answer})
}

func (s *Server) control(name string) func(http.ResponseWriter, *http.Request, *Identity) error {
	return func(w http.ResponseWriter, r *http.Request, id *Identity) error {
		var body ControlBody
		if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
			if err := decode(r, &body); err != nil {
				return err
			}
		}
		return s.act(w, r, id, Action{Name: name, Step: body.Step, Comment: body.Comment, Rollback: body.Rollback})
	}
}

func (s *Server) finding(w http.ResponseWriter, r *http.Request, id *Identity) error {
	var body FindingBody
	if err := decode(r, &body); err != nil {
		return err
	}
	return s.act(w, r, id, Action{Name: workflows.UpdateFinding, Step: body.Step, Comment: body.Text, Kind: body.Kind, Owner: body.Owner})
}

// act sends an action to the run the path names, as the caller.
func (s *Server) act(w http.ResponseWriter, r *http.Request, id *Identity, act Action) error {
	runID := r.PathValue("id")
	res, err := s.engine(r, id).Act(r.Context(), runID, act)
	if err != nil {
		s.log.Warn("api: action refused", "run", runID, "action", act.Name, "who", id.Name, "why", err.Error())
		return err
	}
	s.log.Info("api: run operated", "run", runID, "action", res.Action, "step", res.Step, "by", id.Name)
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, id *Identity) error {
	q := r.URL.Query()
	f := RunFilter{Service: q.Get("service"), Runbook: q.Get("runbook"), Mode: q.Get("mode"), Outcome: q.Get("outcome")}
	if v := q.Get("since"); v != "" {
		since, err := ParseSince(v, s.now())
		if err != nil {
			return badRequest("since", "%v", err)
		}
		f.Since = since
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return badRequest("limit", "%q is not a number from 1 to %d", v, MaxListRuns)
		}
		f.Limit = n
	}
	runs, err := s.engine(r, id).List(r.Context(), f)
	return reply(w, http.StatusOK, map[string]any{"runs": runs}, err)
}
