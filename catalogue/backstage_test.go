package catalogue_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/internal/fixture"
)

func TestImportBackstage(t *testing.T) {
	src := fixture.Read(t, "testdata/backstage/catalog-info.yaml")
	c, diags := catalogue.ImportBackstage("catalog-info.yaml", src, "shop")
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	require.NotNil(t, c)
	assert.Equal(t, "catalog-info.yaml:29:7: warning: Component \"checkout\" depends on component:payments, which the import did not read; it is left out (import the file that defines it, or add it to the catalogue)\n"+
		"catalog-info.yaml:52:1: warning: Location \"shop\" is not followed when one file's text is imported; import the file or its folder to read its targets", diags.Error())

	require.Len(t, c.Services, 2)
	checkout, db := c.Service("checkout"), c.Service("orders-db")
	require.NotNil(t, checkout)
	require.NotNil(t, db)
	assert.Equal(t, "group:payments", checkout.Owner, "a bare owner is a group")
	assert.Equal(t, 1, checkout.Tier)
	assert.Equal(t, "Online sales", checkout.BusinessProcess, "the system's title")
	assert.Equal(t, []string{"orders-db"}, checkout.DependsOn, "system refs and refs to entities not read are left out")
	assert.Equal(t, map[string]string{"region": "us-east-1", "type": "service"}, checkout.Tags)
	assert.Equal(t, "group:dba", db.Owner)
	assert.Equal(t, "Order to cash", db.BusinessProcess, "the annotation wins over the system")
	assert.Len(t, c.Tiers, 3)

	// The written catalogue reads back and validates; only its own advice remains.
	var out bytes.Buffer
	require.NoError(t, catalogue.WriteYAML(&out, c))
	_, diags = catalogue.Parse("imported.yaml", out.Bytes())
	assert.False(t, diags.HasErrors(), "%s", diags.Error())
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

// A catalogue as Backstage installations keep it: a root Location naming Locations,
// a glob, a URL and a path outside the folder; namespaces; reverse relations; a real
// dependsOn cycle, a dangling ref and an invalid name. Everything a catalogue cannot
// hold is a finding with its place, and the result validates.
func TestImportBackstageTree(t *testing.T) {
	root := catalogue.ImportRoot{FS: os.DirFS("testdata/backstage-tree"), Label: "tree", Paths: []string{"all.yaml"}}
	c, diags := catalogue.ImportBackstageFS([]catalogue.ImportRoot{root}, catalogue.ImportOptions{Name: "tree"})
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	require.NotNil(t, c)
	var findings []string
	for _, d := range diags {
		if !strings.Contains(d.Message, "annotation; tier 3 assumed") {
			findings = append(findings, d.String())
		}
	}
	assert.Equal(t, []string{
		`tree/all.yaml:11:7: warning: Location target https://github.com/example/billing/blob/main/catalog-info.yaml is a URL; bcdr reads files only: fetch it and name the file`,
		`tree/all.yaml:12:7: warning: Location target "../outside.yaml" leaves the folder tree; it is not read`,
		`tree/components/api-gateway.yaml:13:7: warning: dependency cycle api-gateway -> search-service -> api-gateway; the dependency of "api-gateway" on "search-service" is left out so that the catalogue has a recovery order (decide which way it goes and fix it in Backstage)`,
		`tree/components/api-gateway.yaml:14:7: warning: Component "api-gateway" depends on resource:billing-db, which the import did not read; it is left out (import the file that defines it, or add it to the catalogue)`,
		`tree/components/invalid.yaml:4:9: warning: Component "-not-a-name-": Backstage refuses this name or namespace (1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit); it is not imported`,
		`tree/components/namespaces.yaml:9:15: warning: Component "alternative.web" depends on component:search-service, which the import did not read; it is left out (import the file that defines it, or add it to the catalogue)`,
	}, sortedByFile(findings))

	var names []string
	for _, s := range c.Services {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"alternative.web", "api-gateway", "cache", "search-indexer", "search-service", "web"}, names, "namespaces kept: two webs")
	gw := c.Service("api-gateway")
	assert.Equal(t, "group:redhat/platform", gw.Owner, "the owner's namespace is kept")
	assert.Equal(t, "Online shop", gw.BusinessProcess, "the system came through the glob")
	assert.Equal(t, []string{"cache"}, gw.DependsOn, "cache is a dependencyOf the gateway; the cycle's closing edge is gone")
	assert.Equal(t, map[string]string{"tag.java": "true", "tag.edge": "true", "type": "service"}, gw.Tags)
	assert.Equal(t, []string{"api-gateway", "search-indexer"}, c.Service("search-service").DependsOn, "a component needs its subcomponents")
	assert.Equal(t, "search-service", c.Service("search-indexer").Tags["subcomponent_of"])
	assert.Equal(t, "group:team-a", c.Service("alternative.web").Owner)
	assert.Equal(t, "alternative", c.Service("alternative.web").Tags["namespace"])

	var out bytes.Buffer
	require.NoError(t, catalogue.WriteYAML(&out, c))
	_, diags = catalogue.Parse("imported.yaml", out.Bytes())
	assert.False(t, diags.HasErrors(), "the result validates: %s", diags.Error())

	_, diags = catalogue.ImportBackstageFS([]catalogue.ImportRoot{root}, catalogue.ImportOptions{Name: "tree", Strict: true})
	require.True(t, diags.HasErrors(), "strict: the same findings are errors")
	assert.Contains(t, diags.Error(), "tree/components/api-gateway.yaml:13:7: dependency cycle")
}

// A folder is read whole, and a file named twice (by the user and by a Location) once.
func TestImportBackstageFolder(t *testing.T) {
	root := catalogue.ImportRoot{FS: os.DirFS("testdata/backstage-tree"), Label: "tree", Paths: []string{"components", "all.yaml"}}
	c, diags := catalogue.ImportBackstageFS([]catalogue.ImportRoot{root}, catalogue.ImportOptions{Name: "tree"})
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	assert.Len(t, c.Services, 6)
	assert.NotContains(t, diags.Error(), "defined twice")
}

func sortedByFile(lines []string) []string {
	out := slices.Clone(lines)
	slices.SortStableFunc(out, func(a, b string) int {
		fa, _, _ := strings.Cut(a, ":")
		fb, _, _ := strings.Cut(b, ":")
		return strings.Compare(fa, fb)
	})
	return out
}
