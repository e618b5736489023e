package runbooks

import "slices"

// rollCall decodes and checks a people.roll_call step's with. Like an approval's, its
// people, quorum and timeouts are literal, so that they can be reviewed and printed; the
// message may hold expressions.
func (v *validator) rollCall(with map[string]any, path string) *RollCall {
	rc := &RollCall{}
	at := func(key string) Pos { return v.pos.At(path + "." + key) }
	for _, key := range sortedMapKeys(with) {
		if s, ok := with[key].(string); ok && hasExpr(s) && key != "message" {
			v.errorf(at(key), "roll call %s must be written out, not an expression: roll calls are checked before the run", key)
		}
	}
	rc.People = v.nameList(with["people"], path+".people", "roll call person")
	rc.EscalateTo = v.nameList(with["escalate_to"], path+".escalate_to", "roll call escalation contact")
	rc.Message, _ = with["message"].(string)
	rc.Timeout = durationOf(with["timeout"])
	rc.EscalationTimeout = durationOf(with["escalation_timeout"])
	if _, given := with["people"]; given && len(rc.People) == 0 {
		v.errorf(at("people"), "roll call names no one: list users or groups (\"group:oncall\") in people")
	}
	for i, p := range rc.People {
		if slices.Contains(rc.People[:i], p) {
			v.errorf(at("people"), "roll call names %s twice in people", p)
		}
	}
	if q, ok := with["quorum"].(int); ok {
		rc.Quorum = q
		switch {
		case q < 1:
			v.errorf(at("quorum"), "roll call quorum must be at least 1, got %d", q)
		case len(rc.People) > 0 && q > len(rc.People):
			v.errorf(at("quorum"), "roll call quorum %d is more than the %d people named", q, len(rc.People))
		}
	}
	if _, given := with["timeout"]; given && rc.Timeout <= 0 {
		v.errorf(at("timeout"), "roll call timeout must be more than zero: it is how long the people have to acknowledge")
	}
	if rc.EscalationTimeout != 0 && len(rc.EscalateTo) == 0 {
		v.errorf(at("escalation_timeout"), "roll call escalation_timeout is used only with escalate_to: name who is told")
	}
	return rc
}
