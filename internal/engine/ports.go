package engine

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// ports are the TCP ports of one engine, all on the same IP.
type ports struct {
	frontend, history, matching, worker int
	ui                                  int // 0: no UI
}

// reservePorts checks that the requested ports are free and picks free ports
// for the internal services and for any port given as PickFreePort. It
// returns a clear error instead of letting the server fail later with a
// stack of fx errors.
//
// The ports are released again before the server binds them; another
// process could take one in between, which the server then reports.
func reservePorts(ip string, frontend, ui int) (ports, error) {
	var p ports
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	// Hold every listener until all ports are chosen so that two picks in
	// this call can never return the same port.
	take := func(what string, port int) (int, error) {
		if port == PickFreePort {
			port = 0
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err != nil {
			addr := net.JoinHostPort(ip, strconv.Itoa(port))
			if errors.Is(err, syscall.EADDRINUSE) {
				return 0, fmt.Errorf("%s %s is in use: %w", what, addr, err)
			}
			return 0, fmt.Errorf("%s %s cannot be bound: %w", what, addr, err)
		}
		listeners = append(listeners, l)
		return l.Addr().(*net.TCPAddr).Port, nil
	}

	var err error
	if p.frontend, err = take("frontend port", frontend); err != nil {
		return p, err
	}
	if ui != 0 {
		if p.ui, err = take("ui port", ui); err != nil {
			return p, err
		}
	}
	for _, svc := range []*int{&p.history, &p.matching, &p.worker} {
		if *svc, err = take("internal port", PickFreePort); err != nil {
			return p, err
		}
	}
	return p, nil
}

// hostPort joins ip and port, bracketing IPv6 addresses.
func hostPort(ip string, port int) string {
	return net.JoinHostPort(ip, strconv.Itoa(port))
}

// dialIP is the address to dial a server bound to ip: the loopback address
// when ip is unspecified (0.0.0.0 or ::), else ip itself.
func dialIP(ip string) string {
	parsed := net.ParseIP(ip)
	switch {
	case parsed == nil || !parsed.IsUnspecified():
		return ip
	case parsed.To4() != nil:
		return "127.0.0.1"
	default:
		return "::1"
	}
}
