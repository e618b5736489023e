package runbooks

import (
	"sort"
	"strings"
)

// graph is the DAG of a runbook's steps: step i needs the steps in needs[i] (indices,
// unknown ids left out).
type graph struct {
	ids        []string
	needs      [][]int
	dependents [][]int
	// order is a topological order, depth the layer of each step (-1: on or after a cycle).
	order []int
	depth []int
	// mark and epoch make upstream searches allocation-free.
	mark  []int
	epoch int
}

func newGraph(steps []Step) *graph {
	n := len(steps)
	g := &graph{ids: make([]string, n), needs: make([][]int, n), dependents: make([][]int, n)}
	byID := make(map[string]int, n)
	for i, s := range steps {
		g.ids[i] = s.ID
		if _, dup := byID[s.ID]; !dup {
			byID[s.ID] = i
		}
	}
	for i, s := range steps {
		seen := map[int]bool{}
		for _, need := range s.Needs {
			j, ok := byID[need]
			if !ok || seen[j] {
				continue
			}
			seen[j] = true
			g.needs[i] = append(g.needs[i], j)
			g.dependents[j] = append(g.dependents[j], i)
		}
	}
	g.sort()
	return g
}

// sort computes order and depth (Kahn's algorithm). Steps on a cycle, or after one, are
// left out of order and keep depth -1.
func (g *graph) sort() {
	n := len(g.ids)
	indeg := make([]int, n)
	g.depth = make([]int, n)
	queue := make([]int, 0, n)
	for i := range g.ids {
		indeg[i] = len(g.needs[i])
		g.depth[i] = -1
		if indeg[i] == 0 {
			g.depth[i] = 0
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		g.order = append(g.order, u)
		for _, w := range g.dependents[u] {
			g.depth[w] = max(g.depth[w], g.depth[u]+1)
			if indeg[w]--; indeg[w] == 0 {
				queue = append(queue, w)
			}
		}
	}
	for i := range g.ids {
		if indeg[i] > 0 {
			g.depth[i] = -1
		}
	}
	// Readable order: by layer, then by place in the file.
	sort.SliceStable(g.order, func(a, b int) bool {
		x, y := g.order[a], g.order[b]
		if g.depth[x] != g.depth[y] {
			return g.depth[x] < g.depth[y]
		}
		return x < y
	})
}

// acyclic reports whether every step is in the topological order.
func (g *graph) acyclic() bool { return len(g.order) == len(g.ids) }

// upstream reports whether step j is a transitive need of step i. It is meaningful only
// when both are outside cycles.
func (g *graph) upstream(i, j int) bool {
	if g.depth[i] < 0 || g.depth[j] < 0 || g.depth[j] >= g.depth[i] {
		return false
	}
	if g.mark == nil {
		g.mark = make([]int, len(g.ids))
	}
	g.epoch++
	stack := []int{i}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, w := range g.needs[u] {
			if w == j {
				return true
			}
			if g.mark[w] != g.epoch && g.depth[w] > g.depth[j] {
				g.mark[w] = g.epoch
				stack = append(stack, w)
			}
		}
	}
	return false
}

// cycles returns one cycle per strongly connected component that has one, each as step
// indices starting and ending at the component's first step in the file.
func (g *graph) cycles() [][]int {
	var out [][]int
	for _, comp := range g.components() {
		start := comp[0]
		in := make(map[int]bool, len(comp))
		for _, c := range comp {
			in[c] = true
		}
		if len(comp) == 1 && !g.needsSelf(start) {
			continue
		}
		out = append(out, g.cycleFrom(start, in))
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
	return out
}

func (g *graph) needsSelf(i int) bool {
	for _, j := range g.needs[i] {
		if j == i {
			return true
		}
	}
	return false
}

// cycleFrom finds a shortest path from start back to start inside one component.
func (g *graph) cycleFrom(start int, in map[int]bool) []int {
	prev := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, w := range g.needs[u] {
			if !in[w] {
				continue
			}
			if w == start {
				path := []int{start}
				for x := u; x != start; x = prev[x] {
					path = append(path, x)
				}
				path = append(path, start)
				// path runs backwards from start; reverse the middle.
				for a, b := 1, len(path)-2; a < b; a, b = a+1, b-1 {
					path[a], path[b] = path[b], path[a]
				}
				return path
			}
			if _, seen := prev[w]; !seen {
				prev[w] = u
				queue = append(queue, w)
			}
		}
	}
	return []int{start, start}
}

// components returns the strongly connected components among the steps left out of the
// topological order (Tarjan's algorithm, iterative), each sorted by place in the file.
func (g *graph) components() [][]int {
	n := len(g.ids)
	idx := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range idx {
		idx[i] = -1
	}
	var stack []int
	var out [][]int
	next := 0
	type frame struct{ v, child int }
	for root := 0; root < n; root++ {
		if idx[root] >= 0 || g.depth[root] >= 0 {
			continue
		}
		call := []frame{{root, 0}}
		idx[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.child < len(g.needs[f.v]) {
				w := g.needs[f.v][f.child]
				f.child++
				if g.depth[w] >= 0 {
					continue
				}
				if idx[w] < 0 {
					idx[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], idx[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
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
	}
	return out
}

// cycleText renders a cycle as "a -> b -> a".
func (g *graph) cycleText(c []int) string {
	names := make([]string, len(c))
	for i, s := range c {
		names[i] = g.ids[s]
	}
	return strings.Join(names, " -> ")
}
