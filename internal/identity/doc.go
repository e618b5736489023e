// Package identity signs and verifies the identity assertions that decisions and operator
// actions carry to a run: an HMAC-SHA256, under a key shared by bcdr server, the workers and
// the CLIs that talk to the engine directly, over the run, the action, the step, the
// user, the time and the request's words. A worker that verifies an assertion takes the
// user's groups from its own configuration, never from the request.
//
// The key never travels: a request carries only the signature, so a history or a log that
// holds a request holds nothing that signs another.
package identity
