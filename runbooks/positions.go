package runbooks

import (
	"sort"
	"strings"
)

// positions maps a path in the runbook ("steps[2].with.url") to its place in the file.
// Validation looks places up here; a path without an entry takes its parent's place.
type positions map[string]Pos

func (p positions) set(path string, at Pos) {
	if p != nil {
		p[path] = at
	}
}

// at returns the place of path, or of its nearest recorded parent.
func (p positions) at(path string) Pos {
	for path != "" {
		if pos, ok := p[path]; ok {
			return pos
		}
		path = parentPath(path)
	}
	return Pos{Line: 1, Column: 1}
}

func parentPath(path string) string {
	if i := strings.LastIndex(path, "#"); i >= 0 {
		return path[:i]
	}
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// positionsOf returns the places a runbook built in Go carries itself (Step.Pos, ...).
func positionsOf(rb *Runbook) positions {
	p := positions{}
	for i, s := range rb.Steps {
		if s.Pos.Line > 0 {
			p[index("steps", i)] = s.Pos
		}
	}
	for i, s := range rb.SteadyState {
		if s.Pos.Line > 0 {
			p[index("steady_state", i)] = s.Pos
		}
	}
	for i, s := range rb.Injects {
		if s.Pos.Line > 0 {
			p[index("injects", i)] = s.Pos
		}
	}
	return p
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to name, or "".
func suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := levenshtein(name, c)
		if bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if best != "" && bestDist <= max(2, len(name)/3) {
		return ` (did you mean "` + best + `"?)`
	}
	if len(name) < 3 {
		return ""
	}
	best = ""
	for _, c := range candidates {
		if strings.HasPrefix(c, name) || strings.HasPrefix(name, c) {
			if best == "" || len(c) < len(best) || (len(c) == len(best) && c < best) {
				best = c
			}
		}
	}
	if best == "" {
		return ""
	}
	return ` (did you mean "` + best + `"?)`
}

func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
