//go:build cluster

package cluster

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startCluster starts a cluster for the test and stops it when the test ends, printing
// the logs' tails when the test failed; with BCDR_CLUSTER_LOGS=DIR every process's whole
// log is kept in DIR/TEST/.
func startCluster(t *testing.T) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	began := time.Now()
	c, err := Start(ctx, Options{Dir: t.TempDir()})
	require.NoError(t, err)
	t.Logf("cluster up in %s: PostgreSQL, schema, %v as separate processes, namespace %q (frontend %s)",
		time.Since(began).Round(time.Millisecond), Services, Namespace, c.Frontend)
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range c.processes() {
				t.Logf("--- %s (%s):\n%s", p.Name, p.Log, p.Tail(2000))
			}
		}
		if d := os.Getenv("BCDR_CLUSTER_LOGS"); d != "" {
			if err := keepLogs(c, filepath.Join(d, t.Name())); err != nil {
				t.Logf("BCDR_CLUSTER_LOGS: %v", err)
			}
		}
		c.Stop()
	})
	return c
}

// keepLogs copies every process's log into dir.
func keepLogs(c *Cluster, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range c.processes() {
		b, err := os.ReadFile(p.Log)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, filepath.Base(p.Log)), b, 0o644)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// TestSmokeRunbookOnTheCluster runs the production guide's smoke runbook with its command
// (`bcdr run deploy/smoke-test.yaml --wait`, which exits 0 when the run succeeded) on one
// region of bcdr on the cluster.
func TestSmokeRunbookOnTheCluster(t *testing.T) {
	c := startCluster(t)
	began := time.Now()
	_, err := c.StartRegion("region-a", RegionOptions{Workers: 1})
	require.NoError(t, err)
	t.Logf("region up in %s", time.Since(began).Round(time.Millisecond))
	out, err := c.Bcdr(map[string]string{"BCDR_IDENTITY_USER": "smoke"}, "run", "deploy/smoke-test.yaml", "--wait") // exits 0 when the run succeeded
	require.NoError(t, err, out)
	t.Logf("bcdr run deploy/smoke-test.yaml --wait:\n%s", out)
}

// TestTheBinaryIsTheImages: the harness runs bin/bcdr only when it carries make build's
// settings (the Makefile's tags, static, -trimpath), which deploy/Dockerfile's `make
// build` gives the image's binary; the Temporal server, built without the tags, is refused.
func TestTheBinaryIsTheImages(t *testing.T) {
	root, err := repoRoot()
	require.NoError(t, err)
	makefile := filepath.Join(root, "Makefile")
	require.NoError(t, checkImageBuild(makefile, filepath.Join(root, "bin", "bcdr")))
	err = checkImageBuild(makefile, filepath.Join(root, "bin", "temporal-server"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-tags="", make build's is "uigz"`)
}
