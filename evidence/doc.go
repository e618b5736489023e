// Package evidence turns a finished run's record into an evidence bundle and keeps the
// bundles in a tamper-evident chain. A bundle holds the record (record.json), a readable
// report (report.md, report.html; for a tabletop, the after-action report), a JUnit XML
// file for CI systems (junit.xml) and a manifest with the SHA-256 of each file, the
// bundle's place in the chain and the hash of the bundle before it. Editing, removing or
// reordering any bundle breaks the chain, which Verify reports.
//
// Stores: a local folder (the default, in the data folder) and S3, where each object can
// carry an Object Lock retention so that not even the account's administrators can
// rewrite the evidence.
package evidence
