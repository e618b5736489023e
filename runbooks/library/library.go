// Package library holds the ready runbooks that ship with bcdr (region failover,
// database promotion, restore and replication tests, tabletops and the loopback demo),
// embedded so that the binary can list, validate and run them without the source tree.
//
// Each file is a runbook in the format of package runbooks; load one with
// runbooks.Load(library.FS, "demo-failover.yaml", reg).
package library

import "embed"

// FS holds the library's runbooks, one *.yaml file each, at its root.
//
//go:embed *.yaml
var FS embed.FS
