package egress

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// CheckEntry says what is wrong with an egress.allow or egress.deny entry; nil if nothing.
func CheckEntry(s string) error {
	_, err := parseRule(s)
	return err
}

// rule is one entry of an allow or deny list: a host name (or "*.suffix"), or an address
// prefix, optionally limited to one port.
type rule struct {
	text   string
	name   string // lower case; "*.example.com" matches example.com's subdomains
	prefix netip.Prefix
	port   int // 0: any
}

// parseRule reads "api.example.com", "*.example.com", "10.0.0.0/8", "169.254.169.254",
// "fd00:ec2::254", "db.internal:5432", "10.1.2.3:443" or "[::1]:8080".
func parseRule(s string) (rule, error) {
	r := rule{text: s}
	s = strings.TrimSpace(s)
	if s == "" {
		return r, fmt.Errorf("an entry is empty")
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		r.prefix = p.Masked()
		return r, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		r.prefix = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		return r, nil
	}
	if strings.Contains(s, "://") || strings.Contains(s, "/") {
		return r, fmt.Errorf("%q is not a host name, *.domain, IP address or CIDR: give the host alone, without scheme or path", s)
	}
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return r, fmt.Errorf("%q: %q is not a port", s, port)
		}
		host, r.port = h, n
	}
	if a, err := netip.ParseAddr(host); err == nil {
		r.prefix = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		return r, nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if !validName(strings.TrimPrefix(name, "*.")) {
		return r, fmt.Errorf("%q is not a host name, *.domain, IP address or CIDR (optionally with :port)", s)
	}
	r.name = name
	return r, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

// matchName reports whether the rule names host (lower case, no trailing dot) on port.
func (r rule) matchName(host string, port int) bool {
	if r.name == "" || (r.port != 0 && r.port != port) {
		return false
	}
	if suffix, ok := strings.CutPrefix(r.name, "*."); ok {
		return strings.HasSuffix(host, "."+suffix)
	}
	return host == r.name
}

// matchAddr reports whether the rule covers addr on port.
func (r rule) matchAddr(addr netip.Addr, port int) bool {
	return r.prefix.IsValid() && (r.port == 0 || r.port == port) && r.prefix.Contains(addr)
}
