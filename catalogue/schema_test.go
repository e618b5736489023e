package catalogue

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/fixture"
)

// TestSchemaListsParserKeys keeps the JSON Schema and the parser from drifting: every
// object of the schema allows exactly the keys the decoder accepts, and the disruptions
// it names are the parser's.
func TestSchemaListsParserKeys(t *testing.T) {
	d := newDecoder(&reporter{})
	var kind string
	fixture.CheckSchemaKeys(t, Schema, []fixture.SchemaObject{
		{Name: "catalogue", Object: fixture.Root, Keys: fixture.Keys(d.catalogueFields(&Catalogue{}, &kind))},
		{Name: "metadata", Object: fixture.Prop("metadata"), Keys: fixture.Keys(d.metadataFields(&Metadata{}))},
		{Name: "tier", Object: fixture.Def("tier"), Keys: fixture.Keys(d.tierFields(&TierPolicy{}))},
		{Name: "targets", Object: fixture.Def("targets"), Keys: disruptionNames()},
		{Name: "target", Object: fixture.Def("target"), Keys: fixture.Keys(d.targetFields(&Target{}, ""))},
		{Name: "service", Object: fixture.Def("service"), Keys: fixture.Keys(d.serviceFields(&Service{}))},
		{Name: "runbook", Object: fixture.Def("runbook"), Keys: fixture.Keys(d.runbookRefFields(&RunbookRef{}))},
		{Name: "contact", Object: fixture.Def("contact"), Keys: fixture.Keys(d.contactFields(&Contact{}))},
		{Name: "scenario", Object: fixture.Def("scenario"), Keys: fixture.Keys(d.scenarioFields(&Scenario{}))},
		{Name: "select", Object: fixture.Def("select"), Keys: fixture.Keys(d.selectFields(&Selector{}))},
	})
	var schema map[string]any
	require.NoError(t, json.Unmarshal(Schema, &schema))
	disruption, ok := fixture.Def("disruption")(schema).(map[string]any)
	require.True(t, ok, "schema has disruption")
	assert.ElementsMatch(t, disruptionNames(), disruption["enum"])
}
