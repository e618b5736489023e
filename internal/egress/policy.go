package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Config is what a Policy is built from.
type Config struct {
	// Allow and Deny are the egress.allow and egress.deny entries (see package doc).
	Allow, Deny []string
	// Loopback lets steps reach loopback addresses (bcdr dev); bcdr's own listeners stay
	// refused.
	Loopback bool
	// Listeners are bcdr's own listeners and the engine's, which steps never reach.
	Listeners []Listener
	// Resolver looks names up; nil is the system's.
	Resolver *net.Resolver
}

// Listener is one of bcdr's own listeners: What names it for the error ("the Temporal Web
// UI (dev.ui_port)"), Address is its host:port as bound or configured.
type Listener struct {
	What, Address string
}

// Policy says which addresses steps may reach. Its zero value is not usable: call New.
type Policy struct {
	allow, deny []rule
	loopback    bool
	listeners   []listener
	resolver    *net.Resolver
}

type listener struct {
	what     string
	name     string // the host name it was configured with, lower case; "" for an address
	port     int
	addrs    []netip.Addr
	anyLocal bool // bound to 0.0.0.0 or ::, or to a loopback address
}

// Refused is the error of a connection the policy refused. It names the host the step
// asked for, the address it resolved to, why, and what would allow it.
type Refused struct {
	Host   string // as the URL named it
	Addr   string // ip:port, "" when refused by name before any lookup
	Reason string
	Remedy string
}

func (e *Refused) Error() string {
	where := e.Host
	if e.Addr != "" && e.Addr != e.Host {
		where = fmt.Sprintf("%s (address %s)", e.Host, e.Addr)
	}
	return fmt.Sprintf("egress refused: steps may not reach %s: %s; %s", where, e.Reason, e.Remedy)
}

// metadata are the link-local and instance metadata ranges refused unless egress.allow
// lists them by address: AWS IMDS answers on 169.254.169.254 and, over IPv6 on Nitro,
// fd00:ec2::254 (EC2 User Guide, "Access instance metadata for an EC2 instance").
var metadata = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
}

// New builds a policy; a bad entry is an error naming it (egress.allow[2]).
func New(cfg Config) (*Policy, error) {
	p := &Policy{loopback: cfg.Loopback, resolver: cfg.Resolver}
	var errs []error
	for key, list := range map[string][]string{"egress.allow": cfg.Allow, "egress.deny": cfg.Deny} {
		for i, s := range list {
			r, err := parseRule(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s[%d]: %w", key, i, err))
				continue
			}
			if key == "egress.allow" {
				p.allow = append(p.allow, r)
			} else {
				p.deny = append(p.deny, r)
			}
		}
	}
	for _, l := range cfg.Listeners {
		if l.Address == "" {
			continue
		}
		ln, err := p.listener(l)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.listeners = append(p.listeners, ln)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// listener resolves a listener's host now: a name that later resolves elsewhere is still
// refused by its port on the addresses it had, and by name in checkName.
func (p *Policy) listener(l Listener) (listener, error) {
	host, port, err := net.SplitHostPort(l.Address)
	if err != nil {
		return listener{}, fmt.Errorf("%s: %q is not host:port", l.What, l.Address)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return listener{}, fmt.Errorf("%s: %q is not host:port", l.What, l.Address)
	}
	ln := listener{what: l.What, port: n}
	if _, err := netip.ParseAddr(host); err != nil {
		ln.name = strings.ToLower(strings.TrimSuffix(host, "."))
	}
	if host == "" || strings.EqualFold(host, "localhost") {
		ln.anyLocal = true
		return ln, nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		ln.anyLocal = a.IsUnspecified() || a.IsLoopback()
		ln.addrs = []netip.Addr{a}
		return ln, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ips, _ := p.resolverOrDefault().LookupNetIP(ctx, "ip", host) // best effort: unreachable now, refused by address later
	for _, a := range ips {
		a = a.Unmap()
		ln.anyLocal = ln.anyLocal || a.IsLoopback()
		ln.addrs = append(ln.addrs, a)
	}
	return ln, nil
}

func (p *Policy) resolverOrDefault() *net.Resolver {
	if p.resolver != nil {
		return p.resolver
	}
	return net.DefaultResolver
}

// matches reports whether the listener is at addr:port. A listener on all interfaces or
// on loopback is reached through any loopback or unspecified address (connecting to
// 0.0.0.0 reaches the local host), and through the machine's own addresses.
func (l listener) matches(addr netip.Addr, port int, local func(netip.Addr) bool) bool {
	if port != l.port {
		return false
	}
	for _, a := range l.addrs {
		if a == addr {
			return true
		}
	}
	return l.anyLocal && (addr.IsLoopback() || addr.IsUnspecified() || local(addr))
}

// Client returns an HTTP client whose every connection, redirects included, passes the
// policy. It has no overall timeout (callers set one per request).
//
// It honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as workers behind a corporate proxy
// need: the connection to the proxy passes the policy like any other, and the target is
// checked by what the URL names (egress.deny, bcdr's own listeners, and an IP address
// in full). Through a proxy the proxy resolves the name, so that the address a name
// resolves to is then the proxy's to police.
func (p *Policy) Client() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = func(r *http.Request) (*url.URL, error) {
		u, err := http.ProxyFromEnvironment(r)
		if err != nil || u == nil {
			return u, err
		}
		port, _ := strconv.Atoi(r.URL.Port())
		if port == 0 {
			port = 80
			if r.URL.Scheme == "https" {
				port = 443
			}
		}
		host := r.URL.Hostname()
		if addr, err := netip.ParseAddr(host); err == nil {
			return u, p.Check(host, addr, port)
		}
		return u, p.checkName(strings.ToLower(strings.TrimSuffix(host, ".")), port)
	}
	t.DialContext = p.DialContext
	return &http.Client{Transport: t}
}

// DialContext dials addr ("host:port") when the policy allows the host's name and the
// address it resolves to; the address is checked in the dialer's Control hook, after the
// lookup and before connecting.
func (p *Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, _ := strconv.Atoi(portText)
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if err := p.checkName(name, port); err != nil {
		return nil, err
	}
	d := net.Dialer{
		Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Resolver: p.resolver,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &Refused{Host: host, Addr: address, Reason: "the address cannot be read", Remedy: "give a host name or IP address"}
			}
			return p.Check(host, ap.Addr(), int(ap.Port()))
		},
	}
	return d.DialContext(ctx, network, addr)
}

// checkName refuses a host name egress.deny lists, before it is looked up.
func (p *Policy) checkName(name string, port int) error {
	for _, r := range p.deny {
		if r.matchName(name, port) {
			return &Refused{Host: name, Reason: fmt.Sprintf("egress.deny lists %q", r.text),
				Remedy: fmt.Sprintf("remove %q from egress.deny to allow it", r.text)}
		}
	}
	for _, l := range p.listeners {
		if l.name != "" && l.name == name && l.port == port {
			return &Refused{Host: name, Reason: "it is " + l.what, Remedy: ownListener}
		}
	}
	return nil
}

// ownListener is the remedy of a refused connection to bcdr's own listeners: there is none.
const ownListener = "steps may never reach bcdr's own listeners or the engine's, and no setting allows it"

// Check says whether a step may connect to addr:port, which host (a name or an address,
// as the URL gave it) resolved to; nil means yes.
func (p *Policy) Check(host string, addr netip.Addr, port int) error {
	addr = addr.Unmap()
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	at := netip.AddrPortFrom(addr, uint16(port)).String()
	refuse := func(reason, remedy string) error {
		return &Refused{Host: host, Addr: at, Reason: reason, Remedy: remedy}
	}
	allowIt := fmt.Sprintf("add %q (or a CIDR holding it) to egress.allow to let steps reach it", addr.String())
	for _, r := range p.deny {
		if r.matchAddr(addr, port) || r.matchName(name, port) {
			return refuse(fmt.Sprintf("egress.deny lists %q", r.text), fmt.Sprintf("remove %q from egress.deny to allow it", r.text))
		}
	}
	for _, l := range p.listeners {
		if l.matches(addr, port, isLocal) {
			return refuse("it is "+l.what, ownListener)
		}
	}
	for _, r := range p.allow {
		if r.matchAddr(addr, port) {
			return nil
		}
	}
	for _, m := range metadata {
		if m.Contains(addr) {
			return refuse("it is a link-local or cloud instance metadata address", allowIt)
		}
	}
	if (addr.IsLoopback() || addr.IsUnspecified()) && !p.loopback {
		return refuse("loopback addresses are refused outside bcdr dev", allowIt)
	}
	if len(p.allow) == 0 {
		return nil
	}
	for _, r := range p.allow {
		if r.matchName(name, port) {
			return nil
		}
	}
	return refuse("egress.allow does not list it", fmt.Sprintf("add %q or %q to egress.allow to let steps reach it", name, addr.String()))
}

// isLocal reports whether addr is one of this machine's interface addresses.
func isLocal(addr netip.Addr) bool {
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ia := range ifaddrs {
		if n, ok := ia.(*net.IPNet); ok {
			if a, ok := netip.AddrFromSlice(n.IP); ok && a.Unmap() == addr {
				return true
			}
		}
	}
	return false
}
