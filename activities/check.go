package activities

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/internal/egress"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

// checkTimeout bounds one HTTP readiness check.
const checkTimeout = 10 * time.Second

// Checkers returns the readiness checks of the builtin activity kinds. http.request and
// http.check: the URL's host resolves and the egress policy steps (nil: none) lets
// steps reach it; an http.check that reads (GET or HEAD, not expect_down) also runs
// once, a failure being a warning (it may check a state only the recovery brings).
// notify: nothing to check before the run.
func Checkers(steps *egress.Policy) map[string]readiness.Checker {
	h := NewHTTP(steps)
	return map[string]readiness.Checker{
		runbooks.KindHTTPRequest: func(ctx context.Context, t readiness.Target) []readiness.Finding {
			f, _ := reachable(ctx, t, steps)
			return []readiness.Finding{f}
		},
		runbooks.KindHTTPCheck: func(ctx context.Context, t readiness.Target) []readiness.Finding {
			f, ok := reachable(ctx, t, steps)
			method, _ := t.With["method"].(string)
			down, _ := t.With["expect_down"].(bool)
			if !ok || down || (method != "" && method != http.MethodGet && method != http.MethodHead) {
				return []readiness.Finding{f}
			}
			ctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			res, err := h.Check(ctx, Request{RunID: "readiness", StepID: t.Step, Mode: t.Mode, With: t.With})
			if err != nil {
				return []readiness.Finding{{Check: "probe", Result: readiness.Warning,
					Reason: "ran and failed (it checks the state during a recovery, which may differ now): " + message(err)}}
			}
			return []readiness.Finding{{Check: "probe", Result: readiness.Ready, Reason: fmt.Sprintf("answered %v", res["status"])}}
		},
		runbooks.KindNotify: func(context.Context, readiness.Target) []readiness.Finding {
			return []readiness.Finding{{Check: "target", Result: readiness.Ready, Reason: "a message: nothing to check"}}
		},
	}
}

// reachable checks that the step's URL names a host that resolves and that steps may
// reach; ok is false when the rest of a check would be pointless.
func reachable(ctx context.Context, t readiness.Target, steps *egress.Policy) (readiness.Finding, bool) {
	f := func(r readiness.Result, format string, args ...any) readiness.Finding {
		return readiness.Finding{Check: "target", Result: r, Reason: fmt.Sprintf(format, args...)}
	}
	if t.IsUnknown("url") {
		return f(readiness.Ready, "url comes from an earlier step during the run: nothing to check before"), false
	}
	raw, _ := t.With["url"].(string)
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return f(readiness.NotReady, "url %q is not an http or https URL", raw), false
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if p, err := strconv.Atoi(u.Port()); err == nil {
		port = p
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil || len(addrs) == 0 {
		var dns *net.DNSError
		if errors.As(err, &dns) && dns.IsNotFound {
			return f(readiness.NotReady, "host %q of %s does not resolve", u.Hostname(), redactURL(u)), false
		}
		return f(readiness.CannotCheck, "resolve host %q: %v", u.Hostname(), err), false
	}
	if steps != nil {
		if err := steps.Check(u.Hostname(), addrs[0], port); err != nil {
			return f(readiness.NotReady, "steps may not reach %s: %v", redactURL(u), err), false
		}
	}
	return f(readiness.Ready, "host %q resolves (%s)", u.Hostname(), addrs[0].Unmap()), true
}

// redactURL drops a URL's user information and query (they may hold tokens).
func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment = nil, "", ""
	return c.String()
}

func message(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return strings.TrimSpace(err.Error())
}
