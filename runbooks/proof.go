package runbooks

import "slices"

// Proof is what a run's record says that decides whether the run proves a service
// recoverable: the service its runbook declares, its runbook's digest, and the services
// its starter was authorized for (every runbook of its tree checked against the
// initiator's grants). A run's record gives it (workflows.Status.Proof); the portfolio
// and coverage ask For.
type Proof struct {
	Service    string   `json:"service,omitempty"`
	Digest     string   `json:"digest,omitempty"`
	Authorized []string `json:"authorized,omitempty"`
}

// For reports whether the run counts as proof for service, whose runbooks (as the
// service's catalogue entry, or the server's runbook library, names them) have the
// digests in want. It does only when the run is of that service, was authorized for
// it, and ran one of those runbooks byte for byte: a run whose runbook merely declares
// the service, or that nobody was authorized to start for it, proves nothing.
func (p Proof) For(service string, want []string) bool {
	return service != "" && p.Service == service && slices.Contains(p.Authorized, service) &&
		p.Digest != "" && slices.Contains(want, p.Digest)
}
