// Package faultproxy is an HTTP proxy for tests that stands between an AWS SDK client
// and a fake AWS (moto) on 127.0.0.1 and answers a chosen share of calls with the
// failures real AWS produces: throttling (400 ThrottlingException, 503 SlowDown), 500
// internal errors, timeouts (the request is held, then the connection dropped),
// connection resets, and lost responses (the call is applied, then the connection is
// reset before the answer arrives, so a retry would apply it twice unless the caller is
// idempotent). SetOutage takes a region down the way a regional event does: every call
// signed for that region, and every call to a control plane that lives there (Route 53,
// IAM, Organizations and CloudFront for us-east-1), is held and dropped without an answer.
// SetLatencies gives operations the time AWS takes to carry them out (RealisticLatencies
// has published figures for ECS scale-out, ARC, DynamoDB global tables and Aurora global
// failover, each with its source), and Busy says how much of a span the calls spent at
// AWS, so that a benchmark can tell a caller's own time from AWS's.
//
// Error bodies follow the protocol the request speaks (query, EC2, JSON, REST-JSON,
// REST-XML), so the SDK classifies them as it would AWS's own. Every request is logged
// with its service, action and form parameters, and faults are counted by type. It is a
// test tool: it listens on loopback only and keeps everything in memory.
package faultproxy
