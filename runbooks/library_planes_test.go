package runbooks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
	"github.com/bcdr/bcdr/internal/librarytest"
	"github.com/bcdr/bcdr/runbooks"
)

// failovers are the library's region failovers: each evacuates its primary region.
var failovers = []string{
	"aws-region-failover-web.yaml", "ecs-service-region-failover.yaml",
	"dynamodb-global-table-switch.yaml", "rds-promote-read-replica.yaml",
}

// TestLibraryFailoversStayOffTheEvacuatedControlPlanes: every region failover says which
// region it evacuates, and its live path calls no control plane there (no warnings with
// the real AWS kinds); switched to the documented DNS fallback (traffic_switch: dns,
// Route 53's API), the same runbooks are warned about at their DNS steps.
func TestLibraryFailoversStayOffTheEvacuatedControlPlanes(t *testing.T) {
	reg := librarytest.Registry(t)
	for _, f := range failovers {
		t.Run(f, func(t *testing.T) {
			src := fixture.Read(t, filepath.Join("library", f))
			rb, diags := runbooks.Parse(f, src, reg)
			require.Empty(t, diags, "%s", diags.Error())
			assert.Equal(t, "${{ params.primary_region }}", rb.Objectives.Evacuates)
			for _, s := range runbooks.NewPlan(rb, reg).Steps {
				if strings.HasPrefix(s.Uses, "aws.route53.") {
					assert.NotEmpty(t, rb.Step(s.ID).When, "%s: a Route 53 API step is a fallback, off the default live path", s.ID)
				}
			}

			old := strings.Replace(string(src), "    default: arc\n", "    default: dns\n", 1)
			require.NotEqual(t, string(src), old)
			_, diags = runbooks.Parse(f, []byte(old), reg)
			require.False(t, diags.HasErrors(), "%s", diags.Error())
			var warned []string
			for _, d := range diags {
				assert.Equal(t, runbooks.SeverityWarning, d.Severity)
				assert.Contains(t, d.Message, "lives in us-east-1, the region this runbook evacuates")
				warned = append(warned, d.Message[:strings.Index(d.Message, " uses ")])
			}
			assert.NotEmpty(t, warned, "the DNS API path while evacuating us-east-1 is warned about")
		})
	}
}

// TestOldFailoverDesignIsWarned: the library's web failover as it was before it switched
// on ARC (Route 53's API on the live path, the database's rollback into the primary
// region), given objectives.evacuates, is warned about at each of those places.
func TestOldFailoverDesignIsWarned(t *testing.T) {
	rb, diags := runbooks.Load(os.DirFS("testdata/evacuation"), "old-aws-region-failover-web.yaml", librarytest.Registry(t))
	require.NotNil(t, rb, "%s", diags.Error())
	var got []string
	for _, d := range diags {
		require.Equal(t, runbooks.SeverityWarning, d.Severity, d.String())
		got = append(got, d.Message[:strings.Index(d.Message, " uses ")])
	}
	assert.Equal(t, []string{
		`step "confirm_impact"`,
		`the rollback of step "promote_db"`,
		`step "switch_dns"`,
		`the rollback of step "switch_dns"`,
		`step "dns_insync"`,
	}, got)
}
