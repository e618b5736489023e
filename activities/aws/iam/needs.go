package iam

import (
	"strings"

	"github.com/bcdr/bcdr/runbooks"
)

// Need is one IAM action a step needs, on the resources the policy grants it on, with
// the request context the policy's conditions read (aws:RequestedRegion,
// iam:PassedToService, ...): what a policy simulation of the step asks about.
type Need struct {
	Action    string            `json:"action"`
	Resources []string          `json:"resources"`
	Context   map[string]string `json:"context,omitempty"`
}

// Needs returns what one action of a runbook (a step's, in the mode it runs) needs: each
// IAM action of its kind on the resources ForRunbooks would grant it on, "*" for the
// actions AWS authorizes on "*" only. params are the runbook's resolved parameters; o
// gives the partition, account and default region as for ForRunbooks.
func Needs(a runbooks.Action, k runbooks.Kind, params map[string]any, o Options) []Need {
	if o.Partition == "" {
		o.Partition = "aws"
	}
	if o.Account == "" {
		o.Account = "*"
	}
	in := resolveInputs(a, k, params)
	t := target{kind: k.Name, in: in, partition: o.Partition, account: o.Account, region: o.Region}
	if r, ok := in["region"].(string); ok && r != "" {
		t.region = r
	}
	var out []Need
	for _, act := range k.IAMActions {
		n := Need{Action: act}
		if region := t.regionCondition(act); region != "" {
			n.Context = map[string]string{"aws:RequestedRegion": region}
		}
		grants, perResource := resourcesFor(act, t)
		if !perResource {
			n.Resources = []string{"*"}
			out = append(out, n)
			continue
		}
		for _, g := range grants {
			n.Resources = append(n.Resources, g.resource)
			// a StringEquals condition on one value is what the step's request carries
			if g.condOp == "StringEquals" && len(g.condVals) == 1 && !strings.HasPrefix(g.condKey, "aws:") {
				if n.Context == nil {
					n.Context = map[string]string{}
				}
				n.Context[g.condKey] = g.condVals[0]
			}
		}
		out = append(out, n)
	}
	return out
}
