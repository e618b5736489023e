// Package egress decides which network addresses a runbook's steps may reach, and enforces
// it where a connection is made.
//
// A Policy is checked twice for every connection a step's HTTP client opens: the host name
// of the URL (or of a redirect's Location) against the deny and allow lists before it is
// looked up, and the address it resolved to, with its port, in the dialer's Control hook
// just before the socket connects. Because the second check sees the address actually
// dialled, a name that resolves to a refused address (DNS rebinding, a redirect to
// 169.254.169.254) is refused as surely as the address itself.
//
// The order, first match wins:
//
//  1. egress.deny: a host name, a "*.suffix", an IP, a CIDR, each optionally with a port.
//  2. bcdr's own listeners (its HTTP server, metrics, the Temporal frontend and the
//     embedded engine's other ports, the Web UI): never reachable from a step.
//  3. an IP or CIDR in egress.allow: allowed, also where a rule below would refuse.
//  4. link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254):
//     refused.
//  5. loopback and unspecified addresses: allowed under `bcdr dev`, refused otherwise.
//  6. when egress.allow is not empty, anything it does not list (by name or address) is
//     refused; when it is empty, the rest is allowed.
//
// The client a Policy builds ignores HTTP_PROXY and friends: through a proxy the policy
// would only see the proxy's address.
//
// Egress is not an infrastructure adapter of its own: it holds no configuration loading
// and no knowledge of runbooks; package cmd/bcdr builds a Policy from the configuration.
package egress
