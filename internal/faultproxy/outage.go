package faultproxy

import (
	"net/http"
	"regexp"
)

// Outage is the fault of a call into a region that is down: the request is held and its
// connection dropped without an answer, as a client sees a region that does not respond
// (a timeout, not a polite 503).
const Outage Fault = "outage"

// controlPlaneHomes are the services whose control plane lives in one region, so that a
// call to them fails when that region is down wherever the caller signs it for. Source:
// AWS whitepaper "AWS Fault Isolation Boundaries", "Global services"
// (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/global-services.html).
var controlPlaneHomes = map[string]string{
	"route53":       "us-east-1",
	"iam":           "us-east-1",
	"organizations": "us-east-1",
	"cloudfront":    "us-east-1",
}

// SetOutage takes region down: from now on every call signed for it (its regional
// endpoints), and every call to a control plane that lives in it (Route 53's and IAM's
// for us-east-1), is held for Options.Hold and then dropped. "" ends the outage.
func (p *Proxy) SetOutage(region string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outage = region
}

var scopeRegion = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// down reports whether r goes to the region that is down.
func (p *Proxy) down(r *http.Request) bool {
	p.mu.Lock()
	region := p.outage
	p.mu.Unlock()
	if region == "" {
		return false
	}
	m := scopeRegion.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return false
	}
	return m[1] == region || controlPlaneHomes[m[2]] == region
}
