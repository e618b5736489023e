package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/internal/faultproxy"
	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/workflows"
)

// The reliability suite (issue 11): bcdr keeps its promises when its own worker dies,
// when the engine is killed, when AWS throttles, fails, times out and resets connections,
// and a drill that fails anywhere leaves nothing behind. Each test runs real processes
// (bcdr dev and bcdr worker as children that are SIGKILLed), real AWS actions against
// moto, and checks the world (moto's inventory, the request log at moto's door, the
// evidence store), not only what bcdr says about it.
//
// BCDR_RELIABILITY=1 (make reliability) runs the full figures: 50 worker kills, 10
// engine kills, 10 drills under faults, a failure at every step position. Unset, these
// tests skip (they take minutes); BCDR_RELIABILITY=short runs small versions. The seed
// of every random choice is printed (BCDR_RELIABILITY_SEED repeats a run). Each test
// ends with a FIGURES line that make reliability collects.

const reliabilityDrill = "testdata/reliability/parallel-drill.yaml"

// drillSteps are the steps of reliabilityDrill, in order; restores are its drill steps.
var (
	drillSteps = []string{"restore_orders", "restore_billing", "restore_users", "settle",
		"verify_orders", "verify_billing", "verify_users", "finish"}
	drillDatabases = []string{"orders-db", "billing-db", "users-db"}
)

// suite says how much to run: "" (skip), "short" or "full".
func suite(t *testing.T) string {
	switch v := os.Getenv("BCDR_RELIABILITY"); v {
	case "":
		t.Skip("reliability suite: set BCDR_RELIABILITY=1 (make reliability) or BCDR_RELIABILITY=short")
	case "short":
		return v
	}
	return "full"
}

// size picks the short or the full figure.
func size(t *testing.T, short, full int) int {
	if suite(t) == "short" {
		return short
	}
	return full
}

// seeded returns a random source and prints its seed.
func seeded(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("BCDR_RELIABILITY_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "BCDR_RELIABILITY_SEED")
	}
	t.Logf("seed %d (BCDR_RELIABILITY_SEED=%d repeats this run)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed))
}

// awsWorld is moto behind a fault-injecting proxy: bcdr talks to the proxy, the test
// inspects moto directly.
type awsWorld struct {
	moto  *awstest.Server
	proxy *faultproxy.Proxy
	rds   *rds.Client // straight to moto
}

func newAWSWorld(t *testing.T, seed uint64, rates map[faultproxy.Fault]float64) *awsWorld {
	t.Helper()
	moto, err := awstest.Start()
	if errors.Is(err, awstest.ErrNoMoto) && os.Getenv("CI") != "true" {
		t.Skipf("reliability suite: %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(moto.Stop)
	for k, v := range awstest.Env() {
		t.Setenv(k, v)
	}
	proxy, err := faultproxy.Start(faultproxy.Options{Target: moto.Endpoint, Rates: rates, Seed: seed, Hold: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion(awstest.Region))
	require.NoError(t, err)
	w := &awsWorld{moto: moto, proxy: proxy,
		rds: rds.NewFromConfig(cfg, func(o *rds.Options) { o.BaseEndpoint = awssdk.String(moto.Endpoint) })}
	w.seedDatabases(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("moto output (tail):\n%s", tail(moto.Log(), 4000))
		}
	})
	return w
}

// seedDatabases creates the drill's source databases, each with a snapshot.
func (w *awsWorld) seedDatabases(t *testing.T) {
	ctx := context.Background()
	for _, id := range drillDatabases {
		_, err := w.rds.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: awssdk.String(id), DBInstanceClass: awssdk.String("db.t3.micro"),
			Engine: awssdk.String("postgres"), AllocatedStorage: awssdk.Int32(20),
			MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("not-a-secret-1"),
		})
		require.NoError(t, err)
		_, err = w.rds.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{
			DBInstanceIdentifier: awssdk.String(id), DBSnapshotIdentifier: awssdk.String(id + "-nightly"),
		})
		require.NoError(t, err)
	}
}

// leftovers are the DB instances in moto that the drills created and did not remove.
func (w *awsWorld) leftovers(t *testing.T) []string {
	out, err := w.rds.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{})
	require.NoError(t, err)
	var left []string
	for _, i := range out.DBInstances {
		id := awssdk.ToString(i.DBInstanceIdentifier)
		if !slices.Contains(drillDatabases, id) && awssdk.ToString(i.DBInstanceStatus) != "deleting" {
			left = append(left, id)
		}
	}
	return left
}

// applied counts, per DB instance, the calls of action that moto answered with success:
// what was really done, whatever the caller heard (a lost response still counts).
func (w *awsWorld) applied(action string) map[string]int {
	n := map[string]int{}
	for _, e := range w.proxy.Log() {
		if e.Action == action && e.Status >= 200 && e.Status < 300 {
			n[e.Form.Get("DBInstanceIdentifier")]++
		}
	}
	return n
}

// checkAppliedOnce asserts that every restore was applied exactly once, every restored
// instance deleted exactly once, and returns how many restores there were.
func (w *awsWorld) checkAppliedOnce(t *testing.T) int {
	restores, deletes := w.applied("RestoreDBInstanceFromDBSnapshot"), w.applied("DeleteDBInstance")
	for id, n := range restores {
		assert.Equal(t, 1, n, "restore of %s applied %d times", id, n)
		assert.Equal(t, 1, deletes[id], "delete of %s applied %d times", id, deletes[id])
	}
	for id := range deletes {
		assert.Contains(t, restores, id, "deleted %s, which no drill restored", id)
	}
	return len(restores)
}

// newReliabilityEnv is the rig of a reliability test: a random source (seeded), the AWS
// world seeded from it with these fault rates, and a test environment whose processes
// use that world.
func newReliabilityEnv(t *testing.T, rates map[faultproxy.Fault]float64) (*env, *awsWorld, *rand.Rand) {
	t.Helper()
	rng := seeded(t)
	world := newAWSWorld(t, rng.Uint64(), rates)
	e := newEnv(t)
	e.useAWS(world)
	return e, world, rng
}

// useAWS points e's processes at the proxy.
func (e *env) useAWS(w *awsWorld) {
	for k, v := range awstest.Env() {
		e.vars[k] = v
	}
	e.vars["BCDR_AWS_ENDPOINT"] = w.proxy.URL
	e.vars["BCDR_AWS_REGION"] = awstest.Region
}

// startDrill starts a drill of the reliability runbook and returns its run id.
func (e *env) startDrill(params ...string) string {
	e.t.Helper()
	args := []string{"run", reliabilityDrill, "--mode", "drill"}
	for _, p := range params {
		args = append(args, "--param", p)
	}
	return strings.TrimSpace(e.mustCLI(args...))
}

// waitDone waits until a run's workflow has closed (its cleanup and evidence done: the
// status query says failed or succeeded before that) and returns its record. It keeps
// waiting across engine restarts.
func (e *env) waitDone(runID string, limit time.Duration) workflows.Status {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cfg := mustConfig(e.t, e)
	var last error
	for ctx.Err() == nil {
		c, err := dial(ctx, cfg, discard())
		if err == nil {
			var st workflows.Status
			st, err = waitRun(ctx, c, runID)
			c.Close()
			if err == nil {
				return st
			}
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	e.t.Fatalf("run %s did not end within %s: %v", runID, limit, last)
	return workflows.Status{}
}

// checkDrillSucceeded asserts a complete record of a successful drill: every step
// succeeded, each drill step's copy was cleaned up, nothing left over, evidence written.
func checkDrillSucceeded(t *testing.T, st workflows.Status) {
	t.Helper()
	require.Equal(t, workflows.RunSucceeded, st.State, "run %s: %s", st.RunID, st.Error)
	require.Len(t, st.Steps, len(drillSteps))
	for _, s := range st.Steps {
		assert.Equal(t, workflows.StepSucceeded, s.Status, "%s %s: %s", st.RunID, s.ID, s.Error)
		if strings.HasPrefix(s.ID, "restore_") {
			assert.True(t, s.Drill, s.ID)
			if assert.NotNil(t, s.Cleanup, "%s %s was cleaned up", st.RunID, s.ID) {
				assert.Empty(t, s.Cleanup.Error, s.ID)
			}
		}
	}
	assert.Empty(t, st.Leftovers, st.RunID)
	assert.NotNil(t, st.Evidence, "run %s has its evidence bundle", st.RunID)
	assert.Empty(t, st.EvidenceError, st.RunID)
}

// checkEvidence asserts that the evidence store verifies and holds one bundle per run.
func (e *env) checkEvidence(runIDs []string) {
	e.t.Helper()
	out := e.mustCLI("evidence", "verify")
	assert.Contains(e.t, out, fmt.Sprintf(": %d bundles, chain intact", len(runIDs)))
	var ms []struct{ RunID string }
	require.NoError(e.t, json.Unmarshal([]byte(e.mustCLI("evidence", "list", "--output", "json")), &ms))
	got := map[string]int{}
	for _, m := range ms {
		got[m.RunID]++
	}
	for _, id := range runIDs {
		assert.Equal(e.t, 1, got[id], "one evidence bundle for run %s", id)
	}
	assert.Len(e.t, ms, len(runIDs), "no bundle lost, none duplicated")
}

// retried counts the steps and cleanups of a run that needed more than one attempt:
// the kills that landed inside an activity.
func retried(st workflows.Status) int {
	n := 0
	for _, s := range st.Steps {
		if s.Attempts > 1 {
			n++
		}
		if s.Cleanup != nil && s.Cleanup.Attempts > 1 {
			n++
		}
	}
	return n
}

// TestWorkerKilledAtRandomPointsDuringParallelDrills runs drills of three parallel
// restores against moto on a task queue served by one `bcdr worker` process, SIGKILLs
// that worker at a random point of every run and starts a new one at once. Every run
// completes with a full record; moto's request log shows each restore and each cleanup
// applied exactly once; moto holds nothing the drills created; the evidence chain holds
// one bundle per run.
func TestWorkerKilledAtRandomPointsDuringParallelDrills(t *testing.T) {
	runs := size(t, 3, 50)
	e, world, rng := newReliabilityEnv(t, nil)
	e.startDev(freePort(t))
	e.vars["BCDR_TEMPORAL_TASK_QUEUE"] = "reliability-workers" // only the worker we kill serves it
	worker := e.spawn("worker", "--metrics", "")

	// Two runs without a kill (the first warms up) say how long a run takes, start to
	// close, so that kills land inside runs.
	var ids []string
	var duration time.Duration
	for range 2 {
		began := time.Now()
		id := e.startDrill()
		checkDrillSucceeded(t, e.waitDone(id, 3*time.Minute))
		duration = time.Since(began)
		ids = append(ids, id)
	}
	t.Logf("a drill takes %s without kills", duration.Round(time.Millisecond))

	kills, midRun, retriedSteps := 0, 0, 0
	for i := range runs {
		id := e.startDrill()
		ids = append(ids, id)
		delay := time.Duration(rng.Int64N(int64(duration * 95 / 100)))
		time.Sleep(delay)
		worker.kill()
		killedAt := time.Now()
		kills++
		worker = e.spawn("worker", "--metrics", "")
		st := e.waitDone(id, 4*time.Minute)
		checkDrillSucceeded(t, st)
		where := "after its cleanup"
		if killedAt.Before(st.EndedAt) {
			midRun++
			where = "mid-run"
		}
		retriedSteps += retried(st)
		t.Logf("run %d/%d %s: worker killed %s after the start (%s), run ended %s in %s, %d steps retried",
			i+1, runs, id, delay.Round(time.Millisecond), where, st.State, st.Elapsed.Round(time.Millisecond), retried(st))
		if t.Failed() {
			break
		}
	}

	restores := world.checkAppliedOnce(t)
	assert.Equal(t, 3*len(ids), restores, "three restores per run")
	left := world.leftovers(t)
	assert.Empty(t, left, "nothing the drills created is left in moto")
	e.checkEvidence(ids)
	figures.Report(t, "runs=%d (and 2 without kills) kills=%d kills_before_the_run_closed=%d steps_retried_after_a_kill=%d restores_applied=%d applied_twice=0 leftovers=%d evidence_bundles=%d",
		runs, kills, midRun, retriedSteps, restores, len(left), len(ids))
}

// TestEngineKilledRepeatedlyWhileDrillsRun SIGKILLs `bcdr dev` (engine, worker and all)
// while drills run, again and again, restarting it on the same data folder each time.
// Every run resumes from the SQLite file and completes; no restore is applied twice; no
// evidence bundle is lost or duplicated.
func TestEngineKilledRepeatedlyWhileDrillsRun(t *testing.T) {
	kills := size(t, 2, 10)
	e, world, rng := newReliabilityEnv(t, nil)
	port := freePort(t)
	dev := e.startDev(port)

	began := time.Now()
	calibration := e.startDrill()
	checkDrillSucceeded(t, e.waitDone(calibration, 3*time.Minute))
	duration := time.Since(began)
	ids := []string{calibration}

	var killedAt []time.Time
	for k := range kills {
		ids = append(ids, e.startDrill()) // a run is in flight at every kill
		delay := time.Duration(rng.Int64N(int64(duration * 9 / 10)))
		time.Sleep(delay)
		dev.kill()
		killedAt = append(killedAt, time.Now())
		t.Logf("kill %d/%d %s after the start of %s", k+1, kills, delay.Round(time.Millisecond), ids[len(ids)-1])
		dev = e.startDev(port)
	}
	retriedSteps, midRun := 0, 0
	for i, id := range ids {
		st := e.waitDone(id, 5*time.Minute)
		checkDrillSucceeded(t, st)
		retriedSteps += retried(st)
		if i > 0 && killedAt[i-1].Before(st.EndedAt) {
			midRun++
		}
	}
	restores := world.checkAppliedOnce(t)
	assert.Equal(t, 3*len(ids), restores)
	left := world.leftovers(t)
	assert.Empty(t, left)
	e.checkEvidence(ids)
	figures.Report(t, "engine_kills=%d kills_before_the_run_closed=%d runs=%d runs_completed=%d steps_retried=%d restores_applied=%d applied_twice=0 leftovers=%d evidence_bundles=%d",
		kills, midRun, len(ids), len(ids), retriedSteps, restores, len(left), len(ids))
}

// faultRates is the AWS weather of the fault tests: about one call in four fails.
var faultRates = map[faultproxy.Fault]float64{
	faultproxy.Throttle: 0.08, faultproxy.SlowDown: 0.04, faultproxy.ServerError: 0.04,
	faultproxy.Timeout: 0.02, faultproxy.Reset: 0.04, faultproxy.LostResponse: 0.03,
}

// TestDrillsCompleteWhileAWSFails runs drills through a proxy that answers about a
// quarter of the AWS calls with throttling, 5xx, timeouts, resets and lost responses:
// every drill completes within its objective with a full record, nothing is applied
// twice or left behind. A non-retryable error (a snapshot that does not exist) fails
// its step on the first attempt, at once, with a message that names the resource.
func TestDrillsCompleteWhileAWSFails(t *testing.T) {
	drills := size(t, 2, 10)
	e, world, _ := newReliabilityEnv(t, faultRates)
	e.startDev(freePort(t))

	var ids []string
	var slowest time.Duration
	for range drills {
		id := e.startDrill()
		ids = append(ids, id)
		st := e.waitDone(id, 8*time.Minute)
		checkDrillSucceeded(t, st)
		assert.Less(t, st.Elapsed, time.Hour, "within the runbook's RTO objective")
		slowest = max(slowest, st.Elapsed)
	}

	// A snapshot that does not exist is not worth retrying.
	id := e.startDrill("fail_at=restore_orders")
	ids = append(ids, id)
	st := e.waitDone(id, 5*time.Minute)
	require.Equal(t, workflows.RunFailed, st.State)
	failed := st.Step("restore_orders")
	require.NotNil(t, failed)
	assert.Equal(t, workflows.StepFailed, failed.Status)
	assert.Equal(t, 1, failed.Attempts, "a non-retryable error is not retried")
	assert.Contains(t, failed.Error, `no available snapshot of DB instance "missing-db"`)
	assert.Less(t, failed.EndedAt.Sub(failed.StartedAt), 30*time.Second, "and fails fast")
	assert.Empty(t, st.Leftovers)

	restores := world.checkAppliedOnce(t)
	left := world.leftovers(t)
	assert.Empty(t, left)
	e.checkEvidence(ids)
	counts, total := world.proxy.Counts(), len(world.proxy.Log())
	var parts []string
	faulted := 0
	for _, f := range faultproxy.Faults {
		parts = append(parts, fmt.Sprintf("%s=%d", f, counts[f]))
		faulted += counts[f]
	}
	figures.Report(t, "drills=%d completed=%d slowest=%s aws_calls=%d faults_injected=%d (%s) restores_applied=%d applied_twice=0 leftovers=%d nonretryable_attempts=%d nonretryable_failed_in=%s",
		drills, drills, slowest.Round(time.Millisecond), total, faulted, strings.Join(parts, " "), restores, len(left),
		failed.Attempts, failed.EndedAt.Sub(failed.StartedAt).Round(time.Millisecond))
}

// TestDrillFailingAtEveryStepLeavesNothingBehind fails the drill at each step position
// in turn, with AWS faults on, and checks moto after each: the cleanup ledger removed
// every copy the drill had made.
func TestDrillFailingAtEveryStepLeavesNothingBehind(t *testing.T) {
	positions := drillSteps
	if suite(t) == "short" {
		positions = []string{"restore_billing", "settle", "finish"}
	}
	e, world, _ := newReliabilityEnv(t, map[faultproxy.Fault]float64{
		faultproxy.Throttle: 0.05, faultproxy.Reset: 0.03, faultproxy.LostResponse: 0.02,
	})
	e.startDev(freePort(t))

	var ids []string
	cleanups, leftovers := 0, 0
	for _, at := range positions {
		id := e.startDrill("fail_at=" + at)
		ids = append(ids, id)
		st := e.waitDone(id, 5*time.Minute)
		require.Equal(t, workflows.RunFailed, st.State, "fail_at=%s", at)
		assert.Equal(t, workflows.StepFailed, st.Step(at).Status, "fail_at=%s", at)
		assert.Empty(t, st.Leftovers, "fail_at=%s", at)
		for _, s := range st.Steps {
			if s.Drill && s.Status == workflows.StepSucceeded {
				if assert.NotNil(t, s.Cleanup, "fail_at=%s: %s cleaned up", at, s.ID) {
					assert.Empty(t, s.Cleanup.Error)
					cleanups++
				}
			}
		}
		left := world.leftovers(t)
		leftovers += len(left)
		assert.Empty(t, left, "fail_at=%s leaves nothing in moto", at)
	}
	world.checkAppliedOnce(t)
	e.checkEvidence(ids)
	figures.Report(t, "positions=%d runs_failed_as_planned=%d cleanups_run=%d leftovers_found=%d faults_injected=%d",
		len(positions), len(ids), cleanups, leftovers, sum(world.proxy.Counts()))
}

func sum(m map[faultproxy.Fault]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// tail is the end of s, for failure messages.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
