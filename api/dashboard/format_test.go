package dashboard

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// node runs an ES module snippet that imports static/js/format.js and prints JSON.
func node(t *testing.T, script string) []byte {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the dashboard's formatting is checked where it is (CI installs it with chromium)")
	}
	abs, err := filepath.Abs("static/js/format.js")
	require.NoError(t, err)
	cmd := exec.Command(bin, "--input-type=module", "-e", "import * as f from 'file://"+abs+"';\n"+script)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return out
}

// TestDashboardFormatsAsTheCLIDoes holds the dashboard's JavaScript to the Go functions
// every other surface uses: durations (runbooks.FormatDuration), the run's clock
// (workflows.Status.ElapsedAt) and the wording of decisions (workflows.Decision.Verb).
func TestDashboardFormatsAsTheCLIDoes(t *testing.T) {
	durations := []time.Duration{0, 850 * time.Millisecond, 999600 * time.Microsecond, 10830 * time.Millisecond, 10800 * time.Millisecond,
		59996 * time.Millisecond, 90 * time.Second, 3*time.Minute + 47*time.Second, 90 * time.Minute, 2160 * time.Hour,
		26*time.Hour + 30*time.Second, 36 * time.Hour, -5 * time.Second}
	ms := make([]float64, len(durations))
	for i, d := range durations {
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	in, _ := json.Marshal(ms)
	var got []string
	require.NoError(t, json.Unmarshal(node(t, "console.log(JSON.stringify("+string(in)+".map(f.dur)))"), &got))
	for i, d := range durations {
		assert.Equal(t, runbooks.FormatDuration(d), got[i], "%s", d)
	}

	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	start := now.Add(-(2*time.Minute + 52*time.Second))
	runs := []workflows.Status{
		{StartedAt: start, Elapsed: 21 * time.Millisecond},
		{StartedAt: start, ClockStart: start.Add(-time.Hour)},
		{StartedAt: start, ClockStart: start, EndedAt: start.Add(30 * time.Second)},
		{StartedAt: now.Add(time.Second)},
		{},
	}
	records, _ := json.Marshal(runs)
	var clocks []float64
	require.NoError(t, json.Unmarshal(node(t, "console.log(JSON.stringify("+string(records)+".map(st => f.elapsedMs(st, "+itoa(now.UnixMilli())+"))))"), &clocks))
	for i, st := range runs {
		assert.Equal(t, float64(st.ElapsedAt(now).Milliseconds()), clocks[i], "run %d", i)
	}

	type decision struct {
		Mode    workflows.Mode `json:"mode"`
		Uses    string         `json:"uses"`
		Approve bool           `json:"approve"`
	}
	decisions := []decision{{workflows.ModeTabletop, "approval", true}, {workflows.ModeLive, "approval", true}, {workflows.ModeDrill, "approval", false},
		{workflows.ModeLive, "manual", true}, {workflows.ModeTabletop, "manual", true}}
	ds, _ := json.Marshal(decisions)
	var verbs []string
	require.NoError(t, json.Unmarshal(node(t, "console.log(JSON.stringify("+string(ds)+".map(d => f.decisionVerb(d.mode, d.uses, d.approve))))"), &verbs))
	for i, d := range decisions {
		assert.Equal(t, workflows.Decision{Approve: d.Approve}.Verb(d.Mode, d.Uses), verbs[i], "%+v", d)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
