package aws

// Route 53 ARC cluster tests at the SDK's HTTP layer (moto has no route53-recovery-cluster):
// awstest.ARCCluster answers as the Routing Control API reference documents
// (https://docs.aws.amazon.com/routing-control/latest/APIReference/API_UpdateRoutingControlStates.html,
// awsJson1_0, X-Amz-Target ToggleCustomerAPI.*): UpdateRoutingControlStates applies every
// entry or none; an update a safety rule blocks fails with ConflictException whose message
// carries the rule's ARN.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
)

const (
	cellEast   = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp1/routingcontrol/east"
	cellWest   = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp1/routingcontrol/west"
	minOneCell = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp1/safetyrule/r1"
)

// newCells is one ARC cluster's two cells, east On and west Off, with an assertion rule:
// at least one cell On.
func newCells() *awstest.ARCCluster {
	return awstest.NewARCCluster(map[string]string{cellEast: "On", cellWest: "Off"}).AtLeastOneOn(minOneCell, cellEast, cellWest)
}

// downEndpoint is a cluster endpoint in a failed region that answers at once: 503.
func downEndpoint(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jsonError(w, 503, "ServiceUnavailableException", "this cluster endpoint is down")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// hanging is a cluster endpoint in a failed region: it takes the connection and never
// answers (until the test ends).
func hanging(t *testing.T) (*httptest.Server, *awstest.CallLog) {
	release := make(chan struct{})
	var got awstest.CallLog
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(jsonTarget(r))
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, &got
}

func TestARCSetRoutingControlsIsOneTransactionPastAHangingEndpoint(t *testing.T) {
	cluster := newCells()
	a, good := wire(t, cluster.ServeHTTP)
	a.cfg.ARCEndpointsAsListed = true // the hanging endpoint goes first
	hang, hung := hanging(t)
	eps := []any{
		map[string]any{"endpoint": hang.URL, "region": "us-east-1"},
		map[string]any{"endpoint": good.URL, "region": "us-west-2"},
	}
	with := map[string]any{
		"cluster_endpoints": eps, "endpoint_timeout": "200ms",
		"states": []any{
			map[string]any{"routing_control_arn": cellEast, "state": "Off"},
			map[string]any{"routing_control_arn": cellWest, "state": "On"},
		},
	}
	start := time.Now()
	res, err := a.ARCSetRoutingControls(testCtx(t), request(t, with))
	require.NoError(t, err)
	elapsed := time.Since(start)

	assert.Equal(t, true, res["changed"])
	assert.Equal(t, true, res["verified"])
	assert.Equal(t, []any{
		map[string]any{"routing_control_arn": cellEast, "state": "On"},
		map[string]any{"routing_control_arn": cellWest, "state": "Off"},
	}, res["previous_states"])
	assert.Equal(t, [][]string{{cellEast + "=Off", cellWest + "=On"}}, cluster.Batches(), "both controls in one UpdateRoutingControlStates")
	assert.Zero(t, cluster.Calls("UpdateRoutingControlState"), "no per-control updates")
	assert.Equal(t, map[string]string{cellEast: "Off", cellWest: "On"}, cluster.States())
	// 2 reads, 1 update, 2 read-backs: each first tried on the hanging endpoint for 200ms
	assert.Equal(t, 5, len(hung.Ops()), "every call went to the hanging endpoint first: %v", hung.Ops())
	assert.Less(t, elapsed, 5*time.Second, "the hanging endpoint cost its timeout per call, not the step's")

	// the rollback: the same kind with the previous states
	res, err = a.ARCSetRoutingControls(testCtx(t), request(t, map[string]any{
		"cluster_endpoints": eps, "endpoint_timeout": "200ms", "states": res["previous_states"],
	}))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{cellEast: "On", cellWest: "Off"}, cluster.States())

	// nothing to change: no update, still verified
	res, err = a.ARCSetRoutingControls(testCtx(t), request(t, map[string]any{
		"cluster_endpoints": []any{eps[1]}, "states": []any{map[string]any{"routing_control_arn": cellEast, "state": "On"}},
	}))
	require.NoError(t, err)
	assert.Equal(t, false, res["changed"])
	assert.Equal(t, true, res["verified"])
	assert.Len(t, cluster.Batches(), 2)
}

// TestARCGetRoutingControlRotatesPastAHangingEndpoint: before endpoint_timeout, a hanging
// endpoint tried first held the call until the step's own deadline.
func TestARCGetRoutingControlRotatesPastAHangingEndpoint(t *testing.T) {
	cluster := newCells()
	a, good := wire(t, cluster.ServeHTTP)
	a.cfg.ARCEndpointsAsListed = true // the hanging endpoint goes first
	hang, _ := hanging(t)
	with := map[string]any{"routing_control_arn": cellEast, "endpoint_timeout": "100ms", "cluster_endpoints": []any{
		map[string]any{"endpoint": hang.URL, "region": "us-east-1"},
		map[string]any{"endpoint": good.URL, "region": "us-west-2"},
	}}
	res, err := a.ARCGetRoutingControl(testCtx(t), request(t, with))
	require.NoError(t, err)
	assert.Equal(t, "On", res["state"])

	with["cluster_endpoints"] = []any{map[string]any{"endpoint": hang.URL, "region": "us-east-1"}}
	_, err = a.ARCGetRoutingControl(testCtx(t), request(t, with))
	requireRetryable(t, err)
	assert.Contains(t, err.Error(), "no cluster endpoint answered")
	assert.Contains(t, err.Error(), "no answer within 100ms")
	assert.Contains(t, err.Error(), "(us-east-1)")
}

func TestARCSafetyRuleIsReportedByName(t *testing.T) {
	cluster := newCells()
	a, good := wire(t, cluster.ServeHTTP)
	a.cfg.ARCEndpointsAsListed = true // the hanging endpoint goes first
	second := httptest.NewServer(cluster)
	defer second.Close()
	allOff := map[string]any{
		"cluster_endpoints": []any{
			map[string]any{"endpoint": good.URL, "region": "us-west-2"},
			map[string]any{"endpoint": second.URL, "region": "eu-west-1"},
		},
		"safety_rule_names": map[string]any{minOneCell: "MinOneCellOn"},
		"states":            []any{map[string]any{"routing_control_arn": cellEast, "state": "Off"}},
	}
	_, err := a.ARCSetRoutingControls(testCtx(t), request(t, allOff))
	requireErrorType(t, err, ErrSafetyRule, `safety rule "MinOneCellOn"`, minOneCell, "safety_rules_to_override")
	assert.Equal(t, 1, cluster.Calls("UpdateRoutingControlStates"), "a blocked update is not tried on the next endpoint")
	assert.Equal(t, "On", cluster.State(cellEast))

	allOff["safety_rules_to_override"] = []any{minOneCell}
	_, err = a.ARCSetRoutingControls(testCtx(t), request(t, allOff))
	require.NoError(t, err, "break-glass")
	assert.Equal(t, "Off", cluster.State(cellEast))

	_, err = a.ARCSetRoutingControls(testCtx(t), request(t, map[string]any{
		"cluster_endpoints": allOff["cluster_endpoints"],
		"states":            []any{map[string]any{"routing_control_arn": cellEast, "state": "on"}},
	}))
	requireErrorType(t, err, "Validation", "states[0]", "On or Off")
}

func TestARCClusterEndpointsAsURLs(t *testing.T) {
	var cl arcCluster
	require.NoError(t, json.Unmarshal([]byte(`{"cluster_endpoints": [
		"https://host-aaaa.route53-recovery-cluster.us-west-2.amazonaws.com/v1",
		{"endpoint": "https://127.0.0.1:1/v1", "region": "eu-west-1"},
		"https://127.0.0.1:2/v1",
		"http://127.0.0.1:3/route53-recovery-cluster.eu-west-1.amazonaws.com/v1"]}`), &cl))
	assert.Equal(t, []clusterEndpoint{
		{"https://host-aaaa.route53-recovery-cluster.us-west-2.amazonaws.com/v1", "us-west-2"},
		{"https://127.0.0.1:1/v1", "eu-west-1"},
		{"https://127.0.0.1:2/v1", ""}, // the step's region signs the call
		{"http://127.0.0.1:3/route53-recovery-cluster.eu-west-1.amazonaws.com/v1", "eu-west-1"},
	}, cl.ClusterEndpoints)
}
