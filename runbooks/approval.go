package runbooks

import (
	"strings"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// approval decodes and checks an approval step's with. Input names and types were
// checked against the approval kind already; this checks that the settings make sense
// together. Approval settings are literal so that they can be reviewed and printed.
func (v *validator) approval(with map[string]any, path string) *Approval {
	a := &Approval{OnTimeout: "fail"}
	at := func(key string) Pos { return v.pos.At(path + "." + key) }
	for _, key := range sortedMapKeys(with) {
		if s, ok := with[key].(string); ok && hasExpr(s) {
			v.errorf(at(key), "approval %s must be written out, not an expression: approvals are checked before the run", key)
		}
	}
	a.Approvers = v.nameList(with["approvers"], path+".approvers", "approver")
	a.EscalateTo = v.nameList(with["escalate_to"], path+".escalate_to", "approver")
	if q, ok := with["quorum"].(int); ok {
		a.Quorum = q
		if q < 1 {
			v.errorf(at("quorum"), "approval quorum must be at least 1, got %d", q)
		}
	}
	a.AllowInitiator, _ = with["allow_initiator"].(bool)
	a.Timeout = durationOf(with["timeout"])
	a.EscalationTimeout = durationOf(with["escalation_timeout"])
	if s, ok := with["on_timeout"].(string); ok && !hasExpr(s) {
		a.OnTimeout = s
	}
	v.checkApproval(a, at)
	return a
}

func (v *validator) checkApproval(a *Approval, at func(string) Pos) {
	if len(a.Approvers) == 0 {
		v.errorf(at("approvers"), "approval has no approvers: name users or groups (\"group:dba\")")
	}
	if n := len(a.Approvers); n > 0 && a.Quorum > n && !hasGroup(a.Approvers) {
		v.errorf(at("quorum"), "approval quorum %d is more than the %d approvers named", a.Quorum, n)
	}
	switch {
	case a.OnTimeout == "escalate" && len(a.EscalateTo) == 0:
		v.errorf(at("on_timeout"), "approval on_timeout is escalate, but escalate_to names no one")
	case a.OnTimeout != "escalate" && len(a.EscalateTo) > 0:
		v.errorf(at("escalate_to"), "approval escalate_to is used only with on_timeout: escalate")
	}
	if a.OnTimeout != "fail" && a.Timeout == 0 {
		v.errorf(at("on_timeout"), "approval on_timeout needs a timeout")
	}
	if a.EscalationTimeout != 0 && a.OnTimeout != "escalate" {
		v.errorf(at("escalation_timeout"), "approval escalation_timeout is used only with on_timeout: escalate")
	}
}

// nameList returns the users and groups in a list input (approvers, people), reporting
// items that are not names; what names an item in the message.
func (v *validator) nameList(val any, path, what string) []string {
	items, _ := val.([]any)
	var out []string
	for i, it := range items {
		s, ok := it.(string)
		if !ok || strings.TrimSpace(s) == "" || hasExpr(s) {
			v.errorf(v.pos.At(yamlnode.Index(path, i)), "%s must be a user name or \"group:name\", got %s", what, typeName(it))
			continue
		}
		out = append(out, s)
	}
	return out
}

func hasGroup(approvers []string) bool {
	for _, a := range approvers {
		if strings.HasPrefix(a, "group:") {
			return true
		}
	}
	return false
}

func durationOf(val any) Duration {
	if s, ok := val.(string); ok {
		d, _ := ParseDuration(s)
		return d
	}
	return 0
}
