package runbooks

import (
	"encoding/json"
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
	d := &decoder{reporter: &reporter{}, pos: positions{}}
	var kind string
	cases := []struct {
		name   string
		schema any
		keys   []string
	}{
		{"runbook", schema, keysOf(d.runbookFields(&Runbook{}, &kind))},
		{"metadata", prop(schema, "metadata"), keysOf(d.metadataFields(&Metadata{}))},
		{"objectives", prop(schema, "objectives"), keysOf(d.objectivesFields(&Objectives{}))},
		{"step", def(schema, "step"), keysOf(d.stepFields(&Step{}))},
		{"action", def(schema, "action"), keysOf(d.actionFields(&Action{}, ""))},
		{"drill", def(schema, "drill"), keysOf(d.drillFields(&DrillVariant{}))},
		{"retry", def(schema, "retry"), keysOf(d.retryFields(&Retry{}))},
		{"parameter", def(schema, "parameter"), keysOf(d.parameterFields(&Parameter{}))},
		{"probe", def(schema, "probe"), keysOf(d.probeFields(&Probe{}))},
		{"inject", def(schema, "inject"), keysOf(d.injectFields(&Inject{}))},
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
