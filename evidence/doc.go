// Package evidence turns a finished run's record into an evidence bundle and keeps the
// bundles in a tamper-evident chain. A bundle holds the record (record.json), a readable
// report (report.md, report.html; for a tabletop, the after-action report), a JUnit XML
// file for CI systems (junit.xml) and a manifest with the SHA-256 of each file, the
// bundle's place in the chain and the hash of the bundle before it. Editing, removing or
// reordering any bundle breaks the chain, which Verify reports. Removing the newest
// bundles and rewriting HEAD leaves a chain that agrees with itself: a store anchored with
// AnchorTo also appends every head to a file outside the store, and Verify checks the
// chain against it. Append verifies the chain and refuses, with a ChainError, to extend
// one that does not verify: all of it when the Store first writes, every 10 minutes and
// whenever the quick check finds a problem; before the other writes, the head it verified
// (its manifest and files), every bundle added since and the anchor's new lines, so a
// write costs the same however long the chain. Bundle folders that are not in the chain
// are reported as stray.
//
// The chain also keeps the improvement plan (package improvements): each action item
// and gap of an ended run opens an item (Activity.Write, Store.OpenImprovements), and
// each change of an item is an event bundle of its own (AppendImprovement, mode
// improvements.RecordMode), so an item's history verifies like the runs' records.
// Improvements reads the plan back.
//
// Stores: a local folder (the default, in the data folder) and S3, where each object can
// carry an Object Lock retention so that not even the account's administrators can
// rewrite the evidence.
package evidence
