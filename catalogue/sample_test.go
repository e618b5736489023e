package catalogue_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/internal/librarytest"
	"github.com/bcdr/bcdr/runbooks"
)

// samplePath is the sample catalogue of the library: Driftwood Outfitters, a
// fictional online shop of 20 services.
const samplePath = "../runbooks/library/catalogue/driftwood-outfitters.yaml"

// loadSample checks the sample catalogue and its runbooks.
func loadSample(t testing.TB) (*catalogue.Catalogue, catalogue.Runbooks, *runbooks.Registry) {
	return librarytest.Sample(t, samplePath)
}

// TestSampleDrillRecordsAreInTheirZones checks every service's runbooks in the sample
// as a drill would run them: a Route 53 step whose drill variant points another name
// than the live record must keep that name in the live record's zone (the hosted zone
// id is the same), or the drill fails at that step. Zones are ids here, so the check is
// that the drill name lies under the live record's parent domain.
func TestSampleDrillRecordsAreInTheirZones(t *testing.T) {
	c, rbs, _ := loadSample(t)
	checked := 0
	for _, svc := range c.Services {
		for _, ref := range svc.Runbooks {
			rb := rbs[ref.Path]
			require.NotNil(t, rb, ref.Path)
			params, err := runbooks.ResolveParams(rb, ref.Params)
			require.NoError(t, err, "%s: %s", svc.Name, ref.Path)
			scope := runbooks.Scope{Params: params, Mode: "drill"}
			for _, st := range rb.Steps {
				d, ok := st.DrillAction()
				if st.Drill == nil || !ok || d.Uses != "aws.route53.upsert_record" || d.With["name"] == nil {
					continue
				}
				where := svc.Name + ": " + rb.Metadata.Name + " step " + st.ID
				liveStep := st
				if st.Uses != d.Uses {
					// a data-plane switch (ARC) drilled on a drill name: the live name is the
					// one its Route 53 fallback moves, in the same zone
					fallback := rb.Step("switch_dns")
					require.NotNil(t, fallback, "%s: no switch_dns fallback to compare the drill name with", where)
					require.Equal(t, fallback.With["hosted_zone_id"], d.With["hosted_zone_id"], "%s: the drill changes zones", where)
					liveStep = *fallback
				} else {
					require.NotContains(t, st.Drill.With, "hosted_zone_id", "%s: the drill changes zones; check it another way", where)
				}
				live, err := runbooks.Expand(liveStep.With["name"], scope)
				require.NoError(t, err, where)
				drill, err := runbooks.Expand(d.With["name"], scope)
				require.NoError(t, err, where)
				_, parent, _ := strings.Cut(strings.TrimSuffix(live.(string), "."), ".")
				assert.True(t, strings.HasSuffix(strings.TrimSuffix(drill.(string), "."), "."+parent),
					"%s: the drill name %q is outside the zone of %q", where, drill, live)
				checked++
			}
		}
	}
	assert.NotZero(t, checked, "the sample has drills that point a drill name")
}
