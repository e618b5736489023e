package workflows

// Unproven is what the run's record says when its runbook's version was never proven by
// a drill ("this version (sha256:…) was never proven by a drill; last proven version …"),
// or "" when it was, or when the run is not a live one (only the starter of a live run
// judges its version: api.ProvenGate).
func (s Status) Unproven() string {
	if s.Provenance == nil || s.Provenance.Proven {
		return ""
	}
	return s.Provenance.String()
}
