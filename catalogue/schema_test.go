package catalogue

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSchemaListsParserKeys keeps the JSON Schema and the parser from drifting: every
// object of the schema allows exactly the keys the decoder accepts.
func TestSchemaListsParserKeys(t *testing.T) {
	var schema map[string]any
	require.NoError(t, json.Unmarshal(Schema, &schema), "the schema is valid JSON")
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", schema["$schema"])
	d := newDecoder(&reporter{})
	var kind string
	cases := []struct {
		name   string
		schema any
		keys   []string
	}{
		{"catalogue", schema, slices.Sorted(maps.Keys(d.catalogueFields(&Catalogue{}, &kind)))},
		{"metadata", prop(schema, "metadata"), slices.Sorted(maps.Keys(d.metadataFields(&Metadata{})))},
		{"tier", def(schema, "tier"), slices.Sorted(maps.Keys(d.tierFields(&TierPolicy{})))},
		{"targets", def(schema, "targets"), disruptionNames()},
		{"target", def(schema, "target"), slices.Sorted(maps.Keys(d.targetFields(&Target{}, "")))},
		{"service", def(schema, "service"), slices.Sorted(maps.Keys(d.serviceFields(&Service{})))},
		{"runbook", def(schema, "runbook"), slices.Sorted(maps.Keys(d.runbookRefFields(&RunbookRef{})))},
		{"contact", def(schema, "contact"), slices.Sorted(maps.Keys(d.contactFields(&Contact{})))},
		{"scenario", def(schema, "scenario"), slices.Sorted(maps.Keys(d.scenarioFields(&Scenario{})))},
		{"select", def(schema, "select"), slices.Sorted(maps.Keys(d.selectFields(&Selector{})))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj, ok := c.schema.(map[string]any)
			require.True(t, ok, "schema has %s", c.name)
			assert.Equal(t, false, obj["additionalProperties"], "unknown keys are rejected, as the parser does")
			props, _ := obj["properties"].(map[string]any)
			got := make([]string, 0, len(props))
			for k := range props {
				got = append(got, k)
			}
			sort.Strings(got)
			want := append([]string(nil), c.keys...)
			sort.Strings(want)
			assert.Equal(t, want, got)
		})
	}
	enum := def(schema, "disruption").(map[string]any)["enum"]
	assert.ElementsMatch(t, disruptionNames(), enum)
}

func prop(obj any, name string) any {
	props, _ := obj.(map[string]any)["properties"].(map[string]any)
	return props[name]
}

func def(schema map[string]any, name string) any {
	defs, _ := schema["$defs"].(map[string]any)
	return defs[name]
}
