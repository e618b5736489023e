//go:build cluster

package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startCluster starts a cluster for the test and stops it when the test ends, printing
// the logs' tails when the test failed.
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
		c.Stop()
	})
	return c
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
