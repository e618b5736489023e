// Package api is bcdr's HTTP JSON API: it starts, lists, shows and operates runs, takes
// webhook triggers from Alertmanager and AWS SNS, and manages recurring drills as Temporal
// Schedules. Every request is authenticated (static API tokens held as SHA-256 hashes, or
// OIDC bearer JWTs checked against the issuer's keys) and every mutating request is
// checked against the caller's roles before it changes anything; the identity recorded in
// a run's approvals and operator actions is the authenticated one, never a name the client
// sent.
//
// The package holds the run service (Runs: start runs of runbooks or of a catalogue's
// scenarios, show, wait, list, act on and report runs, read the run history and the
// drill cadence report, manage schedules) with its two adapters, Engine (straight on Temporal; the handlers use one per
// request, acting as the caller) and Client (over this API), the server (Server,
// Handler), its authentication (Authenticator, HashToken) and the role model (Role,
// Identity). It is not the
// workflow: the run itself enforces approver membership and the four-eyes rule; the API
// decides who may ask. Every start of a live run passes the proven-version gate
// (ProvenGate, in Engine.StartInput): whether a drill proved the runbook's digest, and
// what policy.require_proven makes of it (flag, extra approval, refusal); POST
// /v1/preflight says so before a start. The OpenAPI description of the routes is
// openapi.yaml.
//
// The package owns the configuration it consumes: Auth (with Token, OIDC and Binding),
// Trigger and the role names (Roles). Package config reads, defaults and validates them
// from bcdr's configuration (the auth and triggers sections); this package never
// imports config.
package api
