package aws

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/iam"
	"github.com/bcdr/bcdr/readiness"
)

// Permissions is the readiness check, for every step of an AWS kind, that the identity
// the step runs as (its role_arn, else the configured role, else the worker's own
// credentials) may call the kind's IAM actions on the resources `bcdr iam-policy` names
// for it. It asks IAM's policy simulator (iam:SimulatePrincipalPolicy,
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html)
// in the step's account, so that identity needs iam:SimulatePrincipalPolicy on itself;
// without it the check says "cannot check". A denied action names the action, the
// resource and the decision.
func (a *Actions) Permissions() readiness.Checker {
	return func(ctx context.Context, t readiness.Target) []readiness.Finding {
		if len(t.Kind.IAMActions) == 0 {
			return nil
		}
		if n, ok := runTime(t, "role_arn", "region"); ok {
			return one(later("permissions", n))
		}
		var s Scope
		if err := activities.Decode(pick(t.With, "region", "role_arn", "external_id"), &s); err != nil {
			return one(cannot("permissions", "the step's scope does not decode: %v", err))
		}
		s = a.resolve(s)
		principal, account, err := a.principal(ctx, s)
		if err != nil {
			return one(fromErr("permissions", err))
		}
		c, err := client(ctx, a, "iam", s, iamsdk.NewFromConfig)
		if err != nil {
			return one(cannot("permissions", "%v", err))
		}
		var out []readiness.Finding
		needs := iam.Needs(t.Action, t.Kind, t.Params, iam.Options{Account: account, Region: s.Region})
		for _, n := range needs {
			denied, err := simulate(ctx, c, principal, n)
			if err != nil {
				return one(fromErr("permissions", classify(err, "simulate %s for %s", n.Action, principal)))
			}
			for _, d := range denied {
				out = append(out, notReady("permissions", "%s may not call %s on %s (%s): grant it (bcdr iam-policy prints the policy)",
					principal, n.Action, d.resource, d.decision))
			}
		}
		if len(out) == 0 {
			out = append(out, ready("permissions", "%s may call %s", principal, actionList(needs)))
		}
		return out
	}
}

func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

func actionList(needs []iam.Need) string {
	var names []string
	for _, n := range needs {
		names = append(names, n.Action)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// assumedRole matches an STS assumed-role ARN: arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION.
var assumedRole = regexp.MustCompile(`^arn:([^:]+):sts::(\d+):assumed-role/([^/]+)/`)

// principal is the ARN the simulation is about, and its account: the scope's role, or
// (no role) the caller's own identity, an assumed role turned back into its role. A
// role with a path is named without it: give role_arn to check such a role.
func (a *Actions) principal(ctx context.Context, s Scope) (string, string, error) {
	if s.RoleARN != "" {
		parts := strings.SplitN(s.RoleARN, ":", 6)
		if len(parts) != 6 || parts[4] == "" {
			return "", "", invalid("role_arn %q is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", s.RoleARN)
		}
		return s.RoleARN, parts[4], nil
	}
	c, err := client(ctx, a, "sts", s, sts.NewFromConfig)
	if err != nil {
		return "", "", err
	}
	id, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", classify(err, "find who bcdr runs as (sts:GetCallerIdentity)")
	}
	arn := awssdk.ToString(id.Arn)
	if m := assumedRole.FindStringSubmatch(arn); m != nil {
		arn = fmt.Sprintf("arn:%s:iam::%s:role/%s", m[1], m[2], m[3])
	}
	return arn, awssdk.ToString(id.Account), nil
}

type denial struct{ resource, decision string }

// simulate asks whether principal may call the need's action on each of its resources.
// The simulator answers one EvaluationResult per action whose EvalDecision is the most
// restrictive over the resources, and the decision per resource in
// ResourceSpecificResults
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html);
// results may come in pages (IsTruncated, Marker).
func simulate(ctx context.Context, c *iamsdk.Client, principal string, n iam.Need) ([]denial, error) {
	in := &iamsdk.SimulatePrincipalPolicyInput{PolicySourceArn: awssdk.String(principal), ActionNames: []string{n.Action}}
	if !(len(n.Resources) == 1 && n.Resources[0] == "*") {
		in.ResourceArns = n.Resources
	}
	for _, k := range slices.Sorted(maps.Keys(n.Context)) {
		in.ContextEntries = append(in.ContextEntries, iamtypes.ContextEntry{
			ContextKeyName: awssdk.String(k), ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{n.Context[k]}})
	}
	var out []denial
	p := iamsdk.NewSimulatePrincipalPolicyPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.EvaluationResults {
			if r.EvalDecision == iamtypes.PolicyEvaluationDecisionTypeAllowed {
				continue
			}
			found := false
			for _, rr := range r.ResourceSpecificResults {
				if rr.EvalResourceDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed {
					out = append(out, denial{awssdk.ToString(rr.EvalResourceName), string(rr.EvalResourceDecision)})
					found = true
				}
			}
			if !found {
				out = append(out, denial{orDefault(awssdk.ToString(r.EvalResourceName), "*"), string(r.EvalDecision)})
			}
		}
	}
	return out, nil
}
