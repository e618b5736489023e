// Package engine runs an embedded Temporal server for `bcdr dev`: the real
// server code (go.temporal.io/server) in this process, with its state in one
// SQLite file under a data folder, so runs, schedules and search attributes
// survive a restart of the process.
//
// Start prepares the data folder (DataDir/temporal.db, WAL mode), creates the
// namespace with bcdr's SearchAttributes and the requested retention on first
// start, reconciles both on later starts, tunes the server for per-step
// latency on a single node, optionally serves the Temporal Web UI, and returns
// once the frontend answers. Workers and clients connect to Server.Address
// like they would to any Temporal cluster. On a later start it first runs SQLite's
// quick_check on the file and refuses a damaged one, naming the file and the way out;
// Server.Health fails while the store logs failures or the file checks damaged, for a
// readiness probe.
//
// Engine is not a production deployment: it is one node with one history
// shard, on loopback by default, without TLS or authorization, and SQLite is
// run with synchronous=NORMAL (an application crash loses nothing; a power
// loss may lose the last transactions). Production points bcdr at an existing
// Temporal cluster instead and does not use this package.
//
// This package and its webui subpackage are the only packages of bcdr that import
// the Temporal server and the UI server; keep it that way so that the rest of the
// module builds without them.
package engine
