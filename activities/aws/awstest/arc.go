package awstest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// ---- Route 53 ARC cluster (awsJson1_0, ToggleCustomerAPI), which moto lacks

// ARCCluster is a fake of one Route 53 ARC cluster's routing-control API, answering as
// https://docs.aws.amazon.com/routing-control/latest/APIReference/ documents it:
// GetRoutingControlState returns {RoutingControlArn, RoutingControlState, RoutingControlName};
// UpdateRoutingControlState and UpdateRoutingControlStates set states (all the entries of
// one UpdateRoutingControlStates or none); an unknown control is ResourceNotFoundException
// (HTTP 404). Serve it under the SigV4 service "route53-recovery-cluster" with Split.
type ARCCluster struct {
	mu      sync.Mutex
	states  map[string]string
	updates int
}

// NewARCCluster returns a cluster holding the given controls, ARN to "On" or "Off".
func NewARCCluster(states map[string]string) *ARCCluster {
	c := &ARCCluster{states: map[string]string{}}
	for k, v := range states {
		c.states[k] = v
	}
	return c
}

// State returns a control's state.
func (c *ARCCluster) State(arn string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.states[arn]
}

// Updates is how many update calls changed states.
func (c *ARCCluster) Updates() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.updates
}

func (c *ARCCluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RoutingControlArn                string
		RoutingControlState              string
		UpdateRoutingControlStateEntries []struct{ RoutingControlArn, RoutingControlState string }
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	c.mu.Lock()
	defer c.mu.Unlock()
	entries := body.UpdateRoutingControlStateEntries
	if op == "UpdateRoutingControlState" {
		entries = append(entries, struct{ RoutingControlArn, RoutingControlState string }{body.RoutingControlArn, body.RoutingControlState})
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
		for _, e := range entries {
			if _, ok := c.states[e.RoutingControlArn]; !ok {
				jsonErr(w, 404, "ResourceNotFoundException", "no routing control "+e.RoutingControlArn)
				return
			}
		}
		for _, e := range entries {
			c.states[e.RoutingControlArn] = e.RoutingControlState
		}
		c.updates++
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte("{}"))
	default:
		jsonErr(w, 400, "ValidationException", "unknown operation "+op)
	}
}
