package readiness

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/bcdr/bcdr/runbooks"
)

// Builtins returns the checkers of the workflow-interpreted kinds: approval and manual
// (every group they name has members; an approval can reach its quorum), wait (nothing
// to check), and runbook (the child runbook is checked on its own). members says who is
// in a group (the configuration's groups).
func Builtins(members func(group string) []string) map[string]Checker {
	nothing := func(why string) Checker {
		return func(context.Context, Target) []Finding {
			return []Finding{{Check: "target", Result: Ready, Reason: why}}
		}
	}
	return map[string]Checker{
		runbooks.KindApproval: func(_ context.Context, t Target) []Finding { return checkApprovers(t, members) },
		runbooks.KindManual:   func(_ context.Context, t Target) []Finding { return checkAssignee(t, members) },
		runbooks.KindWait:     nothing("a timer: nothing to check"),
		runbooks.KindNoop:     nothing("does nothing: nothing to check"),
		runbooks.KindRunbook: func(_ context.Context, t Target) []Finding {
			return []Finding{{Check: "target", Result: Warning,
				Reason: fmt.Sprintf("runs the child runbook %v: check it with bcdr check on that file", t.With["path"])}}
		},
	}
}

// checkApprovers finds the people who could approve: named users and the members of
// named groups. A group with no members, or fewer people than the quorum, is not ready.
func checkApprovers(t Target, members func(string) []string) []Finding {
	list, ok := t.With["approvers"].([]any)
	if !ok {
		return []Finding{{Check: "approvers", Result: Ready, Reason: "the approvers are only known during the run"}}
	}
	people := map[string]bool{}
	var empty []string
	for _, a := range list {
		name, _ := a.(string)
		g, isGroup := strings.CutPrefix(name, "group:")
		if !isGroup {
			people[name] = true
			continue
		}
		ms := members(g)
		if len(ms) == 0 {
			empty = append(empty, g)
		}
		for _, m := range ms {
			people[m] = true
		}
	}
	quorum := 1
	if q, ok := t.With["quorum"].(float64); ok {
		quorum = int(q)
	} else if q, ok := t.With["quorum"].(int); ok {
		quorum = q
	}
	var out []Finding
	for _, g := range empty {
		out = append(out, Finding{Check: "approvers", Result: NotReady,
			Reason: fmt.Sprintf("approver group %q has no members: add them under groups.%s in the configuration", g, g)})
	}
	if len(people) < quorum {
		out = append(out, Finding{Check: "approvers", Result: NotReady,
			Reason: fmt.Sprintf("the quorum is %d but only %d people can approve (%s)", quorum, len(people), names(people))})
	}
	if len(out) == 0 {
		out = append(out, Finding{Check: "approvers", Result: Ready,
			Reason: fmt.Sprintf("%d people can approve, quorum %d", len(people), quorum)})
	}
	return out
}

// checkAssignee: a manual task assigned to a group needs someone in it.
func checkAssignee(t Target, members func(string) []string) []Finding {
	a, _ := t.With["assignee"].(string)
	g, isGroup := strings.CutPrefix(a, "group:")
	switch {
	case a == "":
		return []Finding{{Check: "assignee", Result: Ready, Reason: "a task for whoever runs the recovery"}}
	case !isGroup:
		return []Finding{{Check: "assignee", Result: Ready, Reason: fmt.Sprintf("assigned to %s", a)}}
	case len(members(g)) == 0:
		return []Finding{{Check: "assignee", Result: NotReady,
			Reason: fmt.Sprintf("assignee group %q has no members: add them under groups.%s in the configuration", g, g)}}
	}
	return []Finding{{Check: "assignee", Result: Ready, Reason: fmt.Sprintf("group %q has %d members", g, len(members(g)))}}
}

func names(set map[string]bool) string {
	var out []string
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "nobody"
	}
	return strings.Join(out, ", ")
}
