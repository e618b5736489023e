package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/internal/identity"
)

// Versions of how a run checks decisions and operator actions (change id "decisions").
const (
	decisionsChangeID = "decisions"
	// decisionsTrusted: the validator alone checks a request, against the name and groups
	// it carries; runs started before the versions below replay this way.
	decisionsTrusted = workflow.DefaultVersion
	// decisionsSerialized: the handler checks the request again when it runs, so that of
	// two decisions admitted together the first closes the step and the second is refused
	// and recorded as refused.
	decisionsSerialized workflow.Version = 1
	// decisionsVerified: the handler also verifies the request's identity assertion
	// (VerifyActivity) and takes the groups from the worker's configuration.
	decisionsVerified workflow.Version = 2
)

// maxRefusals bounds the refusals a run records, so that a flood of refused requests
// cannot grow its state without end; the count goes on in RefusalsDropped.
const maxRefusals = 100

// refuse records a refused request and returns its reason as the update's error.
func (r *run) refuse(ctx workflow.Context, action, step, by string, err error) error {
	if len(r.st.Refusals) < maxRefusals {
		r.st.Refusals = append(r.st.Refusals, Refusal{Action: action, By: by, At: workflow.Now(ctx), Step: step,
			Reason: redactString(err.Error(), r.secrets)})
	} else {
		r.st.RefusalsDropped++
	}
	r.dirty = true
	return temporal.NewNonRetryableApplicationError(err.Error(), "Refused", nil)
}

// checkDecision runs in a decision's handler: it verifies the identity (from
// decisionsVerified on), then checks the request against the run as it is now, after
// whatever was applied since the validator admitted it. It returns the request with the
// verified actor.
func (r *run) checkDecision(ctx workflow.Context, action string, req DecisionRequest, validate func(DecisionRequest) error) (DecisionRequest, error) {
	err := r.checkRequest(ctx, action, req.Step, &req.By, req.Assertion,
		func() identity.Claim { return decisionClaim(r.st.RunID, action, req, assertionTime(req.Assertion)) },
		func() error { return validate(req) })
	return req, err
}

// checkControl is checkDecision for operator controls.
func (r *run) checkControl(ctx workflow.Context, action string, req ControlRequest, validate func(ControlRequest) error) (ControlRequest, error) {
	err := r.checkRequest(ctx, action, req.Step, &req.By, req.Assertion,
		func() identity.Claim { return controlClaim(r.st.RunID, action, req, assertionTime(req.Assertion)) },
		func() error { return validate(req) })
	return req, err
}

// checkRequest is the one check behind checkDecision and checkControl: claim is the
// request as signed, by is replaced with the verified actor, and validate sees the request
// with that actor. A refusal is recorded under the claimed name.
func (r *run) checkRequest(ctx workflow.Context, action, step string, by *Actor, a *Assertion, claim func() identity.Claim, validate func() error) error {
	if r.decisions < decisionsSerialized {
		return nil
	}
	claimed := by.Name
	if r.decisions >= decisionsVerified {
		verified, err := r.verify(ctx, claim(), a)
		if err != nil {
			return r.refuse(ctx, action, step, claimed, err)
		}
		*by = verified
	}
	if err := validate(); err != nil {
		return r.refuse(ctx, action, step, claimed, err)
	}
	return nil
}

func assertionTime(a *Assertion) time.Time {
	if a == nil {
		return time.Time{}
	}
	return a.At
}

// verify checks an identity assertion with the worker's key (VerifyActivity) and returns
// the actor with the groups the worker's configuration gives them.
func (r *run) verify(ctx workflow.Context, claim identity.Claim, a *Assertion) (Actor, error) {
	if a == nil || a.Signature == "" {
		return Actor{}, errors.New("the request carries no identity assertion: send it through bcdr server or a bcdr CLI holding the identity key, not straight to the engine")
	}
	if d := workflow.Now(ctx).Sub(a.At); d > assertionMaxAge || d < -assertionMaxAge {
		return Actor{}, fmt.Errorf("the identity assertion was made at %s, more than %s from the run's clock: send the request again", a.At.UTC().Format(time.RFC3339), assertionMaxAge)
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 30 * time.Second,
		RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var by Actor
	if err := workflow.ExecuteLocalActivity(lctx, VerifyActivity, VerifyRequest{Claim: claim, Signature: a.Signature}).Get(lctx, &by); err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) {
			return Actor{}, fmt.Errorf("identity not verified: %s", app.Message())
		}
		return Actor{}, fmt.Errorf("identity not verified: %w", err)
	}
	return by, nil
}
