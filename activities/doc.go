// Package activities holds bcdr's step kinds that touch the world: HTTP checks and
// requests, notifications, and the AWS actions. Each is an Action: a runbooks.Kind that
// describes its typed inputs and outputs for the validator, and a function registered as a
// Temporal activity under the kind's name. Activities are methods on structs that hold
// their clients; they are idempotent under retry and classify their errors (validation,
// not found and access denied are not retried).
package activities
