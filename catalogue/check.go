package catalogue

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bcdr/bcdr/internal/yamlnode"
	"github.com/bcdr/bcdr/runbooks"
)

// LoadFunc loads the runbook a service names, by the path the catalogue gives (relative
// to the catalogue file). The caller decides where runbooks come from and which step
// kinds they may use: the CLI reads files and validates with its full kind registry.
type LoadFunc func(path string) (*runbooks.Runbook, error)

// Runbooks are the runbooks a catalogue names, by path as the catalogue writes it.
type Runbooks map[string]*runbooks.Runbook

// LoadRunbooks loads every runbook the services name and checks it against the
// catalogue. Each problem is reported at the runbook reference: a runbook that does not
// load; objectives looser than a target of its service for a disruption it is named for
// (a runbook that declares a 1h RTO cannot recover a service that must be back in 30m);
// parameters that are unknown, mistyped or missing; and, as a warning, a runbook that
// declares another service. The runbooks that loaded are returned, also when there are
// problems.
func (c *Catalogue) LoadRunbooks(load LoadFunc) (Runbooks, runbooks.Diagnostics) {
	rep := &reporter{file: c.Source.File}
	pos := c.pos
	if pos == nil {
		pos = positionsOf(c)
	}
	rbs := Runbooks{}
	failed := map[string]error{}
	for _, path := range c.RunbookPaths() {
		rb, err := load(path)
		if err != nil {
			failed[path] = err
			continue
		}
		rbs[path] = rb
	}
	for i := range c.Services {
		s := &c.Services[i]
		for k := range s.Runbooks {
			ref := &s.Runbooks[k]
			at := yamlnode.Index(yamlnode.Index("services", i)+".runbooks", k)
			if ref.Path == "" {
				continue
			}
			if err, ok := failed[ref.Path]; ok {
				rep.errorf(pos.At(at+".path"), "runbook %q of service %q does not load: %s", ref.Path, s.Name, loadError(err))
				continue
			}
			if rb := rbs[ref.Path]; rb != nil {
				c.checkRef(rep, pos, at, s, ref, rb)
			}
		}
	}
	return rbs, rep.result()
}

// loadError summarizes why a runbook did not load: the first problem, and how many more.
func loadError(err error) string {
	var diags runbooks.Diagnostics
	if errors.As(err, &diags) && len(diags) > 0 {
		var errs runbooks.Diagnostics
		for _, d := range diags {
			if d.Severity != runbooks.SeverityWarning {
				errs = append(errs, d)
			}
		}
		if len(errs) == 0 {
			errs = diags
		}
		msg := errs[0].String()
		if len(errs) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(errs)-1)
		}
		return msg
	}
	return strings.SplitN(err.Error(), "\n", 2)[0]
}

func (c *Catalogue) checkRef(rep *reporter, pos yamlnode.Positions, at string, s *Service, ref *RunbookRef, rb *runbooks.Runbook) {
	name := rb.Metadata.Name
	for _, d := range ref.Disruptions {
		t := c.Target(s, d)
		if t.RTO != nil && rb.Objectives.RTO > *t.RTO {
			rep.errorf(pos.At(at+".path"), "runbook %s declares rto %s, looser than service %q's %s target of %s",
				name, rb.Objectives.RTO, s.Name, d, *t.RTO)
		}
		if t.RPO != nil && rb.Objectives.RPO > *t.RPO {
			rep.errorf(pos.At(at+".path"), "runbook %s declares rpo %s, looser than service %q's %s target of %s",
				name, rb.Objectives.RPO, s.Name, d, *t.RPO)
		}
	}
	if _, err := runbooks.ResolveParams(rb, ref.Params); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			rep.errorf(pos.At(at+".params"), "runbook %s for service %q: %s", name, s.Name, line)
		}
	}
	if svc := rb.Metadata.Service; svc != "" && svc != s.Name {
		rep.warnf(pos.At(at+".path"), "runbook %s declares service %q, but service %q names it", name, svc, s.Name)
	}
}
