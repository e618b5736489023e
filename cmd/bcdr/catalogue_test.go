package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// The catalogue, scenario plan and coverage commands need no engine: these tests run
// the CLI in-process.

const (
	sampleCatalogue = "../../runbooks/library/catalogue/driftwood-outfitters.yaml"
	testCatalogue   = "testdata/catalogue/catalogue.yaml"
)

// TestCatalogueValidate checks the sample with the binary's real step kinds, and that a
// catalogue with a cycle, an unknown dependency and a target conflict gets all three
// reported with their places, in one pass.
func TestCatalogueValidate(t *testing.T) {
	e := newEnv(t)
	out := e.mustCLI("catalogue", "validate", sampleCatalogue, testCatalogue)
	assert.Contains(t, out, sampleCatalogue+": valid (20 services, 7 runbooks, 3 scenarios)")
	assert.Contains(t, out, testCatalogue+": valid (5 services, 3 runbooks, 1 scenario)")

	bad := "../../catalogue/testdata/invalid/cycle-unknown-conflict.yaml"
	out, _, code := e.cli("catalogue", "validate", "--catalogue", bad)
	assert.Equal(t, 1, code)
	assert.Equal(t, strings.Join([]string{
		bad + `:14:18: dependency cycle: web -> api -> db -> web`,
		bad + `:21:22: service "api" depends on unknown service "cache"`,
		bad + `:30:15: runbook failover-db declares rpo 15m, looser than service "db"'s region target of 5m`,
		bad + `:30:15: runbook failover-db declares rto 1h, looser than service "db"'s region target of 30m`,
	}, "\n")+"\n", out)

	var results []struct {
		Valid    bool `json:"valid"`
		Problems []struct {
			Line, Col int
		} `json:"problems"`
	}
	out, _, code = e.cli("catalogue", "validate", bad, "-o", "json")
	assert.Equal(t, 1, code)
	require.NoError(t, json.Unmarshal([]byte(out), &results))
	require.Len(t, results, 1)
	assert.False(t, results[0].Valid)
	assert.Len(t, results[0].Problems, 4)

	_, errOut, code := e.cli("scenario", "plan", "x", "--catalogue", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "catalogue "+bad+" is invalid")
}

func TestCatalogueServicesAndSchema(t *testing.T) {
	e := newEnv(t)
	out := e.mustCLI("catalogue", "services", "--catalogue", sampleCatalogue)
	assert.Regexp(t, `checkout\s+1\s+group:payments\s+Order to cash\s+45m/15m\s+payments, orders-db, sessions, inventory\s+ecs-service-region-failover \(region\)`, out)
	var c catalogue.Catalogue
	require.NoError(t, json.Unmarshal([]byte(e.mustCLI("catalogue", "services", "--catalogue", sampleCatalogue, "-o", "json")), &c))
	assert.Len(t, c.Services, 20)
	var schema map[string]any
	require.NoError(t, json.Unmarshal([]byte(e.mustCLI("catalogue", "schema")), &schema))
	assert.Equal(t, "bcdr service catalogue", schema["title"])
}

// TestCatalogueImportBackstage turns a Backstage file into a catalogue that validates
// as it is printed, and a tree of files through its root Location; --strict makes what
// the import left out an error.
func TestCatalogueImportBackstage(t *testing.T) {
	e := newEnv(t)
	out, errOut, code := e.cli("catalogue", "import", "../../catalogue/testdata/backstage/catalog-info.yaml", "--name", "shop")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "depends on component:payments, which the import did not read; it is left out")
	file := filepath.Join(e.dir, "catalogue.yaml")
	require.NoError(t, os.WriteFile(file, []byte(out), 0o600))
	got := e.mustCLI("catalogue", "validate", file)
	assert.Contains(t, got, file+": valid (2 services, 0 runbooks, 0 scenarios)")
	assert.Contains(t, got, `warning: critical service "checkout" (tier 1) has no runbook`)

	tree := "../../catalogue/testdata/backstage-tree"
	out, errOut, code = e.cli("catalogue", "import", tree+"/all.yaml")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, tree+"/components/api-gateway.yaml:13:7: warning: dependency cycle api-gateway -> search-service -> api-gateway")
	assert.Contains(t, out, "name: backstage-tree")
	require.NoError(t, os.WriteFile(file, []byte(out), 0o600))
	assert.Contains(t, e.mustCLI("catalogue", "validate", file), "valid (6 services")

	_, errOut, code = e.cli("catalogue", "import", tree, "--strict")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, tree+"/components/api-gateway.yaml:13:7: dependency cycle")

	_, errOut, code = e.cli("catalogue", "import", "nothere.yaml")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, "nothere.yaml: no such file or directory (give a catalog-info.yaml or a folder of them)")
}

// TestScenarioPlanOverSample plans the loss of us-east-1 over the sample catalogue.
func TestScenarioPlanOverSample(t *testing.T) {
	e := newEnv(t)
	out := e.mustCLI("scenario", "plan", "us-east-1-lost", "--catalogue", sampleCatalogue)
	assert.Contains(t, out, "affected   18 services: 16 hit directly, 2 through their dependencies")
	// The library runbooks' estimates change with them: the times are not pinned here.
	assert.Regexp(t, `(?m)^critical   \S+( -> \S+)* -> storefront$`, out)
	assert.Regexp(t, `(?m)^1\s+orders-db\s+1\s+rds-promote-read-replica\s+\+0s\s+\+\S+\s+1h\s+(yes|NO)$`, out)
	assert.Regexp(t, `(?m)^4\s+storefront\s+1\s+aws-region-failover-web\s+\+\S+\s+\+\S+\s+1h\s+(yes|NO)$`, out)

	var p catalogue.ScenarioPlan
	require.NoError(t, json.Unmarshal([]byte(e.mustCLI("scenario", "plan", "us-east-1-lost", "--catalogue", sampleCatalogue, "-o", "json")), &p))
	assert.Len(t, p.Runbook.Steps, 16)
	assert.Contains(t, e.mustCLI("scenario", "plan", "us-east-1-lost", "--catalogue", sampleCatalogue, "-o", "mermaid"), "flowchart")

	out = e.mustCLI("scenario", "list", "--catalogue", sampleCatalogue)
	assert.Regexp(t, `us-east-1-lost\s+region\s+18\s+16\s+\S+\s+\d+\s+AWS region us-east-1 lost`, out)

	_, errOut, code := e.cli("scenario", "plan", "us-east-1-lots", "--catalogue", sampleCatalogue)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `scenario "us-east-1-lots" is not in catalogue driftwood-outfitters (did you mean "us-east-1-lost"?)`)
}

// TestCoverageFromResults feeds the coverage report run results from a file: it flags
// the service without a runbook and the one whose last drill missed its RTO.
func TestCoverageFromResults(t *testing.T) {
	e := newEnv(t)
	results := filepath.Join(e.dir, "runs.json")
	require.NoError(t, os.WriteFile(results, []byte(`[
  {"runId": "r1", "runbook": "db-failover", "service": "db", "mode": "drill", "outcome": "succeeded",
   "startedAt": "2099-01-01T10:00:00Z", "rtoActual": 720000000000},
  {"runId": "r1", "runbook": "db-failover", "service": "db", "mode": "drill", "outcome": "succeeded",
   "startedAt": "2099-01-01T10:00:00Z", "rtoActual": 720000000000},
  {"runId": "r2", "runbook": "restart", "service": "api", "mode": "drill", "outcome": "succeeded",
   "startedAt": "2099-01-01T10:00:00Z", "rtoActual": 60000000000}
]`), 0o600))
	args := []string{"coverage", "--catalogue", testCatalogue, "--no-engine", "--results", results}
	out := e.mustCLI(args...)
	assert.Contains(t, out, "- **db** (tier 1) `rto-missed`: the last drill of db-failover for db (2099-01-01) took 12m, over db's RTO of 10m")
	assert.Contains(t, out, "- **reports** (tier 2) `no-runbook`: reports (tier 2) has no runbook")
	assert.Contains(t, out, "| api | 1 | group:web | region 10m / 1m | restart (region) | 2099-01-01 drill succeeded | 1m |")
	assert.NotContains(t, out, "**api**", "api is proven")

	var rep catalogue.Report
	require.NoError(t, json.Unmarshal([]byte(e.mustCLI(append(args, "-o", "json")...)), &rep))
	for _, s := range rep.Services {
		if s.Service == "db" {
			assert.Equal(t, 1, s.Runbooks[0].Runs, "a run given twice counts once")
		}
	}
	assert.Contains(t, e.mustCLI(append(args, "-o", "html")...), "<h1>Recovery coverage: e2e-shop</h1>")
	assert.Contains(t, e.mustCLI(append(args, "-o", "csv")...), "reports,2,group:data,,,,,,0,,,,,,,,false,no-runbook")
}

// TestCoverageFromEvidence reads the runs from the evidence store, which outlives the
// engine's retention: a drill 200 days old still proves its service, a run started
// before --since is left out, and a record changed after it was written is not trusted.
func TestCoverageFromEvidence(t *testing.T) {
	e := newEnv(t)
	store, err := evidence.NewFileStore(filepath.Join(e.dir, "data", "evidence"))
	require.NoError(t, err)
	now := time.Now().UTC()
	day := 24 * time.Hour
	// Each drill ran the catalogue's runbook byte for byte, authorized for its service,
	// so that it proves the service (runbooks.Proof).
	drill := func(runID, runbook, service string, ended time.Time, rto time.Duration) {
		src, err := os.ReadFile(filepath.Join("testdata", "catalogue", "runbooks", runbook+".yaml"))
		require.NoError(t, err)
		_, err = store.Append(context.Background(), workflows.Status{
			RunID: runID, Runbook: runbook, Service: service, Mode: workflows.ModeDrill, State: workflows.RunSucceeded,
			Digest: runbooks.Digest(src), Authorized: []string{service},
			StartedAt: ended.Add(-rto), EndedAt: ended, RTOActual: rto, RTOTarget: 10 * time.Minute,
			Steps: []workflows.StepState{{ID: "a", Uses: "noop", Status: workflows.StepSucceeded}},
		})
		require.NoError(t, err)
	}
	drill("db-old", "db-failover", "db", now.Add(-500*day), 2*time.Minute) // before --since
	drill("db-200", "db-failover", "db", now.Add(-200*day), 12*time.Minute)
	drill("api-1", "restart", "api", now.Add(-20*day), time.Minute)
	drill("api-2", "restart", "api", now.Add(-10*day), time.Minute)
	// A drill of a changed copy of restart proves nothing (runbooks.Proof), though it
	// is the newest.
	_, err = store.Append(context.Background(), workflows.Status{
		RunID: "api-copy", Runbook: "restart", Service: "api", Mode: workflows.ModeDrill, State: workflows.RunSucceeded,
		Digest: runbooks.Digest([]byte("a changed copy")), Authorized: []string{"api"},
		StartedAt: now.Add(-5 * day), EndedAt: now.Add(-5*day + time.Minute),
		Steps: []workflows.StepState{{ID: "a", Uses: "noop", Status: workflows.StepSucceeded}},
	})
	require.NoError(t, err)
	// Change api-2's record after the fact.
	ms, err := store.List(context.Background())
	require.NoError(t, err)
	tampered := ms[len(ms)-2]
	require.Equal(t, "api-2", tampered.RunID)
	matches, err := filepath.Glob(filepath.Join(e.dir, "data", "evidence", "*", "*-api-2", evidence.RecordFile))
	require.NoError(t, err)
	require.Len(t, matches, 1)
	require.NoError(t, os.WriteFile(matches[0], []byte(`{"runId":"api-2","rtoActual":1}`), 0o600))

	var rep catalogue.Report
	out, errOut, code := e.cli("coverage", "--catalogue", testCatalogue, "--no-engine", "-o", "json")
	require.Equal(t, 0, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Contains(t, errOut, "warning: evidence bundle 4 (run api-2) left out: its record cannot be read or was changed")
	last := map[string]string{}
	for _, s := range rep.Services {
		if s.LastDrill != nil {
			last[s.Service] = s.LastDrill.RunID
		}
	}
	assert.Equal(t, map[string]string{"db": "db-200", "api": "api-1"}, last,
		"the 200-day-old drill counts; the 500-day-old one is before --since; the changed record and the changed copy do not count")
	gaps := map[string][]catalogue.GapKind{}
	for _, g := range rep.Gaps {
		gaps[g.Service] = append(gaps[g.Service], g.Kind)
	}
	assert.Contains(t, gaps["db"], catalogue.GapRTOMissed, "the evidence record's RTO is read")

	// --no-evidence leaves the store out.
	out = e.mustCLI("coverage", "--catalogue", testCatalogue, "--no-engine", "--no-evidence", "-o", "json")
	rep = catalogue.Report{}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	for _, s := range rep.Services {
		assert.Nil(t, s.LastDrill, s.Service)
	}
}
