package catalogue

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bcdr/bcdr/runbooks"
)

// WriteText writes the plan for a terminal: the affected services, the recovery by
// layer with each service's expected finish against its RTO, the critical path, and
// the gaps.
func (p *ScenarioPlan) WriteText(w io.Writer) error {
	direct := 0
	for _, im := range p.Affected {
		if im.Direct {
			direct++
		}
	}
	sc := &p.Scenario
	fmt.Fprintf(w, "scenario   %s: %s (%s disruption)\n", sc.Name, sc.title(), sc.Disruption)
	fmt.Fprintf(w, "affected   %s: %d hit directly, %d through their dependencies\n", plural(len(p.Affected), "service"), direct, len(p.Affected)-direct)
	fmt.Fprintf(w, "recovery   %s: %s in %s, expected %s\n", p.Runbook.Metadata.Name, plural(len(p.Runbook.Steps), "step"), plural(len(p.Plan.Layers), "layer"), p.Plan.ExpectedDuration)
	fmt.Fprintf(w, "critical   %s\n", strings.Join(p.Plan.CriticalPath, " -> "))
	misses := p.Misses()
	if len(misses) == 0 {
		fmt.Fprintln(w, "RTO        every service is expected back within its RTO")
	} else {
		fmt.Fprintf(w, "RTO        expected back after their RTO: %s\n", strings.Join(misses, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tSERVICE\tTIER\tRUNBOOKS\tSTART\tFINISH\tRTO\tFITS")
	byName := map[string]ServicePlan{}
	for _, s := range p.Services {
		byName[s.Service] = s
	}
	for i, layer := range p.Layers() {
		for k, name := range layer {
			s := byName[name]
			l := ""
			if k == 0 {
				l = fmt.Sprint(i + 1)
			}
			rbs := strings.Join(s.Runbooks, ", ")
			if s.NoRunbook {
				rbs = "none: manual step"
			}
			fits := "yes"
			if !s.Fits {
				fits = "NO"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t+%s\t+%s\t%s\t%s\n", l, name, s.Tier, rbs, s.Start, s.Finish, ptrDurDash(s.RTO), fits)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var waiting []string
	for _, im := range p.Affected {
		if _, ok := byName[im.Service]; !ok {
			waiting = append(waiting, fmt.Sprintf("%s (via %s)", im.Service, im.Via))
		}
	}
	if len(waiting) > 0 {
		fmt.Fprintf(w, "\nback with their dependencies (no step): %s\n", strings.Join(waiting, ", "))
	}
	for _, s := range p.Services {
		if s.NoRunbook {
			fmt.Fprintf(w, "gap: %s is hit and has no runbook for a %s disruption; a manual step stands in for it\n", s.Service, sc.Disruption)
		}
	}
	return nil
}

// Misses returns the services expected back after their RTO.
func (p *ScenarioPlan) Misses() []string {
	var out []string
	for _, s := range p.Services {
		if !s.Fits {
			out = append(out, s.Service)
		}
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ptrDurDash formats an optional duration, "-" when unset.
func ptrDurDash(d *runbooks.Duration) string {
	if d == nil {
		return "-"
	}
	return d.String()
}
