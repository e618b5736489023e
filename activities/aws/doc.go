// Package aws is bcdr's AWS action library: the step kinds (aws.route53.upsert_record,
// aws.rds.promote_read_replica, aws.s3.put_marker, ...) that a runbook uses to recover a
// service on AWS, built on aws-sdk-go-v2.
//
// Each kind is a typed activities.Action: its runbooks.Kind declares the inputs the
// validator checks, the outputs later steps may use and the exact IAM actions it calls;
// its function is a method on Actions, which holds the configuration and a cache of
// clients per region and assumed role. Every step accepts region, role_arn and
// external_id, so one runbook can act in several regions and accounts.
//
// The actions are safe to retry: each reads the current state before it acts (a replica
// that is already promoted is success), passes client request tokens derived from the run
// and step where the API has them, and classifies its errors (access denied, validation
// and not found are non-retryable, throttling and server errors retry). Waits poll about
// once a second with jitter, back off on throttling, heartbeat, and end at the activity's
// deadline, so a recovery notices the target state quickly.
//
// Every change call is logged with the request id AWS returned, the run and the step, and
// a step that assumes a role does so in a session named after its run and step, so that
// CloudTrail ties each call to them (see trace.go).
//
// Each kind also declares its plane and home (plane.go): derived from its IAM actions, a
// call to Route 53's, IAM's, Organizations' or CloudFront's API is the control plane in
// us-east-1, Route 53 ARC's cluster API is a data plane in any region, object and item
// reads and writes are data planes, and every other call is the control plane of the
// step's region. The runbook validator warns when a recovery depends on a control plane in
// the region it evacuates. The ARC kinds try the cluster's regional endpoints in turn,
// each for at most endpoint_timeout, and aws.arc.set_routing_controls changes several
// controls in one UpdateRoutingControlStates transaction and reads them back.
//
// The package is not a generic AWS client: there is no "call any API" kind. Tests run
// against a moto server (see package awstest) through the real SDK clients.
package aws
