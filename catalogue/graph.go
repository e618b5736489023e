package catalogue

import (
	"sort"
	"strings"
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
	for _, comp := range g.components() {
		start := comp[0]
		in := map[int]bool{}
		for _, i := range comp {
			in[i] = true
		}
		if len(comp) == 1 && !g.dependsOn(start, start) {
			continue
		}
		if c, ok := g.shortestCycle(start, in); ok {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].services[0] < out[b].services[0] })
	return out
}

func (g *graph) dependsOn(i, j int) bool {
	for _, d := range g.deps[i] {
		if d == j {
			return true
		}
	}
	return false
}

// shortestCycle finds the shortest way from start back to itself inside a component.
func (g *graph) shortestCycle(start int, in map[int]bool) (cycle, bool) {
	parent := map[int]int{}
	firstItem := map[int]int{} // the DependsOn item of start the path began with
	queue := []int{}
	for k, j := range g.deps[start] {
		if !in[j] {
			continue
		}
		if j == start {
			return cycle{services: []int{start}, item: g.depItem[start][k]}, true
		}
		if _, seen := parent[j]; !seen {
			parent[j], firstItem[j] = start, g.depItem[start][k]
			queue = append(queue, j)
		}
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, w := range g.deps[u] {
			if !in[w] {
				continue
			}
			if w == start {
				path := []int{}
				for x := u; x != start; x = parent[x] {
					path = append(path, x)
				}
				path = append(path, start)
				for a, b := 0, len(path)-1; a < b; a, b = a+1, b-1 {
					path[a], path[b] = path[b], path[a]
				}
				return cycle{services: path, item: firstItem[path[1]]}, true
			}
			if _, seen := parent[w]; !seen {
				parent[w], firstItem[w] = u, firstItem[u]
				queue = append(queue, w)
			}
		}
	}
	return cycle{}, false
}

// components returns the strongly connected components (Tarjan), each sorted by file
// order.
func (g *graph) components() [][]int {
	n := len(g.names)
	idx, low := make([]int, n), make([]int, n)
	onStack := make([]bool, n)
	for i := range idx {
		idx[i] = -1
	}
	var stack []int
	var out [][]int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		idx[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range g.deps[v] {
			if idx[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], idx[w])
			}
		}
		if low[v] == idx[v] {
			var comp []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			sort.Ints(comp)
			out = append(out, comp)
		}
	}
	for v := 0; v < n; v++ {
		if idx[v] < 0 {
			visit(v)
		}
	}
	return out
}

// acyclic reports whether the graph has no cycle.
func (g *graph) acyclic() bool {
	for _, comp := range g.components() {
		if len(comp) > 1 || g.dependsOn(comp[0], comp[0]) {
			return false
		}
	}
	return true
}
