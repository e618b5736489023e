package workflows

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/internal/identity"
)

// Assertion vouches for the user a decision or operator action names: made by bcdr server
// for the caller it authenticated, or by a CLI holding the identity key, over the run, the
// action, the step, the user, the time and the request's words (see Sign). The worker
// verifies it with the same key and resolves the user's groups from its configuration.
type Assertion struct {
	At        time.Time `json:"at"`
	Signature string    `json:"signature"`
}

// assertionMaxAge is how far an assertion's time may lie from the run's clock: an
// assertion copied out of a history cannot be replayed later.
const assertionMaxAge = 5 * time.Minute

// Sign returns the assertion for an update request (DecisionRequest or ControlRequest)
// to run runID, made at at. A request of another type is returned unchanged.
func Sign(key []byte, runID, action string, req any, at time.Time) any {
	switch r := req.(type) {
	case DecisionRequest:
		r.Assertion = &Assertion{At: at, Signature: identity.Sign(key, decisionClaim(runID, action, r, at))}
		return r
	case ControlRequest:
		r.Assertion = &Assertion{At: at, Signature: identity.Sign(key, controlClaim(runID, action, r, at))}
		return r
	}
	return req
}

func decisionClaim(runID, action string, r DecisionRequest, at time.Time) identity.Claim {
	return identity.Claim{RunID: runID, Action: action, Step: r.Step, User: r.By.Name, At: at, Comment: r.Comment}
}

func controlClaim(runID, action string, r ControlRequest, at time.Time) identity.Claim {
	return identity.Claim{RunID: runID, Action: action, Step: r.Step, User: r.By.Name, At: at, Comment: r.Comment, Rollback: r.Rollback}
}

// VerifyActivity is the local activity a run calls to verify a request's identity
// assertion: it takes a VerifyRequest and returns the verified Actor, groups from the
// worker's configuration. Its result is in the history, so a changed key or group never
// changes a replay; the key is not.
const VerifyActivity = "bcdr.verify-identity"

// VerifyRequest is what VerifyActivity checks.
type VerifyRequest struct {
	Claim     identity.Claim `json:"claim"`
	Signature string         `json:"signature"`
}

// Verifier is VerifyActivity: the identity key and the configured groups.
type Verifier struct {
	Key      []byte
	GroupsOf func(user string) []string
}

// Verify checks the signature and returns the user with the groups the configuration
// gives them. A failure is non-retryable: retrying does not make a signature verify.
func (v *Verifier) Verify(_ context.Context, req VerifyRequest) (Actor, error) {
	if err := identity.Verify(v.Key, req.Claim, req.Signature); err != nil {
		if len(v.Key) == 0 {
			return Actor{}, temporal.NewNonRetryableApplicationError(
				"this worker has no identity key, so it cannot verify who is asking: give it the same identity.key_file as bcdr server and the CLIs",
				"IdentityUnverified", nil)
		}
		return Actor{}, temporal.NewNonRetryableApplicationError(err.Error()+" (was it signed with this worker's identity key?)", "IdentityUnverified", nil)
	}
	a := Actor{Name: req.Claim.User}
	if v.GroupsOf != nil {
		a.Groups = v.GroupsOf(a.Name)
	}
	return a, nil
}
