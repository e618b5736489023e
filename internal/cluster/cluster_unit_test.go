package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"gopkg.in/yaml.v3"
)

// TestDynamicConfigFile: each key holds a list of one constraint-free value, the layout
// Temporal's file-based dynamic config reads (config/dynamicconfig in the server module).
func TestDynamicConfigFile(t *testing.T) {
	assert.Equal(t, "{}\n", string(dynamicConfigFile(nil)))
	var got map[string][]map[string]any
	assert.NoError(t, yaml.Unmarshal(dynamicConfigFile(map[string]any{
		"history.transferProcessorMaxPollRPS": 10000, "system.enableEagerWorkflowStart": true,
	}), &got))
	assert.Equal(t, map[string][]map[string]any{
		"history.transferProcessorMaxPollRPS": {{"value": 10000}},
		"system.enableEagerWorkflowStart":     {{"value": true}},
	}, got)
}
