package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// ProvenGate is the proven-version gate every start of a live run passes: it asks the
// evidence store whether a drill proved the runbook's version (runbooks.Proven, by the
// proof rule) and applies the stricter of the runbook's and the configuration's
// policy.require_proven. Drills and tabletops pass untouched; nested runbooks are not
// judged apart from their root.
type ProvenGate struct {
	// Evidence holds the drills; nil means no store is configured, and then no version
	// counts as proven.
	Evidence evidence.Lister
	// Policy is the configuration's (policy.require_proven, policy.approvers).
	Policy runbooks.Policy
	// Registry validates the runbook again once the gate's approval step is in it.
	Registry *runbooks.Registry
}

// ProvenApprovalStep is the id of the approval a live run of an unproven version waits
// for before its first step under policy.require_proven: approve.
const ProvenApprovalStep = "proven_version_approval"

// Preflight is what a live start of a runbook would meet at the gate, before it starts:
// whether its version is proven, the policy that applies and who set it, and what will
// happen, in words.
type Preflight struct {
	Provenance    runbooks.Provenance    `json:"provenance"`
	RequireProven runbooks.RequireProven `json:"requireProven"`
	// PolicyFrom says whose policy decides: "runbook" or "configuration".
	PolicyFrom string `json:"policyFrom"`
	// Approvers approve the run before its first step when RequireProven is approve and
	// the version is unproven.
	Approvers []string `json:"approvers,omitempty"`
	// Message says what a live start will do; empty when the version is proven.
	Message string `json:"message,omitempty"`
}

// Flagged reports whether a live run would be flagged as unproven.
func (p Preflight) Flagged() bool { return !p.Provenance.Proven }

// Refusal is the error that refuses a live start under policy.require_proven: refuse (a
// 409 naming the runbook and the last proven version), or nil when the start may go on.
func (p Preflight) Refusal() error {
	if p.Flagged() && p.RequireProven == runbooks.ProvenRefuse {
		return errorf(http.StatusConflict, "runbook", "%s", p.Message)
	}
	return nil
}

// Check is the gate's verdict on a live start of rb, without starting anything.
func (g ProvenGate) Check(ctx context.Context, rb *runbooks.Runbook) Preflight {
	var pv runbooks.Provenance
	if g.Evidence == nil {
		pv = runbooks.Unproven(rb, "no evidence store is configured")
	} else if drills, err := evidence.Drills(ctx, g.Evidence, rb.Metadata.Name); err != nil {
		pv = runbooks.Unproven(rb, "evidence store: "+err.Error())
	} else {
		pv = runbooks.Proven(rb, drills)
	}
	p := Preflight{Provenance: pv, RequireProven: g.Policy.RequireProven.Stricter(rb.Policy.RequireProven), PolicyFrom: "configuration"}
	if rb.Policy.RequireProven == p.RequireProven {
		p.PolicyFrom = "runbook"
	}
	p.Approvers = rb.Policy.Approvers
	if len(p.Approvers) == 0 {
		p.Approvers = g.Policy.Approvers
	}
	if p.RequireProven != runbooks.ProvenApprove {
		p.Approvers = nil
	}
	if pv.Proven {
		return p
	}
	policy := fmt.Sprintf("policy.require_proven: %s (the %s's)", p.RequireProven, p.PolicyFrom)
	switch p.RequireProven {
	case runbooks.ProvenRefuse:
		p.Message = fmt.Sprintf("a live run of runbook %s is refused by %s: %s. Run a drill of this version first (mode drill), or start the version a drill proved",
			rb.Metadata.Name, policy, pv)
	case runbooks.ProvenApprove:
		p.Message = fmt.Sprintf("a live run of runbook %s will wait, before its first step, for an approval by %s (%s): %s",
			rb.Metadata.Name, strings.Join(p.Approvers, ", "), policy, pv)
	default:
		p.Message = fmt.Sprintf("a live run of runbook %s will be flagged: %s", rb.Metadata.Name, pv)
	}
	return p
}

// Apply passes a start through the gate: a live run records the provenance of its
// version (workflows.Input.Provenance) and, under approve, waits before its first step
// for an approval by the policy's approvers (ProvenApprovalStep); under refuse an unproven version is not started, with a
// 409 that names the runbook and the last proven version. Nothing is changed on refusal.
// The preflight it returns says what the start meets (Message empty when nothing).
func (g ProvenGate) Apply(ctx context.Context, in *workflows.Input) (Preflight, error) {
	if in.Mode != workflows.ModeLive && in.Mode != "" || in.Provenance != nil { // judged once
		return Preflight{}, nil
	}
	p := g.Check(ctx, &in.Runbook)
	if err := p.Refusal(); err != nil {
		return p, err
	}
	if p.Flagged() && p.RequireProven == runbooks.ProvenApprove {
		why := p.Provenance.String() + ". Approve to run this version anyway; decline to end the run before any step acts."
		if err := requireApproval(&in.Runbook, ProvenApprovalStep, "Approve running a version no drill proved", why, p.Approvers, g.Registry); err != nil {
			return p, errorf(http.StatusInternalServerError, "", "proven-version approval: %v", err)
		}
	}
	in.Provenance = &p.Provenance
	return p, nil
}

// ProvenGate is the gate of the run service and the triggers: the evidence store and the
// configured policy.
func (o Options) ProvenGate() ProvenGate {
	g := ProvenGate{Policy: o.ProvenPolicy, Registry: o.Registry}
	if o.Evidence != nil {
		g.Evidence = o.Evidence
	}
	return g
}

// Preflight implements Runs: what a start would meet at the proven-version gate, without
// starting anything. The request is read and authorized as a start is.
func (e *Engine) Preflight(ctx context.Context, req StartRequest) (Preflight, error) {
	rb, _, all, err := e.startRunbooks(req)
	if err != nil {
		return Preflight{}, err
	}
	m, ok := workflows.ParseMode(req.Mode)
	if !ok {
		return Preflight{}, badRequest("mode", "%q is not one of live, drill, tabletop", req.Mode)
	}
	if _, err := e.authorize(all, startRole(m)); err != nil {
		return Preflight{}, err
	}
	p := e.opts.ProvenGate().Check(ctx, rb)
	if m != workflows.ModeLive {
		p.Message, p.Approvers = "", nil // the gate judges live runs only
	}
	return p, nil
}

// preflight is POST /v1/preflight.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request, id *Identity) error {
	var req StartRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	p, err := s.engine(r, id).Preflight(r.Context(), req)
	return reply(w, http.StatusOK, p, err)
}
