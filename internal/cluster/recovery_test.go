//go:build cluster

package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/faultproxy"
	"github.com/bcdr/bcdr/workflows"
)

// The recovery these tests run is the library's rds-promote-read-replica, as a drill: a
// steady-state probe of the application, the replica's checks, an approval by a DBA and
// an incident commander (quorum 2, neither of them the operator who started it), the
// promotion of the drill replica, the application's check, and the drill's cleanup
// deleting the promoted copy. AWS is moto behind a recording proxy (the door where every
// change is counted), with awstest.RDS and awstest.ARCCluster for what moto lacks or
// misstates.
const (
	drillRunbook = "rds-promote-read-replica"
	primary, dr  = "us-east-1", "us-west-2"
	writesUSE1   = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/orders-writes"
	cellUSE1     = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/orders-db-use1"
	cellUSW2     = "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/orders-db-usw2"
)

// people are the API's users: an operator who starts drills and two approvers.
var people = map[string]struct{ token, role, group string }{
	"olga": {"olga-token-0123456789", "operator", "sre"},
	"dana": {"dana-token-0123456789", "approver", "dba"},
	"ivan": {"ivan-token-0123456789", "approver", "incident-commanders"},
}

// world is what the drills act on and what the test inspects: AWS behind its door, and
// the application's health endpoint.
type world struct {
	door      *faultproxy.Proxy
	rds       *awstest.RDS
	endpoints string // the ARC cluster's endpoints, through the door
	app       *app
	promotion *gate             // holds the answer to a promotion (promotions)
	env       map[string]string // every bcdr process's AWS and configuration settings
}

func newWorld(t *testing.T, c *Cluster) *world {
	t.Helper()
	moto := awstest.StartMoto(t)
	w := &world{rds: awstest.NewRDS(), app: newApp(t), promotion: newGate()}
	w.rds.AddReadReplica(dr, "orders-replica", "arn:aws:rds:us-east-1:123456789012:db:orders")
	arc := awstest.NewARCCluster(map[string]string{writesUSE1: "On", cellUSE1: "On", cellUSW2: "Off"})
	split := awstest.Split(t, moto, map[string]http.Handler{"route53-recovery-cluster": arc, "rds": promotions{w.promotion, w.rds}})
	t.Cleanup(w.promotion.free)
	door, err := faultproxy.Start(faultproxy.Options{Target: split})
	require.NoError(t, err)
	t.Cleanup(door.Close)
	w.door = door
	w.endpoints = door.URL + "/route53-recovery-cluster." + primary + ".amazonaws.com/v1," +
		door.URL + "/route53-recovery-cluster." + dr + ".amazonaws.com/v1"
	lagAlarm(t, moto)

	cfg := "groups:\n"
	for name, p := range people {
		cfg += fmt.Sprintf("  %s: [%s]\n", p.group, name)
	}
	cfg += "egress:\n  allow: [\"127.0.0.1\"]\n"
	cfg += fmt.Sprintf("drills:\n  runbook_dirs: [%q]\n", filepath.Join(c.opts.Root, "runbooks", "library"))
	cfg += "auth:\n  tokens:\n"
	for name, p := range people {
		cfg += fmt.Sprintf("    - {name: %s, hash: %q, roles: [%s]}\n", name, api.HashToken(p.token), p.role)
	}
	path := filepath.Join(c.Dir(), "bcdr.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	w.env = map[string]string{"BCDR_CONFIG": path, "BCDR_AWS_ENDPOINT": door.URL, "BCDR_AWS_REGION": dr}
	for k, v := range awstest.Env() {
		w.env[k] = v
	}
	return w
}

// lagAlarm creates the replica lag alarm the runbook reads, in OK.
func lagAlarm(t *testing.T, moto string) {
	ctx := context.Background()
	cfg := awstest.SDKConfig(t, moto, dr)
	// moto does not speak CloudWatch's CBOR protocol, the SDK's default: JSON
	cw := cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.Protocol = awsjson.New11(schemas.GraniteServiceVersion20100801) })
	const name = "orders-db-replica-lag"
	_, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: awssdk.String(name), Namespace: awssdk.String("Test"), MetricName: awssdk.String(name),
		Statistic: cwtypes.StatisticAverage, Period: awssdk.Int32(60), EvaluationPeriods: awssdk.Int32(1),
		Threshold: awssdk.Float64(300), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	})
	require.NoError(t, err)
	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: awssdk.String(name), StateValue: cwtypes.StateValueOk, StateReason: awssdk.String("test")})
	require.NoError(t, err)
}

// applied counts the calls of action on instance that AWS answered with success: what
// was really done, whatever the caller heard.
func (w *world) applied(action, instance string) int {
	n := 0
	for _, e := range w.door.Log() {
		if e.Action == action && e.Form.Get("DBInstanceIdentifier") == instance && e.Status >= 200 && e.Status < 300 {
			n++
		}
	}
	return n
}

// calls counts the calls of action on instance that reached AWS's door, answered or not.
func (w *world) calls(action, instance string) int {
	n := 0
	for _, e := range w.door.Log() {
		if e.Action == action && e.Form.Get("DBInstanceIdentifier") == instance {
			n++
		}
	}
	return n
}

// gate holds the next request it is armed for until it is freed (or the caller is gone),
// so that a step is known to be in flight while the test kills something.
type gate struct {
	mu      sync.Mutex
	armed   bool
	release chan struct{}
	held    chan time.Time // when a held request arrived
}

func newGate() *gate { return &gate{held: make(chan time.Time, 8)} }

// arm holds the next request.
func (g *gate) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.release = true, make(chan struct{})
}

// take says whether to hold this request, disarming the gate if so.
func (g *gate) take() (chan struct{}, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	hold := g.armed
	g.armed = false
	return g.release, hold
}

// hold waits until the gate is freed (true) or the caller is gone (false).
func (g *gate) hold(r *http.Request, release chan struct{}) bool {
	g.held <- time.Now()
	select {
	case <-release:
		return true
	case <-r.Context().Done():
		return false
	}
}

// free lets the held request go on.
func (g *gate) free() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.release != nil {
		close(g.release)
		g.release = nil
	}
}

// app is the application's health endpoint, which the drill's probe and last step call;
// its gate can hold a request.
type app struct {
	*gate
	srv      *httptest.Server
	answered chan time.Time // when a request was answered at once
}

func newApp(t *testing.T) *app {
	a := &app{gate: newGate(), answered: make(chan time.Time, 64)}
	a.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if release, ok := a.take(); ok {
			if !a.hold(r, release) {
				return // the worker that called is gone
			}
		} else {
			select { // the first ones are what a test waits for; no request waits on it
			case a.answered <- time.Now():
			default:
			}
		}
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprint(rw, `{"db":"ok"}`)
	}))
	t.Cleanup(func() { a.free(); a.srv.Close() })
	return a
}

// promotions is RDS with a gate on PromoteReadReplica: armed, AWS applies the next
// promotion at once but its answer is held, so the caller has not heard yet.
type promotions struct {
	*gate
	rds http.Handler
}

func (p promotions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if r.PostForm.Get("Action") != "PromoteReadReplica" {
		p.rds.ServeHTTP(w, r)
		return
	}
	release, ok := p.take()
	if !ok {
		p.rds.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	p.rds.ServeHTTP(rec, r)
	if !p.hold(r, release) {
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func wait(t *testing.T, ch <-chan time.Time, limit time.Duration, what string) time.Time {
	t.Helper()
	select {
	case at := <-ch:
		return at
	case <-time.After(limit):
		t.Fatalf("%s: nothing within %s", what, limit)
		return time.Time{}
	}
}

// call sends a JSON request to a bcdr server as one of the people and decodes the answer.
func call(t *testing.T, method, url, who string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+people[who].token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	require.NoError(t, err, "%s %s", method, url)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Less(t, resp.StatusCode, 300, "%s %s as %s: %s %s", method, url, who, resp.Status, b)
	if out != nil {
		require.NoError(t, json.Unmarshal(b, out), "%s", b)
	}
}

// startDrill starts the drill through a region's server as the operator, acting on the
// drill replica named replica (created in the fake first).
func (w *world) startDrill(t *testing.T, r *Region, replica string) string {
	t.Helper()
	w.rds.AddReadReplica(dr, replica, "arn:aws:rds:us-east-1:123456789012:db:orders")
	var ref api.RunRef
	call(t, "POST", r.API+"/v1/runs", "olga", api.StartRequest{Runbook: drillRunbook, Mode: "drill", Params: map[string]any{
		"primary_region": primary, "region": dr, "replica_id": "orders-replica", "drill_replica_id": replica,
		"arc_cluster_endpoints": w.endpoints, "primary_writes_control": writesUSE1,
		"primary_db_control": cellUSE1, "dr_db_control": cellUSW2,
		"hosted_zone_id": "Z0HOSTEDZONE", "app_health_url": w.app.srv.URL + "/healthz",
	}}, &ref)
	require.True(t, ref.Started, "the drill was not started: %s", ref.Reason)
	return ref.RunID
}

// status reads a run's record through a region's server.
func status(t *testing.T, r *Region, runID string) workflows.Status {
	t.Helper()
	var st workflows.Status
	call(t, "GET", r.API+"/v1/runs/"+runID, "olga", nil, &st)
	return st
}

// approve waits until the run asks for its approval, then the DBA and the incident
// commander approve through the region's server.
func approve(t *testing.T, r *Region, runID string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		st := status(t, r, runID)
		require.False(t, st.State.Done(), "the run ended before its approval: %s", st.Error)
		if len(st.Pending) > 0 && st.Pending[0].Step == "approve" {
			break
		}
		require.True(t, time.Now().Before(deadline), "the run did not ask for its approval within %s (steps: %v); is any worker serving it?", limit, st.Steps)
		time.Sleep(200 * time.Millisecond)
	}
	call(t, "POST", r.API+"/v1/runs/"+runID+"/approve", "dana", api.DecisionBody{Step: "approve", Comment: "the copy is ours to promote"}, nil)
	call(t, "POST", r.API+"/v1/runs/"+runID+"/approve", "ivan", api.DecisionBody{Step: "approve", Comment: "go"}, nil)
}

// finished waits until the run has ended, its drill cleanup and evidence done.
func finished(t *testing.T, r *Region, runID string, limit time.Duration) workflows.Status {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		st := status(t, r, runID)
		if st.State.Done() && !st.EndedAt.IsZero() {
			return st
		}
		require.True(t, time.Now().Before(deadline), "the run did not end within %s: %s", limit, st.State)
		time.Sleep(200 * time.Millisecond)
	}
}

// checkRecovered checks a drill's record and the world: every step as it should be, the
// two approvals, the promotion and the cleanup's delete each applied once at AWS's door,
// nothing left over, an evidence bundle.
func (w *world) checkRecovered(t *testing.T, st workflows.Status, replica string) {
	t.Helper()
	require.Equal(t, workflows.RunSucceeded, st.State, "run %s: %s", st.RunID, st.Error)
	for _, s := range st.Steps {
		if s.Status != workflows.StepSkipped {
			assert.Equal(t, workflows.StepSucceeded, s.Status, "%s: %s", s.ID, s.Error)
		}
	}
	var by []string
	for _, d := range st.Step("approve").Decisions {
		by = append(by, d.By)
	}
	assert.ElementsMatch(t, []string{"dana", "ivan"}, by, "the two approvals")
	promote := st.Step("promote")
	assert.True(t, promote.Drill, "the drill variant ran")
	if assert.NotNil(t, promote.Cleanup, "the promoted copy was cleaned up") {
		assert.Empty(t, promote.Cleanup.Error)
	}
	assert.Empty(t, st.Leftovers)
	assert.Equal(t, 1, w.applied("PromoteReadReplica", replica), "the promotion applied once at AWS's door")
	assert.Equal(t, 1, w.applied("DeleteDBInstance", replica), "the cleanup's delete applied once at AWS's door")
	assert.Zero(t, w.applied("PromoteReadReplica", "orders-replica"), "production's replica untouched")
	assert.NotNil(t, st.Evidence, "evidence written")
	assert.Empty(t, st.EvidenceError)
}

// checkEvidence checks with `bcdr evidence verify` and `bcdr evidence list` that the
// store holds one bundle per run and its chain verifies.
func checkEvidence(t *testing.T, c *Cluster, w *world, runIDs ...string) {
	t.Helper()
	out, err := c.Bcdr(w.env, "evidence", "verify")
	require.NoError(t, err)
	assert.Contains(t, out, fmt.Sprintf(": %d bundles, chain intact", len(runIDs)))
	out, err = c.Bcdr(w.env, "evidence", "list", "--output", "json")
	require.NoError(t, err)
	var ms []struct{ RunID string }
	require.NoError(t, json.Unmarshal([]byte(out), &ms), out)
	got := map[string]int{}
	for _, m := range ms {
		got[m.RunID]++
	}
	for _, id := range runIDs {
		assert.Equal(t, 1, got[id], "one evidence bundle for run %s", id)
	}
	assert.Len(t, ms, len(runIDs), "no bundle lost, none duplicated")
}

// regionAWithStandby starts the cluster, its world, region A (its bcdr server and two
// workers) and region B's server alone: the test starts region B's workers when it
// wants them.
func regionAWithStandby(t *testing.T) (*Cluster, *world, *Region, *Region) {
	t.Helper()
	c := startCluster(t)
	w := newWorld(t, c)
	a, err := c.StartRegion("region-a", RegionOptions{Workers: 2, Env: w.env})
	require.NoError(t, err)
	b := c.NewRegion("region-b", RegionOptions{Env: w.env})
	require.NoError(t, b.StartServer())
	return c, w, a, b
}

// TestRegionLostMidRecovery: region A (its bcdr server and two workers) starts the drill
// and is running its first step when region B's two workers join; then every process of
// region A is SIGKILLed at once. The step runs again on region B, the DBA and the
// incident commander approve through region B's server, and the drill completes there:
// the promotion and the cleanup applied once at AWS's door, one evidence bundle, the
// chain intact. With BCDR_CLUSTER_NO_STANDBY=1 region B's workers are not started, and
// the test fails: nothing takes the step over.
func TestRegionLostMidRecovery(t *testing.T) {
	c, w, a, b := regionAWithStandby(t)

	w.app.arm()
	runID := w.startDrill(t, a, "orders-drill-region")
	wait(t, w.app.held, 2*time.Minute, "the drill's first step (its steady-state probe) on region A")
	if os.Getenv("BCDR_CLUSTER_NO_STANDBY") == "" {
		require.NoError(t, b.StartWorkers(2))
	}
	a.Kill()
	killed := time.Now()
	t.Logf("region A killed: %d processes (server and workers) SIGKILLed", len(a.Processes()))
	again := wait(t, w.app.answered, time.Minute, "the step running again after region A was lost (region B's workers take it over)")
	t.Logf("the step ran again on region B %s after region A was killed", again.Sub(killed).Round(time.Millisecond))

	approve(t, b, runID, 2*time.Minute)
	st := finished(t, b, runID, 3*time.Minute)
	w.checkRecovered(t, st, "orders-drill-region")
	checkEvidence(t, c, w, runID)
	t.Logf("FIGURES region_loss: step_running_again_after=%s run_elapsed=%s", again.Sub(killed).Round(time.Millisecond), st.Elapsed.Round(time.Millisecond))
}

// TestRegionLostDuringAnAWSChange: the DBA and the incident commander approve through
// region B's server while only region A's workers run; region A's worker calls the
// promotion, which AWS applies but whose answer is held at the door; region B's workers
// join and every process of region A is SIGKILLed. The promotion's step runs again on
// region B, finds the promotion under way instead of asking again, and the drill
// completes: the promotion and the cleanup applied once each, one evidence bundle.
func TestRegionLostDuringAnAWSChange(t *testing.T) {
	c, w, a, b := regionAWithStandby(t)

	runID := w.startDrill(t, a, "orders-drill-change")
	w.promotion.arm()
	approve(t, b, runID, 2*time.Minute)
	wait(t, w.promotion.held, 2*time.Minute, "the promotion at AWS's door, called by region A")
	if os.Getenv("BCDR_CLUSTER_NO_STANDBY") == "" {
		require.NoError(t, b.StartWorkers(2))
	}
	a.Kill()
	w.promotion.free() // AWS answers, to a caller that is gone (the door records the answer)
	st := finished(t, b, runID, 3*time.Minute)
	w.checkRecovered(t, st, "orders-drill-change")
	assert.Equal(t, 2, st.Step("promote").Attempts, "the attempt lost with region A and its retry on region B")
	t.Logf("FIGURES region_loss_during_change: promote_attempts=%d promote_calls_at_the_door=%d applied=%d run_elapsed=%s",
		st.Step("promote").Attempts, w.calls("PromoteReadReplica", "orders-drill-change"), w.applied("PromoteReadReplica", "orders-drill-change"), st.Elapsed.Round(time.Millisecond))
	checkEvidence(t, c, w, runID)
}

// TestTemporalServiceKilledMidRecovery runs the drill on two regions of bcdr three times,
// each time SIGKILLing one of Temporal's services while the promotion is in flight (AWS
// has applied it, its answer is held at the door), starting the service again, then
// letting the answer through: history, then matching, then the frontend. Every drill
// completes, approved through region B's server, the promotion and the cleanup applied
// once each at AWS's door, one evidence bundle each.
func TestTemporalServiceKilledMidRecovery(t *testing.T) {
	c := startCluster(t)
	w := newWorld(t, c)
	_, err := c.StartRegion("region-a", RegionOptions{Workers: 2, Env: w.env})
	require.NoError(t, err)
	b, err := c.StartRegion("region-b", RegionOptions{Workers: 2, Env: w.env})
	require.NoError(t, err)
	var runs []string
	for _, svc := range []string{"history", "matching", "frontend"} {
		replica := "orders-drill-" + svc
		runID := w.startDrill(t, b, replica)
		runs = append(runs, runID)
		w.promotion.arm()
		approve(t, b, runID, 2*time.Minute)
		wait(t, w.promotion.held, 2*time.Minute, "the promotion at AWS's door")
		require.NoError(t, c.Kill(svc))
		killed := time.Now()
		require.NoError(t, c.Restart(svc))
		back := time.Since(killed)
		t.Logf("%s SIGKILLed while the promotion was in flight, serving again after %s", svc, back.Round(time.Millisecond))
		w.promotion.free()
		st := finished(t, b, runID, 3*time.Minute)
		w.checkRecovered(t, st, replica)
		t.Logf("FIGURES temporal_%s_killed: serving_again_after=%s run_elapsed=%s promote_attempts=%d promote_calls=%d",
			svc, back.Round(time.Millisecond), st.Elapsed.Round(time.Millisecond), st.Step("promote").Attempts, w.calls("PromoteReadReplica", replica))
		if t.Failed() {
			return
		}
	}
	checkEvidence(t, c, w, runs...)
}
