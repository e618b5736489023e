package workflows

import "github.com/bcdr/bcdr/runbooks"

// Proof returns what the run's record says for the proof rule (runbooks.Proof.For).
func (s Status) Proof() runbooks.Proof {
	return runbooks.Proof{Service: s.Service, Digest: s.Digest, Authorized: s.Authorized}
}

// Proof is runbooks.Proof, for the callers that still name it here.
//
// Deprecated: use runbooks.Proof.
type Proof = runbooks.Proof
