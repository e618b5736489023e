package catalogue

import (
	"slices"
	"strings"

	"github.com/bcdr/bcdr/internal/digraph"
)

// graph is the dependency graph of a catalogue's services: service i depends on the
// services in deps[i] (indices; unknown names are left out).
type graph struct {
	names      []string
	deps       [][]int
	depItem    [][]int // depItem[i][k] is the index in DependsOn of deps[i][k]
	dependents [][]int
	byName     map[string]int
}

func newGraph(services []Service) *graph {
	n := len(services)
	g := &graph{
		names: make([]string, n), deps: make([][]int, n), depItem: make([][]int, n),
		dependents: make([][]int, n), byName: make(map[string]int, n),
	}
	for i, s := range services {
		g.names[i] = s.Name
		if _, dup := g.byName[s.Name]; !dup {
			g.byName[s.Name] = i
		}
	}
	for i, s := range services {
		seen := map[int]bool{}
		for k, name := range s.DependsOn {
			j, ok := g.byName[name]
			if !ok || seen[j] {
				continue
			}
			seen[j] = true
			g.deps[i] = append(g.deps[i], j)
			g.depItem[i] = append(g.depItem[i], k)
			g.dependents[j] = append(g.dependents[j], i)
		}
	}
	return g
}

// cycle is one dependency cycle: the services in order, the first repeated at the end
// implicitly, and the DependsOn item of the first service that starts it.
type cycle struct {
	services []int
	item     int
}

func (g *graph) cycleText(c cycle) string {
	parts := make([]string, 0, len(c.services)+1)
	for _, i := range c.services {
		parts = append(parts, g.names[i])
	}
	return strings.Join(append(parts, g.names[c.services[0]]), " -> ")
}

// cycles returns one cycle per strongly connected component that has one, starting at
// the component's first service in file order, shortest first.
func (g *graph) cycles() []cycle {
	var out []cycle
	for _, c := range digraph.Cycles(g.deps, nil) {
		next := c[1%len(c)] // the service the first depends on in the cycle (itself, alone)
		k := slices.Index(g.deps[c[0]], next)
		out = append(out, cycle{services: c, item: g.depItem[c[0]][k]})
	}
	return out
}

// acyclic reports whether the graph has no cycle.
func (g *graph) acyclic() bool { return len(digraph.Cycles(g.deps, nil)) == 0 }
