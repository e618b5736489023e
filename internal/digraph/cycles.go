package digraph

import "sort"

// Cycles returns one cycle per strongly connected component of the graph that has one:
// the shortest way from the component's first node (the lowest) back to itself, as the
// nodes in order, without the first repeated at the end. A node with an edge to itself
// is a cycle of one. The cycles are sorted by their first node.
//
// edges[v] are the nodes v has an edge to, without duplicates. Only nodes for which
// consider is true, and the edges between them, are searched; a nil consider means all
// (a caller that knows which nodes are outside every cycle, having sorted the graph,
// spares the search).
func Cycles(edges [][]int, consider func(v int) bool) [][]int {
	if consider == nil {
		consider = func(int) bool { return true }
	}
	var out [][]int
	for _, comp := range components(edges, consider) {
		start := comp[0]
		if len(comp) == 1 && !hasEdge(edges, start, start) {
			continue
		}
		in := make(map[int]bool, len(comp))
		for _, v := range comp {
			in[v] = true
		}
		if c, ok := shortestCycle(edges, start, in); ok {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
	return out
}

func hasEdge(edges [][]int, from, to int) bool {
	for _, w := range edges[from] {
		if w == to {
			return true
		}
	}
	return false
}

// shortestCycle finds a shortest way from start back to start inside one component
// (breadth first, edges in their order), as the nodes from start on.
func shortestCycle(edges [][]int, start int, in map[int]bool) ([]int, bool) {
	prev := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, w := range edges[u] {
			if !in[w] {
				continue
			}
			if w == start {
				var path []int
				for x := u; x != start; x = prev[x] {
					path = append(path, x)
				}
				path = append(path, start)
				for a, b := 0, len(path)-1; a < b; a, b = a+1, b-1 {
					path[a], path[b] = path[b], path[a]
				}
				return path, true
			}
			if _, seen := prev[w]; !seen {
				prev[w] = u
				queue = append(queue, w)
			}
		}
	}
	return nil, false
}

// components returns the strongly connected components among the nodes considered
// (Tarjan's algorithm, iterative, so that a long chain does not deepen the stack), each
// sorted.
func components(edges [][]int, consider func(int) bool) [][]int {
	n := len(edges)
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
		if idx[root] >= 0 || !consider(root) {
			continue
		}
		call := []frame{{root, 0}}
		idx[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.child < len(edges[f.v]) {
				w := edges[f.v][f.child]
				f.child++
				if !consider(w) {
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
