package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Fault is a kind of failure the proxy injects.
type Fault string

// The faults, in the order a request's draw is matched against their rates.
const (
	Throttle     Fault = "throttle"      // 400 ThrottlingException (RequestLimitExceeded on EC2)
	SlowDown     Fault = "slowdown"      // 503 SlowDown
	ServerError  Fault = "server_error"  // 500 InternalError
	Timeout      Fault = "timeout"       // held for Options.Hold, then the connection is dropped
	Reset        Fault = "reset"         // the connection is reset before the call reaches the target
	LostResponse Fault = "lost_response" // the call is applied, then the connection is reset
)

// Faults lists every fault.
var Faults = []Fault{Throttle, SlowDown, ServerError, Timeout, Reset, LostResponse}

// Options configures Start.
type Options struct {
	// Target is the URL of the service behind the proxy (moto's endpoint).
	Target string
	// Rates is the share of requests (0 to 1) answered with each fault; their sum is at
	// most 1.
	Rates map[Fault]float64
	// Seed seeds the draws, so that a run can be repeated.
	Seed uint64
	// Hold is how long a Timeout fault holds a request before dropping it; default 3s.
	Hold time.Duration
	// Exempt reports requests never to fault (default: moto's /moto-api/ paths).
	Exempt func(*http.Request) bool
	// Wait waits out an operation's latency (SetLatencies); default a real timer that
	// ends early when the client goes away. Tests pass one that records the wait and
	// returns at once, so that nothing sleeps.
	Wait func(ctx context.Context, d time.Duration)
}

// Entry is one request as the proxy saw it.
type Entry struct {
	At      time.Time
	Service string        // from the SigV4 credential scope: rds, ec2, route53, ...
	Action  string        // query Action, JSON X-Amz-Target operation, or "METHOD /path"
	Form    url.Values    // the form parameters of a query-protocol call
	Status  int           // the status returned (0 when the connection was dropped or reset)
	Fault   Fault         // "" when forwarded untouched
	Latency time.Duration // how long the answer was held for the operation's latency (SetLatencies)
	Done    time.Time     // when the client got its answer or lost its connection
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	// URL is the proxy's endpoint, for the SDK's BaseEndpoint (aws.endpoint).
	URL string

	opts   Options
	target *url.URL
	ln     net.Listener
	srv    *http.Server
	client *http.Client

	mu        sync.Mutex
	rng       *rand.Rand
	rates     map[Fault]float64
	log       []Entry
	counts    map[Fault]int
	outage    string // the region that is down (SetOutage), or ""
	latencies map[Op]time.Duration
}

// Start listens on a free loopback port and forwards to o.Target.
func Start(o Options) (*Proxy, error) {
	target, err := url.Parse(o.Target)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("faultproxy: target %q is not a URL", o.Target)
	}
	if o.Hold <= 0 {
		o.Hold = 3 * time.Second
	}
	if o.Wait == nil {
		o.Wait = waitTimer
	}
	if o.Exempt == nil {
		o.Exempt = func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/moto-api") }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{
		URL: "http://" + ln.Addr().String(), opts: o, target: target, ln: ln,
		client: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}},
		rng:    rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		counts: map[Fault]int{},
	}
	if err := p.SetRates(o.Rates); err != nil {
		ln.Close()
		return nil, err
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Close stops the proxy.
func (p *Proxy) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
	_ = p.srv.Close()
}

// SetRates changes the fault rates from now on.
func (p *Proxy) SetRates(rates map[Fault]float64) error {
	sum := 0.0
	for f, r := range rates {
		if r < 0 || r > 1 {
			return fmt.Errorf("faultproxy: rate of %s is %v; want 0 to 1", f, r)
		}
		sum += r
	}
	if sum > 1 {
		return fmt.Errorf("faultproxy: rates add up to %v; want at most 1", sum)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rates = map[Fault]float64{}
	for f, r := range rates {
		p.rates[f] = r
	}
	return nil
}

// Counts returns how many of each fault were injected.
func (p *Proxy) Counts() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Fault]int, len(p.counts))
	for f, n := range p.counts {
		out[f] = n
	}
	return out
}

// Log returns every request so far, in arrival order.
func (p *Proxy) Log() []Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Entry(nil), p.log...)
}

// draw picks the fault for a request, or "".
func (p *Proxy) draw() Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	x := p.rng.Float64()
	for _, f := range Faults {
		if x < p.rates[f] {
			return f
		}
		x -= p.rates[f]
	}
	return ""
}

func (p *Proxy) record(e Entry) {
	if e.Done.IsZero() {
		e.Done = time.Now()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, e)
	if e.Fault != "" {
		p.counts[e.Fault]++
	}
}

// ServeHTTP forwards a request or answers it with a fault. The call is logged before
// the client hears anything, so a client that has its answer (or its dropped connection)
// finds the call in the log and the counts.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e := describe(r, body)
	if !p.opts.Exempt(r) {
		e.Fault = p.draw()
		if p.down(r) {
			e.Fault = Outage
		}
	}
	switch e.Fault {
	case Throttle, SlowDown, ServerError:
		status, answer := faultAnswer(r, e.Service, e.Fault)
		e.Status = status
		p.record(e)
		answer(w)
	case Timeout, Outage:
		select {
		case <-time.After(p.opts.Hold):
		case <-r.Context().Done():
		}
		p.record(e)
		drop(w, false)
	case Reset:
		p.record(e)
		drop(w, true)
	default:
		resp, err := p.forward(r, body)
		if err != nil {
			e.Status = http.StatusBadGateway
			p.record(e)
			http.Error(w, "faultproxy: "+err.Error(), http.StatusBadGateway)
			return
		}
		e.Status = resp.status
		if e.Latency = p.latency(e); e.Latency > 0 {
			p.opts.Wait(r.Context(), e.Latency)
		}
		p.record(e)
		if e.Fault == LostResponse {
			drop(w, true)
			return
		}
		for k, vs := range resp.header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(resp.status)
		_, _ = w.Write(resp.body)
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// forward sends the request on and reads the answer whole. A client that goes away
// (a worker killed mid-call) does not cancel the call: the target may already have
// applied it, and the log must say what the target did.
func (p *Proxy) forward(r *http.Request, body []byte) (*response, error) {
	u := *p.target
	u.Path, u.RawPath, u.RawQuery = r.URL.Path, r.URL.RawPath, r.URL.RawQuery
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	out.Host = r.Host
	resp, err := p.client.Do(out)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	h := resp.Header.Clone()
	h.Del("Content-Length")
	return &response{status: resp.StatusCode, header: h, body: b}, nil
}

// drop closes the client's connection without an answer; with reset, with a TCP RST.
func drop(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request`)

// describe names the service and action of a request.
func describe(r *http.Request, body []byte) Entry {
	e := Entry{At: time.Now(), Action: r.Method + " " + r.URL.Path}
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		e.Service = m[1]
	}
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		e.Action = t[strings.LastIndexByte(t, '.')+1:]
		return e
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			e.Action, e.Form = form.Get("Action"), form
		}
	}
	return e
}
