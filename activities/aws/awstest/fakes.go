package awstest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Fakes of the AWS operations moto lacks or misstates, answering as the AWS API
// reference documents them, and a router that sends each request either to one of them
// or to moto.

var credentialScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request`)

// Service is the service a signed request is for, from its SigV4 credential scope.
func Service(r *http.Request) string {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	return ""
}

// Split starts a server on 127.0.0.1 that answers requests for the services in fakes
// (by SigV4 service name: "servicequotas", "iam") with the fake and forwards every other
// request to target (moto). It returns the server's URL; the server stops with the test.
func Split(t testing.TB, target string, fakes map[string]http.Handler) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("awstest: target %q: %v", target, err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := fakes[Service(r)]; ok {
			h.ServeHTTP(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// ---- Service Quotas (awsJson1_1)

// Quotas is a fake of Service Quotas' GetServiceQuota: the applied values by
// "SERVICE/CODE" (for example "fargate/L-3032A538"). It answers as
// https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
// documents: {"Quota": {..., "Value": number}}, and NoSuchResourceException (HTTP 400)
// for a quota it does not hold.
type Quotas struct {
	mu     sync.Mutex
	values map[string]float64
}

// NewQuotas returns a fake holding values.
func NewQuotas(values map[string]float64) *Quotas {
	return &Quotas{values: values}
}

// Set changes one quota's value.
func (q *Quotas) Set(serviceCode string, value float64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.values[serviceCode] = value
}

func (q *Quotas) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.Header.Get("X-Amz-Target")
	var in struct{ ServiceCode, QuotaCode string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	if op != "ServiceQuotasV20190624.GetServiceQuota" {
		jsonErr(w, 400, "IllegalArgumentException", "this fake answers GetServiceQuota only, not "+op)
		return
	}
	q.mu.Lock()
	v, ok := q.values[in.ServiceCode+"/"+in.QuotaCode]
	q.mu.Unlock()
	if !ok {
		jsonErr(w, 400, "NoSuchResourceException", fmt.Sprintf("The request failed because the specified service quota %s/%s does not exist.", in.ServiceCode, in.QuotaCode))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"Quota": map[string]any{
		"ServiceCode": in.ServiceCode, "QuotaCode": in.QuotaCode, "QuotaName": in.QuotaCode,
		"Value": v, "Unit": "None", "Adjustable": true, "GlobalQuota": false,
		"QuotaArn": fmt.Sprintf("arn:aws:servicequotas:%s:123456789012:%s/%s", Region, in.ServiceCode, in.QuotaCode),
	}})
}

func jsonErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "Message": msg})
}

// ---- IAM policy simulator (awsQuery)

// Simulator is a fake of IAM's SimulatePrincipalPolicy. Each principal ARN it knows has
// a list of grants, "ACTION RESOURCE" with * and ? wildcards in both; a call is allowed
// when a grant matches, else implicitDeny (no Deny statements). It answers as
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
// and API_EvaluationResult.html document: one EvaluationResult per action whose
// EvalDecision is the most restrictive over the resources, the decision per resource in
// ResourceSpecificResults, and NoSuchEntity (HTTP 404) for an unknown principal.
type Simulator struct {
	mu     sync.Mutex
	grants map[string][]string
	calls  int
}

// NewSimulator returns a simulator with the grants of each principal.
func NewSimulator(grants map[string][]string) *Simulator {
	return &Simulator{grants: grants}
}

// Grant replaces a principal's grants.
func (s *Simulator) Grant(principal string, grants ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grants[principal] = grants
}

// Calls is how many simulations were asked.
func (s *Simulator) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

type evalResult struct {
	Action    string           `xml:"EvalActionName"`
	Resource  string           `xml:"EvalResourceName"`
	Decision  string           `xml:"EvalDecision"`
	Resources []resourceResult `xml:"ResourceSpecificResults>member,omitempty"`
}

type resourceResult struct {
	Resource string `xml:"EvalResourceName"`
	Decision string `xml:"EvalResourceDecision"`
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if a := r.PostForm.Get("Action"); a != "SimulatePrincipalPolicy" {
		queryErr(w, 400, "InvalidAction", "this fake answers SimulatePrincipalPolicy only, not "+a)
		return
	}
	principal := r.PostForm.Get("PolicySourceArn")
	s.mu.Lock()
	s.calls++
	grants, ok := s.grants[principal]
	s.mu.Unlock()
	if !ok {
		queryErr(w, 404, "NoSuchEntity", fmt.Sprintf("The entity %s cannot be found.", principal))
		return
	}
	actions, resources := members(r.PostForm, "ActionNames"), members(r.PostForm, "ResourceArns")
	var results []evalResult
	for _, act := range actions {
		res := evalResult{Action: act, Resource: "*", Decision: "allowed"}
		if len(resources) == 0 {
			res.Decision = decide(grants, act, "*")
		}
		for _, rsc := range resources {
			d := decide(grants, act, rsc)
			res.Resources = append(res.Resources, resourceResult{rsc, d})
			if d != "allowed" {
				res.Decision = d
			}
		}
		results = append(results, res)
	}
	type result struct {
		Results   []evalResult `xml:"EvaluationResults>member"`
		Truncated bool         `xml:"IsTruncated"`
	}
	type response struct {
		XMLName   xml.Name `xml:"https://iam.amazonaws.com/doc/2010-05-08/ SimulatePrincipalPolicyResponse"`
		Result    result   `xml:"SimulatePrincipalPolicyResult"`
		RequestID string   `xml:"ResponseMetadata>RequestId"`
	}
	w.Header().Set("Content-Type", "text/xml")
	_ = xml.NewEncoder(w).Encode(response{Result: result{Results: results}, RequestID: "fake-simulator"})
}

func decide(grants []string, action, resource string) string {
	for _, g := range grants {
		ga, gr, _ := strings.Cut(g, " ")
		if glob(ga, action) && glob(gr, resource) {
			return "allowed"
		}
	}
	return "implicitDeny"
}

// glob matches IAM's wildcards: * any run of characters, ? one character.
func glob(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	ok, _ := regexp.MatchString(re, s)
	return ok
}

// members reads a query-protocol list: NAME.member.1, NAME.member.2, ...
func members(form url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[name+".member."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v...)
	}
}

func queryErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
		code, xmlEscape(msg))
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
