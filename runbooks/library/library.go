// Package library holds bcdr's ready runbooks, embedded in the binary so that
// `bcdr demo` and the tests need no files beside it. Each is a YAML file in this folder.
package library

import "embed"

// FS holds every runbook of the library (*.yaml).
//
//go:embed *.yaml
var FS embed.FS
