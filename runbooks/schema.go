package runbooks

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the runbook format, for editors and CI
// linters. Parse checks more than the schema can: kinds, inputs, the graph, expressions.
//
//go:embed schema/runbook.schema.json
var Schema []byte
