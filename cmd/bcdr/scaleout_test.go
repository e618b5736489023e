package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/workflows"
)

// scrape returns a worker's /metrics, or "" while it does not answer.
func scrape(url string) string {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

var activitySlots = regexp.MustCompile(`(?m)^temporal_worker_task_slots_used\{[^}]*worker_type="ActivityWorker"[^}]*\} (\d+)`)

// runningSteps is how many step activities a worker is running now.
func runningSteps(metrics string) int {
	m := activitySlots.FindStringSubmatch(metrics)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestWorkersShareRunsAndSurviveALostWorker is the scale-out test of the production
// guide: the engine on its own (bcdr dev, whose worker serves another task queue), two
// `bcdr worker` processes on one task queue, the smoke runbook's parallel steps. The
// worker running steps is killed with SIGKILL mid-run, as a lost region would take it,
// and the run completes on the other with every step succeeded. The commands are the
// guide's.
func TestWorkersShareRunsAndSurviveALostWorker(t *testing.T) {
	e := newEnv(t)
	e.startDev(freePort(t))
	e.vars["BCDR_TEMPORAL_TASK_QUEUE"] = "bcdr-scale-out"
	e.vars["BCDR_LOG_FORMAT"] = "json"

	type worker struct {
		p   *proc
		url string
	}
	var workers []worker
	for range 2 {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		e.vars["BCDR_METRICS_ADDRESS"] = addr
		workers = append(workers, worker{e.spawn(guideCommand(t, "bcdr worker")...), "http://" + addr})
	}
	delete(e.vars, "BCDR_METRICS_ADDRESS")
	for _, w := range workers {
		w.p.eventually(t, "the worker to be ready", time.Minute, func() bool { return ready(w.url) })
	}

	run := guideCommand(t, "bcdr run deploy/smoke-test.yaml")
	verify := guideCommand(t, "bcdr evidence verify")
	t.Chdir("../..") // the guide's paths are relative to the repository
	type result struct {
		out, errOut string
		code        int
	}
	done := make(chan result, 1)
	go func() {
		out, errOut, code := e.cli(run...)
		done <- result{out, errOut, code}
	}()

	// Kill the worker that is running steps, while it runs them.
	var victim, survivor worker
	var inFlight int
	eventually(t, "a worker to run steps", time.Minute, func() bool {
		for i, w := range workers {
			if n := runningSteps(scrape(w.url)); n > 0 {
				victim, survivor, inFlight = w, workers[1-i], n
				return true
			}
		}
		return false
	})
	victim.p.kill()
	t.Logf("killed the worker running %d steps", inFlight)

	var r result
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the run did not end; surviving worker:\n%s", survivor.p.logs.String())
	}
	require.Equal(t, 0, r.code, "bcdr run --wait:\n%s\n%s", r.out, r.errOut)
	var runID string // stderr says "started ID", after the proven-version warning of a live run
	for _, line := range strings.Split(r.errOut, "\n") {
		if id, ok := strings.CutPrefix(line, "started "); ok {
			runID = strings.TrimSpace(id)
		}
	}
	st := e.status(runID)
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	require.Len(t, st.Steps, 9)
	retried := 0
	for _, s := range st.Steps {
		assert.Equal(t, workflows.StepSucceeded, s.Status, s.ID)
		if s.Attempts > 1 {
			retried++
		}
	}
	assert.GreaterOrEqual(t, retried, 1, "the steps the lost worker ran were run again by the other")

	metrics := scrape(survivor.url)
	assert.Regexp(t, `bcdr_runs_total\{[^}]*outcome="succeeded"[^}]*runbook="bcdr-smoke-test"[^}]*\} 1`, metrics)
	assert.Regexp(t, `bcdr_step_duration_seconds_count\{[^}]*step="joined"[^}]*\} 1`, metrics)
	for sc := bufio.NewScanner(strings.NewReader(survivor.p.logs.String())); sc.Scan(); {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			assert.True(t, json.Valid([]byte(line)), "log.format json: every line is JSON: %s", line)
		}
	}
	out := e.mustCLI(verify...)
	assert.Contains(t, out, "chain intact")
}
