package awstest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// ---- Route 53 ARC cluster (awsJson1_0, ToggleCustomerAPI), which moto lacks

// ARCCluster is a fake of one Route 53 ARC cluster's routing-control API, answering as
// https://docs.aws.amazon.com/routing-control/latest/APIReference/ documents it:
// GetRoutingControlState returns {RoutingControlArn, RoutingControlState, RoutingControlName};
// UpdateRoutingControlState and UpdateRoutingControlStates set states (all the entries of
// one UpdateRoutingControlStates or none); an unknown control is ResourceNotFoundException
// (HTTP 404); an update a safety rule blocks (AtLeastOneOn) is ConflictException (HTTP
// 409) whose message carries the rule's ARN ("When a safety rule blocks a routing control
// state update, the error message includes the ARN of the rule that blocked the update":
// https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.override-safety-rule.html),
// unless the request lists the rule in SafetyRulesToOverride. Serve it under the SigV4
// service "route53-recovery-cluster" with Split, or as an httptest server's handler.
type ARCCluster struct {
	mu      sync.Mutex
	states  map[string]string
	rules   []assertionRule
	calls   CallLog
	batches [][]string
}

// assertionRule is an assertion safety rule: at least one of its controls stays On.
type assertionRule struct {
	arn      string
	controls []string
}

// NewARCCluster returns a cluster holding the given controls, ARN to "On" or "Off".
func NewARCCluster(states map[string]string) *ARCCluster {
	return &ARCCluster{states: maps.Clone(states)}
}

// AtLeastOneOn adds the assertion safety rule rule (its ARN): an update that would leave
// none of controls On is refused. It returns c.
func (c *ARCCluster) AtLeastOneOn(rule string, controls ...string) *ARCCluster {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rules = append(c.rules, assertionRule{rule, controls})
	return c
}

// State returns a control's state.
func (c *ARCCluster) State(arn string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.states[arn]
}

// States returns every control's state.
func (c *ARCCluster) States() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.states)
}

// Updates is how many update calls changed states.
func (c *ARCCluster) Updates() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.batches)
}

// Batches is the entries of each update call that changed states, "ARN=State", in order.
func (c *ARCCluster) Batches() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.batches)
}

// Calls is how many requests of the operation op the cluster received.
func (c *ARCCluster) Calls(op string) int { return c.calls.Count(op) }

func (c *ARCCluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	type entry struct{ RoutingControlArn, RoutingControlState string }
	var body struct {
		RoutingControlArn                string
		RoutingControlState              string
		UpdateRoutingControlStateEntries []entry
		SafetyRulesToOverride            []string
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	c.calls.Add(op)
	c.mu.Lock()
	defer c.mu.Unlock()
	entries := body.UpdateRoutingControlStateEntries
	if op == "UpdateRoutingControlState" {
		entries = append(entries, entry{body.RoutingControlArn, body.RoutingControlState})
	}
	switch op {
	case "GetRoutingControlState":
		st, ok := c.states[body.RoutingControlArn]
		if !ok {
			jsonErr(w, 404, "ResourceNotFoundException", "no routing control "+body.RoutingControlArn)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_ = json.NewEncoder(w).Encode(map[string]any{"RoutingControlArn": body.RoutingControlArn,
			"RoutingControlState": st, "RoutingControlName": body.RoutingControlArn[strings.LastIndexByte(body.RoutingControlArn, '/')+1:]})
	case "UpdateRoutingControlState", "UpdateRoutingControlStates":
		next := maps.Clone(c.states)
		var batch []string
		for _, e := range entries {
			if _, ok := c.states[e.RoutingControlArn]; !ok {
				jsonErr(w, 404, "ResourceNotFoundException", "no routing control "+e.RoutingControlArn)
				return
			}
			next[e.RoutingControlArn] = e.RoutingControlState
			batch = append(batch, e.RoutingControlArn+"="+e.RoutingControlState)
		}
		for _, rule := range c.rules {
			if !slices.Contains(body.SafetyRulesToOverride, rule.arn) &&
				!slices.ContainsFunc(rule.controls, func(arn string) bool { return next[arn] == "On" }) {
				jsonErr(w, 409, "ConflictException", "Request rejected: the update would violate safety rule "+rule.arn)
				return
			}
		}
		c.states, c.batches = next, append(c.batches, batch)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte("{}"))
	default:
		jsonErr(w, 400, "ValidationException", "unknown operation "+op)
	}
}
