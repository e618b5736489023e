package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/workflows"
)

// ImprovementWriter is an evidence store that can also append improvement events
// (evidence.Store). An Options.Evidence that is one lets the API update items.
type ImprovementWriter interface {
	AppendImprovement(ctx context.Context, runbook, service string, e improvements.Event) (workflows.EvidenceRef, error)
}

// ImprovementList is the improvement plan as a caller may view it: the items the filter
// kept, their counts (improvements.Summarize) and what could not be read.
type ImprovementList struct {
	Items    []improvements.Item  `json:"items"`
	Summary  improvements.Summary `json:"summary"`
	Problems []string             `json:"problems,omitempty"`
}

// ImprovementUpdate changes an item: every field is optional, and the ones given are
// checked by the plan's rules (improvements.Item.Check). Due is a date (2026-12-01,
// due by the end of that day, UTC) or an RFC 3339 time.
type ImprovementUpdate struct {
	Status string `json:"status,omitempty"`
	Owner  string `json:"owner,omitempty"`
	Due    string `json:"due,omitempty"`
	Title  string `json:"title,omitempty"`
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
}

// plan reads the improvement plan from the evidence store: every item, as of now.
func (o Options) plan(ctx context.Context) ([]improvements.Item, []string, error) {
	if o.Evidence == nil {
		return nil, nil, errorf(http.StatusServiceUnavailable, "", "no evidence store is configured (evidence.dir or evidence.s3_bucket): the improvement plan is kept there")
	}
	c, _, err := o.catalogue()
	if err != nil {
		c = nil // the items still list, with the default due dates
	}
	items, errs, err := evidence.Improvements(ctx, o.Evidence, c.ImprovementDue)
	var problems []string
	for _, e := range errs {
		problems = append(problems, "improvement record left out (bcdr evidence verify): "+e.Error())
	}
	return items, problems, err
}

// visibleImprovements is the plan the caller may view, and its summary: what the
// portfolio, coverage and the executive summary count.
func (e *Engine) visibleImprovements(ctx context.Context) ([]improvements.Item, improvements.Summary, []string, error) {
	items, problems, err := e.opts.plan(ctx)
	if err != nil {
		return nil, improvements.Summary{}, problems, err
	}
	items = slices.DeleteFunc(items, func(it improvements.Item) bool { return !e.can(Viewer, it.Service) })
	return items, improvements.Summarize(items, e.now()), problems, nil
}

func (s *Server) listImprovements(w http.ResponseWriter, r *http.Request, id *Identity) error {
	q := r.URL.Query()
	f := improvements.Filter{Service: q.Get("service"), Runbook: q.Get("runbook"), Owner: q.Get("owner"), Now: s.now()}
	if v := q.Get("status"); v != "" {
		if v == string(improvements.Verified) {
			f.Status = improvements.Verified
		} else {
			st, err := improvements.ParseStatus(v)
			if err != nil {
				return badRequest("status", "%s", strings.TrimPrefix(err.Error(), "status: "))
			}
			f.Status = st
		}
	}
	switch v := q.Get("overdue"); v {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return badRequest("overdue", "%q: use true or false", v)
	}
	items, _, problems, err := s.engine(r, id).visibleImprovements(r.Context())
	if err != nil {
		return err
	}
	items = improvements.Select(items, f)
	if items == nil {
		items = []improvements.Item{}
	}
	writeJSON(w, http.StatusOK, ImprovementList{Items: items, Summary: improvements.Summarize(items, s.now()), Problems: problems})
	return nil
}

// improvement returns the item the path names, if the caller may view it.
func (s *Server) improvement(r *http.Request, id *Identity) (*improvements.Item, error) {
	items, _, err := s.opts.plan(r.Context())
	if err != nil {
		return nil, err
	}
	want := r.PathValue("id")
	i := slices.IndexFunc(items, func(it improvements.Item) bool { return it.ID == want })
	if i < 0 {
		return nil, errorf(http.StatusNotFound, "", "no improvement item %q; bcdr improvements list names them", want)
	}
	if err := s.authorize(r, id, Viewer, items[i].Service); err != nil {
		return nil, err
	}
	return &items[i], nil
}

func (s *Server) showImprovement(w http.ResponseWriter, r *http.Request, id *Identity) error {
	it, err := s.improvement(r, id)
	return reply(w, http.StatusOK, it, err)
}

// updateImprovement records a change of an item as a chained event. Authors of the
// item's service may change it, and so may operators of the service who own the item
// (its owner, or the service's owner in the catalogue, names them or one of their
// groups); a refused request writes nothing.
func (s *Server) updateImprovement(w http.ResponseWriter, r *http.Request, id *Identity) error {
	if !id.CanAny(Author) && !id.CanAny(Operator) { // may update no item at all
		return s.forbidden(r, id, Author, "*")
	}
	var body ImprovementUpdate
	if err := decode(r, &body); err != nil {
		return err
	}
	it, err := s.improvement(r, id)
	if err != nil {
		return err
	}
	if !s.mayUpdate(id, it) {
		return s.forbidden(r, id, Author, it.Service+" (or operator on it and owner of the item, "+orNobody(it.Owner)+")")
	}
	change, err := body.change(it)
	if err != nil {
		return err
	}
	e, err := it.Update(id.Name, s.now(), change)
	if err != nil {
		return ruleError(err)
	}
	store, ok := s.opts.Evidence.(ImprovementWriter)
	if !ok {
		return errorf(http.StatusServiceUnavailable, "", "the evidence store of this server cannot record improvement updates")
	}
	if _, err := store.AppendImprovement(r.Context(), it.Runbook, it.Service, e); err != nil {
		if errors.Is(err, evidence.ErrImprovementConflict) {
			return errorf(http.StatusConflict, "", "%v", err)
		}
		return err
	}
	s.log.Info("api: improvement updated", "item", it.ID, "event", e.N, "by", id.Name)
	s.exportSoon()
	updated, err := s.improvement(r, id)
	return reply(w, http.StatusOK, updated, err)
}

// mayUpdate reports whether id may change the item: an author of its service, or an
// operator of its service who owns it.
func (s *Server) mayUpdate(id *Identity, it *improvements.Item) bool {
	if id.Can(Author, it.Service) {
		return true
	}
	if !id.Can(Operator, it.Service) {
		return false
	}
	owners := []string{it.Owner}
	if c, _, err := s.opts.catalogue(); err == nil {
		if svc := c.Service(it.Service); svc != nil {
			owners = append(owners, svc.Owner)
		}
	}
	for _, o := range owners {
		if o != "" && (o == id.Name || slices.ContainsFunc(id.Groups, func(g string) bool { return o == g || o == "group:"+g })) {
			return true
		}
	}
	return false
}

func orNobody(owner string) string {
	if owner == "" {
		return "which has none"
	}
	return owner
}

// change turns the request into the plan's change, naming the field that is wrong.
func (u ImprovementUpdate) change(it *improvements.Item) (improvements.Change, error) {
	c := improvements.Change{Reason: u.Reason, Note: u.Note}
	if u.Status != "" {
		st, err := improvements.ParseStatus(u.Status)
		if err != nil {
			return c, ruleError(err)
		}
		c.Status = &st
	}
	if u.Owner != "" {
		c.Owner = &u.Owner
	}
	if u.Title != "" {
		c.Title = &u.Title
	}
	if u.Due != "" {
		due, err := parseDue(u.Due)
		if err != nil {
			return c, badRequest("due", "%q is not a date (2026-12-01) or an RFC 3339 time", u.Due)
		}
		if due.Before(it.OpenedAt) {
			return c, badRequest("due", "%s is before the item was opened (%s)", u.Due, it.OpenedAt.UTC().Format(time.DateOnly))
		}
		c.Due = &due
	}
	return c, nil
}

// parseDue reads a due date: a day is due by its end (UTC).
func parseDue(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Add(24*time.Hour - time.Second), nil
	}
	return time.Parse(time.RFC3339, s)
}

// ruleError is a refusal by the plan's rules as a 400 naming the field ("status: ...").
func ruleError(err error) *Error {
	msg := err.Error()
	if field, rest, ok := strings.Cut(msg, ": "); ok && !strings.Contains(msg, "\n") &&
		slices.Contains([]string{"status", "reason", "title", "owner", "due"}, field) {
		return badRequest(field, "%s", rest)
	}
	return badRequest("", "%s", strings.ReplaceAll(msg, "\n", "; "))
}
