package runbooks

import (
	"sort"
	"strings"

	"github.com/bcdr/bcdr/internal/digraph"
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
// indices from the component's first step in the file. Only the steps left out of the
// topological order can be on a cycle, so only they are searched.
func (g *graph) cycles() [][]int {
	return digraph.Cycles(g.needs, func(i int) bool { return g.depth[i] < 0 })
}

// cycleText renders a cycle as "a -> b -> a".
func (g *graph) cycleText(c []int) string {
	names := make([]string, 0, len(c)+1)
	for _, s := range c {
		names = append(names, g.ids[s])
	}
	return strings.Join(append(names, g.ids[c[0]]), " -> ")
}
