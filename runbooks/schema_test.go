package runbooks

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
		{"runbook", schema, slices.Sorted(maps.Keys(d.runbookFields(&Runbook{}, &kind)))},
		{"metadata", prop(schema, "metadata"), slices.Sorted(maps.Keys(d.metadataFields(&Metadata{})))},
		{"policy", prop(schema, "policy"), slices.Sorted(maps.Keys(d.policyFields(&Policy{})))},
		{"objectives", prop(schema, "objectives"), slices.Sorted(maps.Keys(d.objectivesFields(&Objectives{})))},
		{"step", def(schema, "step"), slices.Sorted(maps.Keys(d.stepFields(&Step{})))},
		{"action", def(schema, "action"), slices.Sorted(maps.Keys(d.actionFields(&Action{}, "")))},
		{"drill", def(schema, "drill"), slices.Sorted(maps.Keys(d.drillFields(&DrillVariant{})))},
		{"retry", def(schema, "retry"), slices.Sorted(maps.Keys(d.retryFields(&Retry{})))},
		{"parameter", def(schema, "parameter"), slices.Sorted(maps.Keys(d.parameterFields(&Parameter{})))},
		{"probe", def(schema, "probe"), slices.Sorted(maps.Keys(d.probeFields(&Probe{})))},
		{"inject", def(schema, "inject"), slices.Sorted(maps.Keys(d.injectFields(&Inject{})))},
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
			assert.Equal(t, c.keys, got)
		})
	}
}

func prop(obj any, name string) any {
	props, _ := obj.(map[string]any)["properties"].(map[string]any)
	return props[name]
}

func def(schema map[string]any, name string) any {
	defs, _ := schema["$defs"].(map[string]any)
	return defs[name]
}
