package runbooks

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/internal/yamlnode"
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
		{"runbook", schema, yamlnode.KeysOf(d.runbookFields(&Runbook{}, &kind))},
		{"metadata", prop(schema, "metadata"), yamlnode.KeysOf(d.metadataFields(&Metadata{}))},
		{"objectives", prop(schema, "objectives"), yamlnode.KeysOf(d.objectivesFields(&Objectives{}))},
		{"step", def(schema, "step"), yamlnode.KeysOf(d.stepFields(&Step{}))},
		{"action", def(schema, "action"), yamlnode.KeysOf(d.actionFields(&Action{}, ""))},
		{"drill", def(schema, "drill"), yamlnode.KeysOf(d.drillFields(&DrillVariant{}))},
		{"retry", def(schema, "retry"), yamlnode.KeysOf(d.retryFields(&Retry{}))},
		{"parameter", def(schema, "parameter"), yamlnode.KeysOf(d.parameterFields(&Parameter{}))},
		{"probe", def(schema, "probe"), yamlnode.KeysOf(d.probeFields(&Probe{}))},
		{"inject", def(schema, "inject"), yamlnode.KeysOf(d.injectFields(&Inject{}))},
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
