package api

import (
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/continuity/trackers"
	"github.com/bcdr/bcdr/runbooks"
)

// Options is what the server needs.
type Options struct {
	Client    client.Client
	TaskQueue string
	Registry  *runbooks.Registry // step kinds runbooks may use
	Catalog   *Catalog           // runbooks startable by name
	Auth      *Authenticator
	Triggers  map[string]Trigger
	// Catalogue returns the service catalogue the portfolio and the overdue report read
	// (config catalogue), with the runbooks it names; nil means none, and the services
	// are those the Catalog's runbooks name (catalogue.FromRunbooks).
	Catalogue func() (*catalogue.Catalogue, catalogue.Runbooks, error)
	// Scenario plans the recovery from a scenario of the service catalogue (a start's
	// Scenario): the generated runbook, and every runbook it runs and those they nest,
	// keyed by the path its steps name. nil means the service plans no scenarios.
	Scenario func(name string) (*runbooks.Runbook, map[string]runbooks.Runbook, error)
	// Cadence maps a service tier ("1") to the longest time between successful drills,
	// for the portfolio without a catalogue (drills.cadence).
	Cadence map[string]time.Duration
	// Notify makes the runs the server starts send their events to the notifier.
	Notify bool
	// SNSCertHost is the host an SNS SigningCertURL must have (default
	// sns.<region>.amazonaws.com); SNSClient fetches the certificate (default: a client
	// with a 10 s timeout). Tests point both at a loopback server.
	SNSCertHost *regexp.Regexp
	SNSClient   *http.Client
	Logger      *slog.Logger
	Now         func() time.Time
	// Local, when set, is the identity of every request, with no credentials asked: the
	// CLI's in-process server when it talks to Temporal directly. Never for a listener.
	Local *Identity
	// Evidence is the evidence store that reports, bundle downloads and the portfolio
	// read; nil means none (reports then come from the live state).
	Evidence Evidence
	// DataConverter decodes run inputs read back from the engine (a run's plan); nil
	// means the SDK's default. Set it to the client's when payloads are encrypted.
	DataConverter converter.DataConverter
	// OutageWindow is how long before a run its declared outageStart may lie (0:
	// DefaultOutageWindow).
	OutageWindow time.Duration
	// IdentityKey signs the decisions and controls the server sends for the callers it
	// authenticated (workflows.Sign); the workers verify with the same key. nil sends them
	// unsigned, and the runs refuse them.
	IdentityKey []byte
	// Exporters export the improvement plan to trackers (RunExports), every
	// ExportEvery (0: DefaultExportEvery) and after each update.
	Exporters   []*trackers.Exporter
	ExportEvery time.Duration
	// ProvenPolicy is the configuration's policy.require_proven and policy.approvers
	// (ProvenGate); the zero value warns.
	ProvenPolicy runbooks.Policy
}

// Server is the bcdr API.
type Server struct {
	opts  Options
	log   *slog.Logger
	now   func() time.Time
	sns   *snsVerifier
	mux   *http.ServeMux
	table []route
	// results caches what the run history read from records, which never change.
	results *resultCache
	// exportNow asks RunExports for a pass.
	exportNow chan struct{}
}

// route is one endpoint. role is what the caller must hold on at least one service to be
// let in (the handler then checks it on the run's service); public routes authenticate
// themselves (webhooks).
type route struct {
	method, pattern string
	role            Role
	public          bool
	h               func(w http.ResponseWriter, r *http.Request, id *Identity) error
}

// New returns a server; Handler serves it.
func New(opts Options) *Server {
	s := &Server{opts: opts, log: opts.Logger, now: opts.Now, mux: http.NewServeMux(), results: newResultCache(), exportNow: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.Catalog == nil {
		s.opts.Catalog = NewCatalog(opts.Registry)
	}
	s.sns = newSNSVerifier(opts.SNSCertHost, opts.SNSClient)
	s.table = s.routes()
	for _, rt := range s.table {
		s.mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	allowed := map[string][]string{}
	for _, rt := range s.table {
		allowed[rt.pattern] = append(allowed[rt.pattern], rt.method)
	}
	for pattern, methods := range allowed { // the method-less pattern only catches the others
		s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			writeError(w, errorf(http.StatusMethodNotAllowed, "", "%s %s: use %s", r.Method, r.URL.Path, strings.Join(methods, " or ")))
		}))
	}
	s.mux.Handle("/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, "", "no such endpoint: %s %s", r.Method, r.URL.Path))
	}))
	return s
}

// routes is every endpoint of the API. openapi.yaml describes each (a test checks).
func (s *Server) routes() []route {
	return []route{
		{method: "GET", pattern: "/v1/openapi.yaml", public: true, h: s.openapi},
		{method: "GET", pattern: "/v1/whoami", role: Viewer, h: s.whoami},
		{method: "GET", pattern: "/v1/runbooks", role: Viewer, h: s.listRunbooks},
		{method: "GET", pattern: "/v1/runs", role: Viewer, h: s.listRuns},
		{method: "POST", pattern: "/v1/runs", role: Operator, h: s.startRun},
		{method: "POST", pattern: "/v1/preflight", role: Operator, h: s.preflight},
		{method: "GET", pattern: "/v1/runs/{id}", role: Viewer, h: s.showRun},
		{method: "POST", pattern: "/v1/runs/{id}/approve", role: Approver, h: s.decision("approve")},
		{method: "POST", pattern: "/v1/runs/{id}/decline", role: Approver, h: s.decision("decline")},
		{method: "POST", pattern: "/v1/runs/{id}/complete", role: Operator, h: s.decision("complete")},
		{method: "POST", pattern: "/v1/runs/{id}/answers", role: Operator, h: s.answer},
		{method: "POST", pattern: "/v1/runs/{id}/pause", role: Operator, h: s.control("pause")},
		{method: "POST", pattern: "/v1/runs/{id}/resume", role: Operator, h: s.control("resume")},
		{method: "POST", pattern: "/v1/runs/{id}/skip", role: Operator, h: s.control("skip")},
		{method: "POST", pattern: "/v1/runs/{id}/retry", role: Operator, h: s.control("retry")},
		{method: "POST", pattern: "/v1/runs/{id}/cancel", role: Operator, h: s.control("cancel")},
		{method: "POST", pattern: "/v1/runs/{id}/advance", role: Operator, h: s.control("advance")},
		{method: "POST", pattern: "/v1/runs/{id}/findings", role: Operator, h: s.finding},
		{method: "GET", pattern: "/v1/runs/{id}/report", role: Viewer, h: s.runReport},
		{method: "GET", pattern: "/v1/runs/{id}/evidence", role: Viewer, h: s.runEvidence},
		{method: "GET", pattern: "/v1/runs/{id}/plan", role: Viewer, h: s.runPlan},
		{method: "GET", pattern: "/v1/portfolio", role: Viewer, h: s.portfolio},
		{method: "GET", pattern: "/v1/readiness", role: Viewer, h: s.readiness},
		{method: "GET", pattern: "/v1/schedules", role: Viewer, h: s.listSchedules},
		{method: "POST", pattern: "/v1/schedules", role: Author, h: s.createSchedule},
		{method: "GET", pattern: "/v1/schedules/{id}", role: Viewer, h: s.showSchedule},
		{method: "DELETE", pattern: "/v1/schedules/{id}", role: Author, h: s.deleteSchedule},
		{method: "POST", pattern: "/v1/schedules/{id}/pause", role: Author, h: s.pauseSchedule(true)},
		{method: "POST", pattern: "/v1/schedules/{id}/unpause", role: Author, h: s.pauseSchedule(false)},
		{method: "POST", pattern: "/v1/schedules/{id}/trigger", role: Operator, h: s.triggerSchedule},
		{method: "GET", pattern: "/v1/drills/overdue", role: Viewer, h: s.overdue},
		{method: "GET", pattern: "/v1/improvements", role: Viewer, h: s.listImprovements},
		{method: "GET", pattern: "/v1/improvements/{id}", role: Viewer, h: s.showImprovement},
		// Who may update depends on the item (updateImprovement): an author of its service, or
		// an operator of it who owns the item; the handler refuses everyone else.
		{method: "PATCH", pattern: "/v1/improvements/{id}", role: Viewer, h: s.updateImprovement},
		{method: "GET", pattern: "/v1/history", role: Viewer, h: s.runHistory},
		{method: "POST", pattern: "/v1/triggers/{name}", public: true, h: s.webhook},
		{method: "GET", pattern: "/v1/ack", public: true, h: s.ackForm},
		{method: "POST", pattern: "/v1/ack", public: true, h: s.ack},
	}
}

// Routes lists the endpoints as "METHOD /path".
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.table {
		out = append(out, rt.method+" "+rt.pattern)
	}
	sort.Strings(out)
	return out
}

// RouteRoles maps "METHOD /path" to the role it requires ("" for a public route).
func (s *Server) RouteRoles() map[string]Role {
	out := map[string]Role{}
	for _, rt := range s.table {
		out[rt.method+" "+rt.pattern] = rt.role
	}
	return out
}

// Handler serves the API under /v1/.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.opts.Local
		if !rt.public && id == nil {
			var err error
			if id, err = s.opts.Auth.Authenticate(r); err != nil {
				s.log.Warn("api: refused", "method", r.Method, "path", r.URL.Path, "who", "", "why", err.Error(), "remote", r.RemoteAddr)
				w.Header().Set("WWW-Authenticate", `Bearer realm="bcdr"`)
				writeError(w, errorf(http.StatusUnauthorized, "", "%s", unauthenticated(r)))
				return
			}
		}
		if !rt.public {
			if !id.CanAny(rt.role) {
				writeError(w, s.forbidden(r, id, rt.role, "*"))
				return
			}
		}
		if err := rt.h(w, r, id); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status >= 500 {
				s.log.Error("api: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
			}
			writeError(w, err)
		}
	})
}

// forbidden logs and returns the refusal of a request that needs role on service.
func (s *Server) forbidden(r *http.Request, id *Identity, role Role, service string) *Error {
	why := "needs role " + string(role)
	if service != "*" {
		why += " on service " + orAll(service)
	}
	s.log.Warn("api: refused", "method", r.Method, "path", r.URL.Path, "who", id.Name, "why", why)
	return errorf(http.StatusForbidden, "", "%s %s %s: %s", id.Name, r.Method, r.URL.Path, why)
}

// authorize checks role on service for a request past the route's own check.
func (s *Server) authorize(r *http.Request, id *Identity, role Role, service string) error {
	if id.Can(role, service) {
		return nil
	}
	return s.forbidden(r, id, role, service)
}

func orAll(service string) string {
	if service == "" {
		return `"" (runs of no service)`
	}
	return service
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request, id *Identity) error {
	writeJSON(w, http.StatusOK, id)
	return nil
}

func (s *Server) listRunbooks(w http.ResponseWriter, r *http.Request, id *Identity) error {
	writeJSON(w, http.StatusOK, map[string]any{"runbooks": s.opts.Catalog.Entries()})
	return nil
}
