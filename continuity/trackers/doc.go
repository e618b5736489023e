// Package trackers exports the improvement plan's items to the trackers teams use:
// GitHub Issues and Jira Cloud through their REST APIs, and a generic webhook signed with
// HMAC-SHA256 for anything else. An item is created in the tracker when it first appears,
// its status is carried over when it changes, and the tracker's link is kept with the
// item's export state.
//
// Each adapter (GitHub, Jira, Webhook) is a Tracker: Create returns the Ref (the
// tracker's key and the link a person opens), Update sets the state. They follow
// the trackers' API references, cited where each request is built, and classify every
// failure: a Permanent error (bad credentials, no such repository or project, a request
// the tracker rejects) is not retried until the configuration changes; a rate limit says
// when to come back (Retry-After); anything else is retried with backoff.
//
// Sync is the one place the export decision is made: given the items and what was last
// exported of each, it calls the tracker for the items that need it and returns the new
// export states, with the error and the next attempt of those that failed. A failure
// never touches the item itself, which lives in the evidence store; only its export state
// says "failed" and why.
//
// Credentials are given by reference (the name of an environment variable or a file),
// read when the tracker is built, and never put in an export state, an error or a log.
package trackers
