package main

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/workflows"
)

// peerRuns is how many runs of each tool measurement 6 takes the median of.
const peerRuns = 3

// The experiment both tools run: 20 HTTP probes and 5 HTTP actions, in sequence.
const (
	peerExperiment = "testdata/bench/http-probes.json" // Chaos Toolkit
	peerRunbook    = "testdata/bench/http-probes.yaml" // bcdr
	peerRequests   = 25
)

// benchPeer is measurement 6: the same HTTP-probe experiment run by Chaos Toolkit
// (`chaos run`) and by bcdr (`bcdr run --wait` against a running `bcdr dev`), each as the
// command a person would type: wall time of the command, and the size of what each keeps
// of the run (Chaos Toolkit's journal; bcdr's run record, and its evidence bundle).
func benchPeer(b *testing.B, t *benchTable) {
	chaos, err := exec.LookPath("chaos")
	if err != nil {
		b.Skip("chaos is not installed: pip install chaostoolkit")
	}
	var gets, posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/health":
			gets.Add(1)
			fmt.Fprintln(w, "ok")
		case r.Method == http.MethodPost && r.URL.Path == "/action":
			posts.Add(1)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintln(w, `{"done": true}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	check := func(who string) {
		require.Equal(b, int64(20), gets.Swap(0), "%s: probes the server saw", who)
		require.Equal(b, int64(5), posts.Swap(0), "%s: actions the server saw", who)
	}

	dir := b.TempDir()
	var chaosWall []time.Duration
	var journal int64
	for i := range peerRuns * b.N {
		path := filepath.Join(dir, fmt.Sprintf("journal-%d.json", i))
		cmd := exec.Command(chaos, "--no-version-check", "--no-log-file", "run",
			"--journal-path", path, "--var", "base_url="+srv.URL, peerExperiment)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		chaosWall = append(chaosWall, time.Since(start))
		require.NoError(b, err, "chaos run:\n%s", out)
		check("chaos")
		journal = fileSize(b, path)
		var j struct {
			Status string `json:"status"`
		}
		raw, err := os.ReadFile(path)
		require.NoError(b, err)
		require.NoError(b, json.Unmarshal(raw, &j))
		require.Equal(b, "completed", j.Status, "chaos journal status")
	}

	h, p, c := readyDev(b)
	var bcdrWall []time.Duration
	var record, bundle, hist int64
	for range peerRuns * b.N {
		cmd := h.command("run", peerRunbook, "--param", "base_url="+srv.URL, "--wait", "--output", "json")
		start := time.Now()
		out, err := cmd.Output()
		bcdrWall = append(bcdrWall, time.Since(start))
		require.NoError(b, err, "bcdr run:\n%s", out)
		check("bcdr")
		var st workflows.Status
		require.NoError(b, json.Unmarshal(out, &st))
		require.Equal(b, workflows.RunSucceeded, st.State)
		require.NotNil(b, st.Evidence, "evidence: %s", st.EvidenceError)
		record = int64(len(out))
		bundle = dirSize(b, st.Evidence.Location)
		hist = int64(historyBytes(b, c, st.RunID))
	}
	p.stop()

	mc, mb := median(chaosWall), median(bcdrWall)
	b.ReportMetric(ms(mc), "ms-chaos")
	b.ReportMetric(ms(mb), "ms-bcdr")
	t.add(benchRow{
		measure:  fmt.Sprintf("6 peer: %d HTTP probes+actions, command wall time (median)", peerRequests),
		bcdr:     fmt.Sprintf("%.2f s bcdr run --wait", mb.Seconds()),
		baseline: fmt.Sprintf("%.2f s chaos run", mc.Seconds()),
		ratio:    float64(mb) / float64(mc),
	})
	t.add(benchRow{
		measure: "6 peer: what is kept of a run: record (evidence bundle; history)",
		bcdr: fmt.Sprintf("%.1f KiB (%.1f KiB; %.1f KiB)", float64(record)/1024, float64(bundle)/1024,
			float64(hist)/1024),
		baseline: fmt.Sprintf("%.1f KiB journal", float64(journal)/1024),
		ratio:    float64(record) / float64(journal),
	})
}

func fileSize(b *testing.B, path string) int64 {
	b.Helper()
	fi, err := os.Stat(path)
	require.NoError(b, err)
	return fi.Size()
}

// dirSize is the total size of the files under dir.
func dirSize(b *testing.B, dir string) int64 {
	b.Helper()
	var n int64
	require.NoError(b, filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	}))
	return n
}

// historyBytes is the encoded size of a run's history.
func historyBytes(b *testing.B, c client.Client, id string) int {
	b.Helper()
	return readHistory(b, c, id).bytes
}
