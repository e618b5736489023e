// Package webui serves the Temporal Web UI for the embedded engine of `bcdr dev`: the
// routes of the ui-server module (github.com/temporalio/ui-server/v2) — its API proxy to
// the frontend, auth, health and the UI itself — over one of two copies of the UI's files.
//
//   - `make build` (and the container image, which runs it) first writes the UI's current
//     build, gzip-compressed, into the git-ignored folder gz/ (see ./precompress), then
//     builds with -tags uigz, which embeds that folder (about 1.6 MiB). A browser that
//     accepts gzip gets those bytes as they are, with Content-Encoding: gzip; any other
//     client gets them inflated on the fly.
//   - A plain `go build` (no tag) serves the ui-server module's own embedded files:
//     214 MiB in v2.45.0, since the module ships the chunks of many earlier builds.
//
// Handler builds the server itself instead of calling ui-server's server.NewServer,
// because that function imports the module's embedded files, which would keep the
// 214 MiB in every binary.
package webui
