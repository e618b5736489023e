package runbooks

import (
	"testing"

	"github.com/bcdr/bcdr/internal/fixture"
)

// TestSchemaListsParserKeys keeps the JSON Schema and the parser from drifting: every
// object of the schema allows exactly the keys the decoder accepts.
func TestSchemaListsParserKeys(t *testing.T) {
	d := newDecoder(&reporter{})
	var kind string
	fixture.CheckSchemaKeys(t, Schema, []fixture.SchemaObject{
		{Name: "runbook", Object: fixture.Root, Keys: fixture.Keys(d.runbookFields(&Runbook{}, &kind))},
		{Name: "metadata", Object: fixture.Prop("metadata"), Keys: fixture.Keys(d.metadataFields(&Metadata{}))},
		{Name: "policy", Object: fixture.Prop("policy"), Keys: fixture.Keys(d.policyFields(&Policy{}))},
		{Name: "objectives", Object: fixture.Prop("objectives"), Keys: fixture.Keys(d.objectivesFields(&Objectives{}))},
		{Name: "step", Object: fixture.Def("step"), Keys: fixture.Keys(d.stepFields(&Step{}))},
		{Name: "action", Object: fixture.Def("action"), Keys: fixture.Keys(d.actionFields(&Action{}, ""))},
		{Name: "drill", Object: fixture.Def("drill"), Keys: fixture.Keys(d.drillFields(&DrillVariant{}))},
		{Name: "retry", Object: fixture.Def("retry"), Keys: fixture.Keys(d.retryFields(&Retry{}))},
		{Name: "parameter", Object: fixture.Def("parameter"), Keys: fixture.Keys(d.parameterFields(&Parameter{}))},
		{Name: "probe", Object: fixture.Def("probe"), Keys: fixture.Keys(d.probeFields(&Probe{}))},
		{Name: "inject", Object: fixture.Def("inject"), Keys: fixture.Keys(d.injectFields(&Inject{}))},
	})
}
