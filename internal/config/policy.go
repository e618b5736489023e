package config

import (
	"slices"
	"strings"

	"github.com/bcdr/bcdr/runbooks"
)

// Policy is what the installation requires of runs, beside what each runbook's own
// policy says (the stricter of the two wins).
type Policy struct {
	// RequireProven says what a live run of a runbook version (digest) no successful
	// drill proved does: warn (flag it), approve (also hold it before its first step for
	// an approval by Approvers), refuse (do not start it).
	RequireProven string `mapstructure:"require_proven" yaml:"require_proven" json:"require_proven"`
	// Approvers ("alice", "group:dr-leads") approve such a run under approve, when the
	// runbook's policy names none.
	Approvers []string `mapstructure:"approvers" yaml:"approvers" json:"approvers"`
}

// ProvenPolicy is the configured policy as the runbook format states it.
func (c *Config) ProvenPolicy() runbooks.Policy {
	return runbooks.Policy{RequireProven: runbooks.RequireProven(c.Policy.RequireProven), Approvers: c.Policy.Approvers}
}

func (c *Config) validatePolicy(bad func(key, format string, args ...any)) {
	p := c.Policy
	if !slices.Contains(runbooks.RequireProvenValues, p.RequireProven) {
		bad("policy.require_proven", "%q is not one of %s", p.RequireProven, strings.Join(runbooks.RequireProvenValues, ", "))
	}
	for i, a := range p.Approvers {
		if strings.TrimSpace(a) == "" {
			bad("policy.approvers", "item %d is empty: name a user or \"group:name\"", i)
		}
	}
	if p.RequireProven == string(runbooks.ProvenApprove) && len(p.Approvers) == 0 {
		bad("policy.approvers", "policy.require_proven is approve, but no one is named to approve: list users or groups (\"group:dr-leads\")")
	}
}
