package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/workflows"
)

// The run service's both-modes test: the CLI's run commands, once straight on the
// engine and once through the bcdr server (bcdr dev's API on loopback), against the
// same engine. Every flag must show in what the run records or what the command prints,
// and the two modes must print and record the same, so a flag one mode drops fails it.

// modeRun is one mode's session: the env's CLI with the mode's variables.
type modeRun struct {
	*apiEnv
	remote bool
}

// as makes the next commands act as user: their identity.user straight on the engine,
// their token through the server (each user's token is their name).
func (m modeRun) as(user string) {
	if m.remote {
		m.vars["BCDR_SERVER_URL"], m.vars["BCDR_SERVER_TOKEN"] = m.base, user
		m.vars["BCDR_IDENTITY_USER"] = "mallory" // ignored through the server
		return
	}
	delete(m.vars, "BCDR_SERVER_URL")
	delete(m.vars, "BCDR_SERVER_TOKEN")
	m.vars["BCDR_IDENTITY_USER"] = user
}

func (m modeRun) status(runID string) workflows.Status {
	m.t.Helper()
	var st workflows.Status
	require.NoError(m.t, json.Unmarshal([]byte(m.mustCLI("status", runID, "--output", "json")), &st))
	return st
}

// session runs every run command once in this mode and returns what they printed and
// the runs recorded, with what differs by nature (run ids, times, the trigger) made
// alike. started lists the runs it started.
func (m modeRun) session(t *testing.T, dir string, outageStart time.Time) (transcript []string, started []string) {
	say := func(cmd, out string) { transcript = append(transcript, "$ "+cmd+"\n"+out) }
	m.as("ada")
	out := m.mustCLI("run", filepath.Join(dir, "tabletop.yaml"), "--mode", "tabletop", "--param", "region=eu-west-1",
		"--speed", "3600", "--participant", "ivan", "--outage-start", outageStart.Format(time.RFC3339), "--output", "json")
	var ref struct{ RunID string }
	require.NoError(t, json.Unmarshal([]byte(out), &ref))
	tabletop := ref.RunID
	started = append(started, tabletop)

	st := m.status(tabletop)
	assert.Equal(t, workflows.ModeTabletop, st.Mode, "--mode")
	assert.Equal(t, "eu-west-1", st.Params["region"], "--param")
	assert.True(t, outageStart.Equal(st.ClockStart), "--outage-start: the clock starts at %s, not %s", outageStart, st.ClockStart)
	assert.Equal(t, "ada", st.Initiator)
	// --speed 3600 plays the inject due at 1h one second after the start.
	eventually(t, "--speed: the inject due at 1h to arrive within seconds", 30*time.Second, func() bool {
		st = m.status(tabletop)
		return len(st.Injects) == 2
	})
	eventually(t, "the prompt assess to open", 30*time.Second, func() bool {
		st = m.status(tabletop)
		return len(st.Pending) > 0 && st.Pending[0].Step == "assess"
	})

	// --participant ivan: olga may not answer, ivan may.
	m.as("olga")
	_, errOut, code := m.cli("complete", tabletop, "assess", "-m", "all of it")
	assert.Equal(t, 1, code, "--participant: a non-participant's answer is refused")
	assert.Contains(t, errOut, "olga is not a participant of this tabletop (participants: ivan)")
	say("complete (olga)", errOut)
	m.as("ivan")
	say("complete (ivan)", m.mustCLI("complete", tabletop, "assess", "-m", "payments and orders"))
	m.as("olga")
	say("finding", m.mustCLI("finding", tabletop, "--kind", "gap", "--step", "assess", "-m", "nobody had the runbook"))
	say("pause", m.mustCLI("pause", tabletop, "-m", "coffee"))
	say("resume", m.mustCLI("resume", tabletop))
	m.as("ada")
	say("advance assess", m.mustCLI("advance", tabletop, "assess"))
	eventually(t, "the prompt decide to open", 30*time.Second, func() bool {
		st = m.status(tabletop)
		return len(st.Pending) > 0 && st.Pending[0].Step == "decide"
	})
	say("advance", m.mustCLI("advance", tabletop))
	say("watch", m.mustCLI("watch", tabletop, "--interval", "100ms"))
	st = m.status(tabletop)
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	say("status", m.mustCLI("status", tabletop))
	say("report", m.mustCLI("report", tabletop, "--format", "md"))
	transcript = append(transcript, "record:\n"+record(st))

	// --hold-on-failure keeps the run open on the failed step for a retry, then a skip.
	out = m.mustCLI("run", filepath.Join(dir, "held.yaml"), "--mode", "live", "--hold-on-failure", "10m", "--output", "json")
	require.NoError(t, json.Unmarshal([]byte(out), &ref))
	held := ref.RunID
	started = append(started, held)
	eventually(t, "--hold-on-failure: the run to be held on its failed step", 30*time.Second, func() bool {
		return m.status(held).State == workflows.RunBlocked
	})
	say("retry", m.mustCLI("retry", held, "flaky"))
	eventually(t, "the retried step to fail again", 30*time.Second, func() bool {
		st = m.status(held)
		return st.State == workflows.RunBlocked && len(st.Actions) == 1 && st.Step("flaky").Status == workflows.StepFailed
	})
	say("skip", m.mustCLI("skip", held, "flaky", "-m", "freed the disk by hand"))
	var last workflows.Status
	eventually(t, "the held run to end", 30*time.Second, func() bool {
		last = m.status(held)
		return last.State.Done()
	})
	transcript = append(transcript, "record:\n"+record(last))
	// Without a hold, the failed step fails the run: --wait follows it and exits 1.
	out, errOut, code = m.cli("run", filepath.Join(dir, "held.yaml"), "--mode", "live", "--wait")
	assert.Equal(t, 1, code, "a run that fails ends with exit 1: %s", errOut)
	failed := regexp.MustCompile(`started (\S+)`).FindStringSubmatch(errOut)
	require.NotNil(t, failed, errOut)
	started = append(started, failed[1])
	say("run --wait (no hold)", out)

	transcript = append(transcript, m.catalogueSession(t, dir, outageStart, &started)...)

	_, errOut, code = m.cli("status", "nosuch-run")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no such run")
	say("status nosuch-run", errOut)
	_, errOut, code = m.cli("cancel", held, "-m", "too late")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the run has ended")
	say("cancel (ended)", errOut)
	return normalize(transcript, started), started
}

// catalogueSession runs the commands that read the service catalogue or change
// schedules, in this mode: a scenario's recovery (planned from the configured catalogue),
// coverage with each of its sources, the schedule commands and the overdue report. It
// adds the runs it started to started.
func (m modeRun) catalogueSession(t *testing.T, dir string, outageStart time.Time, started *[]string) (transcript []string) {
	say := func(cmd, out string) { transcript = append(transcript, "$ "+cmd+"\n"+out) }
	since := time.Now().UTC().Truncate(time.Second).Format(time.RFC3339)
	m.as("ada")
	var st workflows.Status
	out := m.mustCLI("scenario", "run", "region-a-lost", "--mode", "drill", "--hold-on-failure", "10m",
		"--outage-start", outageStart.Format(time.RFC3339), "--wait", "--output", "json")
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	*started = append(*started, st.RunID)
	require.Equal(t, workflows.RunSucceeded, st.State, st.Error)
	assert.Equal(t, "scenario-region-a-lost", st.Runbook, "the configured catalogue's scenario")
	assert.True(t, outageStart.Equal(st.ClockStart), "scenario run --outage-start")
	assert.Equal(t, "ada", st.Initiator)
	assert.Equal(t, map[bool]string{false: "cli", true: "api"}[m.remote], st.Trigger, "the scenario started through this mode's run service")
	transcript = append(transcript, "record:\n"+record(st))
	say("status (scenario)", m.mustCLI("status", st.RunID))

	// coverage reads this session's runs (--since) from both sources, then from each.
	drilled := func(args ...string) int {
		args = append([]string{"coverage", "--since", since}, args...)
		var rep catalogue.Report
		out = m.mustCLI(append(args, "--output", "json")...)
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		n := 0
		for _, s := range rep.Services {
			if s.LastDrill != nil {
				n++
			}
		}
		md := m.mustCLI(args...) // the Markdown report
		// Its improvement plan counts every finding recorded so far: one more in the
		// second session's.
		md, _, _ = strings.Cut(md, "\n## Improvement plan")
		say(strings.Join(args[:1], " ")+" "+strings.Join(args[3:], " "), md)
		return n
	}
	eventually(t, "coverage to count the scenario's four drills", 30*time.Second, func() bool {
		transcript = transcript[:2] // the record and the status
		return drilled() == 4
	})
	assert.Equal(t, 4, drilled("--no-evidence"), "coverage --no-evidence: the child runs count from the engine too:\n%s", out)
	assert.Equal(t, 4, drilled("--no-engine"), "coverage --no-engine:\n%s", out)

	id := "modes-cli"
	if m.remote {
		id = "modes-api"
	}
	sched := func(args ...string) (string, string, int) {
		out, errOut, code := m.cli(append([]string{"schedule"}, args...)...)
		r := strings.NewReplacer(id, "SCHEDULE")
		say("schedule "+r.Replace(strings.Join(args, " ")), fmt.Sprintf("%s%s(exit %d)", r.Replace(out), r.Replace(errOut), code))
		return out, errOut, code
	}
	_, errOut, code := sched("create", id, "--file", filepath.Join(dir, "scheduled.yaml"), "--every", "90d", "--jitter", "1d", "--note", "quarterly")
	require.Zero(t, code, errOut)
	sched("create", id, "--file", filepath.Join(dir, "scheduled.yaml"), "--every", "90 days")
	sched("show", id)
	sched("pause", id)
	sched("unpause", id, "--output", "json")
	out, errOut, code = sched("trigger", id)
	require.Zero(t, code, errOut)
	var sc api.Schedule
	eventually(t, "the triggered run to show in the schedule", 30*time.Second, func() bool {
		require.NoError(t, json.Unmarshal([]byte(m.mustCLI("schedule", "show", id, "-o", "json")), &sc))
		return len(sc.Recent) == 1
	})
	trig := m.status(sc.Recent[0].RunID)
	assert.Equal(t, "schedule:"+id, trig.Trigger)
	assert.Equal(t, "ada", trig.Initiator, "the maker is the scheduled runs' initiator")
	var list []api.Schedule
	require.NoError(t, json.Unmarshal([]byte(m.mustCLI("schedule", "list", "-o", "json")), &list))
	i := slices.IndexFunc(list, func(sc api.Schedule) bool { return sc.ID == id })
	require.GreaterOrEqual(t, i, 0, "schedule list lists %s", id)
	assert.Equal(t, "modes-scheduled", list[i].Runbook)
	sched("delete", id)
	sched("overdue")
	return transcript
}

// record is what a run recorded, without its times, ids and digests.
func record(st workflows.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s by %s params=%v state=%s error=%q\n", st.Mode, st.Runbook, st.Service, st.Initiator, st.Params, st.State, st.Error)
	for _, s := range st.Steps {
		fmt.Fprintf(&b, "step %s %s tries=%d reason=%q error=%q\n", s.ID, s.Status, s.Attempts, s.Reason, s.Error)
		for _, d := range s.Decisions {
			fmt.Fprintf(&b, "  decision by %s: %s\n", d.By, d.Comment)
		}
	}
	for _, a := range st.Actions {
		fmt.Fprintf(&b, "action %s %s by %s: %s\n", a.Action, a.Step, a.By, a.Comment)
	}
	for _, f := range st.Findings {
		fmt.Fprintf(&b, "finding %s %s by %s: %s\n", f.Kind, f.Step, f.By, f.Text)
	}
	for _, in := range st.Injects {
		fmt.Fprintf(&b, "inject %s: %s\n", in.Title, in.Message)
	}
	return b.String()
}

var (
	timeLike     = regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?|\b\d\d:\d\d:\d\d\b`)
	durationLike = regexp.MustCompile(`\b\d+(\.\d+)?(ms|µs|s|m|h|d)(\d+(\.\d+)?(ms|s|m))*\b`)
	digestLike   = regexp.MustCompile(`sha256:[0-9a-f]+`)
	blanks       = regexp.MustCompile(`[ \t]+`)
)

// normalize makes two modes' transcripts comparable: run ids, times, durations and
// digests become placeholders, runs of blanks one, and "(cli)" and "(api)", the way
// each mode came in, alike.
func normalize(lines, runIDs []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		for j, id := range runIDs {
			l = strings.ReplaceAll(l, id, fmt.Sprintf("RUN%d", j))
		}
		l = digestLike.ReplaceAllString(l, "DIGEST")
		l = timeLike.ReplaceAllString(l, "TIME")
		l = durationLike.ReplaceAllString(l, "DUR")
		l = blanks.ReplaceAllString(l, " ") // table columns are as wide as the times in them
		l = strings.NewReplacer("(cli)", "(TRIGGER)", "(api)", "(TRIGGER)", "| cli |", "| TRIGGER |", "| api |", "| TRIGGER |").Replace(l)
		if strings.HasPrefix(l, "$ watch") {
			l = watchEvents(l)
		}
		out[i] = l
	}
	return out
}

// watchEvents makes a watch transcript independent of when the watch first looked: a
// watch that looks while the run writes its evidence prints "run finishing", then the
// events, then "run succeeded"; one that looks later prints "run succeeded" first. The
// events are compared as a set, the finishing state dropped.
func watchEvents(l string) string {
	var head, events, tail []string
	for _, line := range strings.Split(l, "\n") {
		switch {
		case line == "+DUR run finishing":
		case strings.HasPrefix(line, "+DUR "):
			events = append(events, line)
		case len(events) == 0:
			head = append(head, line)
		default:
			tail = append(tail, line)
		}
	}
	slices.Sort(events)
	return strings.Join(append(append(head, events...), tail...), "\n")
}

func TestRunCommandsAgreeInBothModes(t *testing.T) {
	cat, err := filepath.Abs(testCatalogue)
	require.NoError(t, err)
	a := newAPIEnv(t, "catalogue: "+cat) // the server's and the direct CLI's
	dir := filepath.Join("testdata", "modes")
	outageStart := time.Now().Add(-time.Minute).Truncate(time.Second)

	direct, remote := modeRun{apiEnv: a}, modeRun{apiEnv: a, remote: true}
	directOut, directRuns := direct.session(t, dir, outageStart)
	remoteOut, remoteRuns := remote.session(t, dir, outageStart)
	assert.Equal(t, directOut, remoteOut, "the CLI prints and the runs record the same in both modes")

	// Each mode's runs record the way they came in.
	direct.as("ada")
	assert.Equal(t, "cli", direct.status(directRuns[0]).Trigger)
	assert.Equal(t, "api", direct.status(remoteRuns[0]).Trigger)

	// runs: every filter, in both modes, over the eight runs (each mode's tabletop, held
	// run, failed run and scenario run).
	all := append(append([]string(nil), directRuns...), remoteRuns...)
	for _, c := range []struct {
		filter []string
		want   []int // indexes into all
	}{
		{[]string{"--runbook", "modes-tabletop", "--since", "30d"}, []int{0, 4}},
		{[]string{"--service", "payments", "--mode", "live", "--since", "1h"}, []int{1, 2, 5, 6}},
		{[]string{"--runbook", "modes-held", "--outcome", "succeeded"}, []int{1, 5}},
		{[]string{"--runbook", "modes-held", "--outcome", "failed"}, []int{2, 6}},
		{[]string{"--runbook", "modes-tabletop", "--limit", "1"}, []int{4}}, // the newest
		{[]string{"--runbook", "modes-tabletop", "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, nil},
		{[]string{"--service", "other"}, nil},
	} {
		var got [2][]api.RunSummary
		for i, m := range []modeRun{direct, remote} {
			m.as("ada")
			args := append([]string{"runs", "--output", "json"}, c.filter...)
			require.NoError(t, json.Unmarshal([]byte(m.mustCLI(args...)), &got[i]), "%v", c.filter)
		}
		assert.Equal(t, got[0], got[1], "runs %v: the same list in both modes", c.filter)
		var ids, want []string
		for _, r := range got[0] {
			ids = append(ids, r.RunID)
		}
		for _, i := range c.want {
			want = append(want, all[i])
		}
		assert.ElementsMatch(t, want, ids, "runs %v", c.filter)
	}
	// Through the server, coverage reads the server's run history, which shows a caller
	// the runs of the services they may view only: pat views none of the catalogue's.
	remote.as("pat")
	var rep catalogue.Report
	require.NoError(t, json.Unmarshal([]byte(remote.mustCLI("coverage", "--output", "json")), &rep))
	for _, s := range rep.Services {
		assert.Nil(t, s.LastDrill, "coverage through the server as pat: %s", s.Service)
	}
	// A scenario through the server is planned from the server's catalogue.
	remote.as("ada")
	_, errOut, code := remote.cli("scenario", "run", "region-a-lost", "--catalogue", testCatalogue)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "--catalogue: through the bcdr server (server.url) a scenario is planned from the server's catalogue")

	// The API reads --since 30d as the CLI does.
	code, body := a.call("vic", "GET", "/v1/runs?runbook=modes-held&since=30d", nil)
	assert.Equal(t, 200, code, "%v", body)
}
