package iam

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/bcdr/bcdr/runbooks"
)

// Version is the IAM policy language version.
const Version = "2012-10-17"

// Policy is an IAM policy document.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy. bcdr only writes Allow statements.
type Statement struct {
	Sid       string    `json:"Sid"`
	Effect    string    `json:"Effect"`
	Action    []string  `json:"Action"`
	Resource  []string  `json:"Resource"`
	Condition Condition `json:"Condition,omitempty"`
}

// Condition is a statement's condition block: operator -> key -> values.
type Condition map[string]map[string][]string

// Options say whose policy to write and what is known about the target account.
type Options struct {
	// Params are parameter values as given on the command line (name=value); each
	// applies to the runbooks that declare it. Defaults fill the rest.
	Params map[string]string
	// Account is the AWS account id of the resources; "" means any ("*").
	Account string
	// Partition is the ARN partition; "" means "aws".
	Partition string
	// Region is where steps that name no region act (the worker's aws.region); ""
	// means any region.
	Region string
	// Role, when set, selects the steps that assume this role (with role_arn) and writes
	// that role's policy; otherwise the policy is for the worker's own credentials: the
	// steps without role_arn, plus sts:AssumeRole on every role the others assume.
	Role string
	// Evidence, when set, is the S3 evidence store the workers write run bundles to.
	Evidence *EvidenceStore
}

// EvidenceStore is an S3 evidence store (config evidence.s3_*).
type EvidenceStore struct {
	Bucket, Prefix string
	// Retention is true when bundles carry an Object Lock retention.
	Retention bool
}

// ForRunbooks returns the policy the runbooks need. reg provides the step kinds and
// their IAM actions. A runbook with no AWS step adds nothing; the policy of runbooks
// with no AWS step at all has no statement.
func ForRunbooks(rbs []*runbooks.Runbook, reg *runbooks.Registry, o Options) (*Policy, error) {
	if o.Partition == "" {
		o.Partition = "aws"
	}
	if o.Account == "" {
		o.Account = "*"
	}
	if o.Role != "" {
		acct, ok := roleAccount(o.Role)
		if !ok {
			return nil, fmt.Errorf("role %q is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", o.Role)
		}
		o.Account = acct
	}
	if err := checkParams(rbs, o.Params); err != nil {
		return nil, err
	}
	g := newGrants()
	for _, rb := range rbs {
		params := resolveParams(rb, o.Params)
		for _, a := range actionsOf(rb) {
			k, ok := reg.Kind(a.Uses)
			if !ok || len(k.IAMActions) == 0 {
				continue
			}
			in := resolveInputs(a, k, params)
			role, hasRole := in["role_arn"]
			switch {
			case o.Role == "" && hasRole:
				g.add("sts:AssumeRole", roleResource(role, o))
			case o.Role == "" && !hasRole, o.Role != "" && hasRole && role == o.Role:
				t := target{kind: k.Name, in: in, partition: o.Partition, account: o.Account, region: o.Region}
				if r, ok := in["region"].(string); ok && r != "" {
					t.region = r
				}
				for _, act := range k.IAMActions {
					grants, perResource := resourcesFor(act, t)
					if !perResource {
						g.addRegion(act, t.regionCondition(act))
						continue
					}
					for _, gr := range grants {
						g.add(act, gr)
					}
				}
			}
		}
	}
	if o.Evidence != nil && o.Role == "" {
		g.addEvidence(*o.Evidence, o.Partition)
	}
	return g.policy(), nil
}

// addEvidence lets the workers append bundles to the store and read the chain: objects
// under the prefix, and listing only that prefix. Nothing may delete or overwrite a
// bundle's retention.
func (g *grants) addEvidence(e EvidenceStore, partition string) {
	prefix := strings.Trim(e.Prefix, "/")
	objects := fmt.Sprintf("arn:%s:s3:::%s/*", partition, e.Bucket)
	listPrefix := "*"
	if prefix != "" {
		objects = fmt.Sprintf("arn:%s:s3:::%s/%s/*", partition, e.Bucket, prefix)
		listPrefix = prefix + "/*"
	}
	for _, a := range []string{"s3:GetObject", "s3:PutObject"} {
		g.add(a, grant{resource: objects})
	}
	if e.Retention {
		g.add("s3:PutObjectRetention", grant{resource: objects})
	}
	g.add("s3:ListBucket", grant{resource: fmt.Sprintf("arn:%s:s3:::%s", partition, e.Bucket),
		condOp: "StringLike", condKey: "s3:prefix", condVals: []string{listPrefix}})
}

// actionsOf lists everything a runbook may do, in every mode: steps, rollbacks, drill
// variants and their cleanup, and steady-state probes.
func actionsOf(rb *runbooks.Runbook) []runbooks.Action {
	var out []runbooks.Action
	for i := range rb.Steps {
		st := &rb.Steps[i]
		out = append(out, st.Action)
		if st.Rollback != nil {
			out = append(out, *st.Rollback)
		}
		if a, ok := st.DrillAction(); ok && st.Drill != nil {
			out = append(out, a)
		}
		if st.Drill != nil && st.Drill.Cleanup != nil {
			out = append(out, *st.Drill.Cleanup)
		}
	}
	for i := range rb.SteadyState {
		out = append(out, rb.SteadyState[i].Action)
	}
	return out
}

func roleAccount(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") || parts[4] == "" {
		return "", false
	}
	return parts[4], true
}

// roleResource is the role a step assumes: its ARN, or any role when only the run knows.
func roleResource(role any, o Options) grant {
	if s, ok := role.(string); ok && s != "" {
		return grant{resource: s}
	}
	return grant{resource: fmt.Sprintf("arn:%s:iam::%s:role/*", o.Partition, o.Account)}
}

// grant is one resource an action is allowed on, with the condition that narrows it.
type grant struct {
	resource string
	condOp   string // e.g. StringEquals
	condKey  string
	condVals []string
}

// grants collects resources per action, then groups actions with the same resources
// into statements.
type grants struct {
	byAction map[string]map[string]grant // action -> grant key -> grant
	regions  map[string]map[string]bool  // action -> regions its "*" grants act in ("" = any)
}

func newGrants() *grants {
	return &grants{byAction: map[string]map[string]grant{}, regions: map[string]map[string]bool{}}
}

func (g grant) key() string {
	return g.resource + "\x00" + g.condOp + "\x00" + g.condKey + "\x00" + strings.Join(g.condVals, ",")
}

func (g *grants) add(action string, gr grant) {
	if g.byAction[action] == nil {
		g.byAction[action] = map[string]grant{}
	}
	g.byAction[action][gr.key()] = gr
}

// addRegion records where an action with no resource-level permissions acts.
func (g *grants) addRegion(action, region string) {
	if g.regions[action] == nil {
		g.regions[action] = map[string]bool{}
	}
	g.regions[action][region] = true
}

func (g *grants) policy() *Policy {
	// Actions that AWS authorizes on "*" only are narrowed to the regions they act in,
	// when every step that uses them names its region.
	for _, action := range slices.Sorted(maps.Keys(g.regions)) {
		regions := g.regions[action]
		if regions[""] {
			g.add(action, grant{resource: "*"})
			continue
		}
		g.add(action, grant{resource: "*", condOp: "StringEquals", condKey: "aws:RequestedRegion", condVals: slices.Sorted(maps.Keys(regions))})
	}
	type group struct {
		actions []string
		grants  []grant
	}
	groups := map[string]*group{}
	var order []string
	for _, action := range slices.Sorted(maps.Keys(g.byAction)) {
		var list []grant
		for _, k := range slices.Sorted(maps.Keys(g.byAction[action])) {
			list = append(list, g.byAction[action][k])
		}
		var keys []string
		for _, gr := range list {
			keys = append(keys, gr.key())
		}
		gk := strings.Join(keys, "\x01")
		if groups[gk] == nil {
			groups[gk] = &group{grants: list}
			order = append(order, gk)
		}
		groups[gk].actions = append(groups[gk].actions, action)
	}
	p := &Policy{Version: Version, Statement: []Statement{}}
	sids := map[string]int{}
	for _, gk := range order {
		gr := groups[gk]
		// One statement per distinct condition; the resources of a group share it.
		byCond := map[string]*Statement{}
		var condOrder []string
		for _, x := range gr.grants {
			ck := x.condOp + "\x00" + x.condKey + "\x00" + strings.Join(x.condVals, ",")
			st := byCond[ck]
			if st == nil {
				st = &Statement{Effect: "Allow", Action: gr.actions}
				if x.condOp != "" {
					st.Condition = Condition{x.condOp: {x.condKey: x.condVals}}
				}
				byCond[ck] = st
				condOrder = append(condOrder, ck)
			}
			st.Resource = append(st.Resource, x.resource)
		}
		for _, ck := range condOrder {
			st := byCond[ck]
			st.Sid = sid(st.Action, sids)
			p.Statement = append(p.Statement, *st)
		}
	}
	return p
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// sid names a statement after its actions: EcsDescribeServicesUpdateService. Statements
// with the same actions (different conditions) are numbered.
func sid(actions []string, used map[string]int) string {
	var b strings.Builder
	prev := ""
	for _, a := range actions {
		svc, name, _ := strings.Cut(a, ":")
		if svc != prev {
			for _, w := range nonAlnum.Split(svc, -1) {
				if w != "" {
					r := []rune(w)
					b.WriteString(string(unicode.ToUpper(r[0])) + string(r[1:]))
				}
			}
			prev = svc
		}
		b.WriteString(nonAlnum.ReplaceAllString(name, ""))
	}
	id := b.String()
	if len(id) > 100 {
		id = id[:100]
	}
	used[id]++
	if n := used[id]; n > 1 {
		id = fmt.Sprintf("%s%d", id, n)
	}
	return id
}
