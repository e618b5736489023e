package catalogue_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
)

func TestImportBackstage(t *testing.T) {
	src, err := os.ReadFile("testdata/backstage/catalog-info.yaml")
	require.NoError(t, err)
	c, diags := catalogue.ImportBackstage("catalog-info.yaml", src, "shop")
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	require.NotNil(t, c)
	assert.Equal(t, "catalog-info.yaml:29:7: warning: Component \"checkout\" depends on component:payments, which the file does not define; add it to the catalogue", diags.Error())

	require.Len(t, c.Services, 2)
	checkout, db := c.Service("checkout"), c.Service("orders-db")
	require.NotNil(t, checkout)
	require.NotNil(t, db)
	assert.Equal(t, "group:payments", checkout.Owner, "a bare owner is a group")
	assert.Equal(t, 1, checkout.Tier)
	assert.Equal(t, "Online sales", checkout.BusinessProcess, "the system's title")
	assert.Equal(t, []string{"orders-db", "payments"}, checkout.DependsOn, "system refs are left out")
	assert.Equal(t, map[string]string{"region": "us-east-1", "type": "service"}, checkout.Tags)
	assert.Equal(t, "group:dba", db.Owner)
	assert.Equal(t, "Order to cash", db.BusinessProcess, "the annotation wins over the system")
	assert.Len(t, c.Tiers, 3)

	// The written catalogue reads back; the dependency the file lacked is reported.
	var out bytes.Buffer
	require.NoError(t, catalogue.WriteYAML(&out, c))
	_, diags = catalogue.Parse("imported.yaml", out.Bytes())
	require.Len(t, diags, 3, "%s", diags.Error())
	assert.Contains(t, diags.Error(), `service "checkout" depends on unknown service "payments"`)
	assert.Contains(t, diags.Error(), `warning: critical service "checkout" (tier 1) has no runbook`)
}

func TestImportBackstageReportsProblems(t *testing.T) {
	_, diags := catalogue.ImportBackstage("x.yaml", []byte("kind: Component\nmetadata: {name: a, annotations: {bcdr.io/tier: high}}\nspec: {}\n---\nkind: Group\nmetadata: {}\n"), "x")
	assert.Equal(t, "x.yaml:1:1: Component \"a\" has no spec.owner\n"+
		"x.yaml:2:49: annotation bcdr.io/tier must be a tier number, got \"high\"\n"+
		"x.yaml:5:1: Group entity has no metadata.name", diags.Error())

	_, diags = catalogue.ImportBackstage("x.yaml", []byte("kind: Group\nmetadata: {name: g}\n"), "x")
	assert.Equal(t, "x.yaml:1:1: no Component or Resource entity to import", diags.Error())
}

// TestWriteYAMLRoundTrips writes the sample catalogue and reads it back unchanged.
func TestWriteYAMLRoundTrips(t *testing.T) {
	c, _, _ := loadSample(t)
	var out bytes.Buffer
	require.NoError(t, catalogue.WriteYAML(&out, c))
	back, diags := catalogue.Parse(samplePath, out.Bytes())
	require.Empty(t, diags, "%s", diags.Error())
	for i := range c.Services {
		a, b := c.Services[i], back.Services[i]
		a.Pos = b.Pos
		for k := range a.Runbooks {
			a.Runbooks[k].Pos = b.Runbooks[k].Pos
		}
		assert.Equal(t, a, b)
	}
	assert.Equal(t, len(c.Scenarios), len(back.Scenarios))
	assert.Equal(t, c.Scenarios[0].Select, back.Scenarios[0].Select)
	assert.Equal(t, c.Tiers[0].Targets, back.Tiers[0].Targets)
}
