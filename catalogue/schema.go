package catalogue

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the catalogue format, for editors and CI
// linters. Parse checks more than the schema can: dependencies and their cycles, tiers,
// and (LoadRunbooks) the runbooks the services name.
//
//go:embed schema/catalogue.schema.json
var Schema []byte
