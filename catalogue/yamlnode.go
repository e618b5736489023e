package catalogue

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/runbooks"
)

// This file holds the small yaml.v3 node helpers the decoder uses. They mirror those of
// package runbooks (kept separate so the two formats can change independently): every
// problem is reported with the node's place and decoding goes on, so that all problems
// are found in one pass.

// reporter collects diagnostics for one file.
type reporter struct {
	file  string
	diags runbooks.Diagnostics
}

func (r *reporter) errorf(p runbooks.Pos, format string, args ...any) {
	r.add(p, runbooks.SeverityError, fmt.Sprintf(format, args...))
}

func (r *reporter) warnf(p runbooks.Pos, format string, args ...any) {
	r.add(p, runbooks.SeverityWarning, fmt.Sprintf(format, args...))
}

func (r *reporter) add(p runbooks.Pos, sev runbooks.Severity, msg string) {
	r.diags = append(r.diags, runbooks.Diagnostic{
		File: r.file, Line: max(p.Line, 1), Col: max(p.Column, 1), Severity: sev, Message: msg,
	})
}

// result returns the diagnostics sorted, without exact duplicates.
func (r *reporter) result() runbooks.Diagnostics {
	r.diags.Sort()
	out := runbooks.Diagnostics{}
	for i, d := range r.diags {
		if i > 0 && d == r.diags[i-1] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// positions maps a path in the catalogue ("services[2].depends_on[1]") to its place.
type positions map[string]runbooks.Pos

func (p positions) set(path string, at runbooks.Pos) {
	if p != nil {
		p[path] = at
	}
}

// at returns the place of path, or of its nearest recorded parent.
func (p positions) at(path string) runbooks.Pos {
	for path != "" {
		if pos, ok := p[path]; ok {
			return pos
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	if pos, ok := p[""]; ok {
		return pos
	}
	return runbooks.Pos{Line: 1, Column: 1}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// decoder turns a yaml.v3 node tree into catalogue values.
type decoder struct {
	*reporter
	pos positions
}

func posOf(n *yaml.Node) runbooks.Pos { return runbooks.Pos{Line: n.Line, Column: n.Column} }

// deref follows an alias to the node it names (the alias budget was checked before).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// maxExpanded bounds the nodes a document may have once its aliases are expanded, so
// that a "billion laughs" file is rejected instead of walked.
const maxExpanded = 1_000_000

// expandedSize returns how many nodes n has with aliases expanded, up to the budget; it
// is false for a node that contains an alias to itself.
func expandedSize(n *yaml.Node, memo map[*yaml.Node]int) (int, bool) {
	if n == nil {
		return 0, true
	}
	if n.Kind == yaml.AliasNode {
		s, ok := expandedSize(n.Alias, memo)
		return s + 1, ok
	}
	if s, seen := memo[n]; seen {
		return s, s >= 0
	}
	memo[n] = -1
	total := 1
	for _, c := range n.Content {
		s, ok := expandedSize(c, memo)
		if !ok {
			return 0, false
		}
		total = min(total+s, maxExpanded+1)
	}
	memo[n] = total
	return total, true
}

// pair is one key and value of a mapping.
type pair struct {
	key  string
	k, v *yaml.Node
}

// pairs returns a mapping's pairs, "<<" merge keys expanded (explicit keys win) and
// duplicate keys reported. It reports and returns false when n is not a mapping.
func (d *decoder) pairs(n *yaml.Node, what string) ([]pair, bool) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(posOf(n), "%s must be a mapping, got %s", what, nodeKind(n))
		return nil, false
	}
	var out, merged []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Tag == "!!merge" {
			merged = append(merged, d.mergePairs(v)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(posOf(k), "%s: keys must be strings, got %s", what, nodeKind(k))
			continue
		}
		if seen[k.Value] {
			d.errorf(posOf(k), "duplicate key %q in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		out = append(out, pair{k.Value, k, v})
	}
	for _, p := range merged {
		if !seen[p.key] {
			seen[p.key] = true
			out = append(out, p)
		}
	}
	return out, true
}

func (d *decoder) mergePairs(v *yaml.Node) []pair {
	v = deref(v)
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	var out []pair
	for _, s := range srcs {
		s = deref(s)
		if s.Kind != yaml.MappingNode {
			d.errorf(posOf(s), "merge key \"<<\" needs a mapping, got %s", nodeKind(s))
			continue
		}
		for i := 0; i+1 < len(s.Content); i += 2 {
			if k := deref(s.Content[i]); k.Kind == yaml.ScalarNode {
				out = append(out, pair{k.Value, k, s.Content[i+1]})
			}
		}
	}
	return out
}

// fieldFunc decodes the value of one known key; path is the value's path.
type fieldFunc func(v *yaml.Node, path string)

// fields decodes a mapping whose keys are known; an unknown key is reported with the
// closest known one. It returns the keys found.
func (d *decoder) fields(n *yaml.Node, path, what string, known map[string]fieldFunc) map[string]bool {
	ps, ok := d.pairs(n, what)
	if !ok {
		return nil
	}
	found := make(map[string]bool, len(ps))
	for _, p := range ps {
		fn, ok := known[p.key]
		if !ok {
			d.errorf(posOf(p.k), "unknown field %q in %s%s", p.key, what, suggest(p.key, keysOf(known)))
			continue
		}
		found[p.key] = true
		sub := join(path, p.key)
		d.pos.set(sub, posOf(deref(p.v)))
		d.pos.set(sub+"#key", posOf(p.k))
		fn(p.v, sub)
	}
	return found
}

// str decodes a string scalar; numbers and booleans are taken as their text.
func (d *decoder) str(v *yaml.Node, what string) (string, bool) {
	v = deref(v)
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		d.errorf(posOf(v), "%s must be a string, got %s", what, nodeKind(v))
		return "", false
	}
	return v.Value, true
}

func (d *decoder) strInto(dst *string, what string) fieldFunc {
	return func(v *yaml.Node, _ string) {
		if s, ok := d.str(v, what); ok {
			*dst = s
		}
	}
}

// tierInto decodes a tier number: an integer, 0 or more.
func (d *decoder) tierInto(dst *int, what string) fieldFunc {
	return func(v *yaml.Node, _ string) {
		v = deref(v)
		if v.Kind == yaml.ScalarNode && v.Tag == "!!int" {
			var i int
			if err := v.Decode(&i); err == nil {
				if i < 0 {
					d.errorf(posOf(v), "%s must be 0 or more, got %d", what, i)
					return
				}
				*dst = i
				return
			}
		}
		d.errorf(posOf(v), "%s must be an integer, got %s", what, nodeKind(v))
	}
}

func (d *decoder) duration(v *yaml.Node, what string) (runbooks.Duration, bool) {
	v = deref(v)
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
		d.errorf(posOf(v), "%s must be a duration like \"15m\", \"4h\" or \"90d\", got %s", what, nodeKind(v))
		return 0, false
	}
	dur, err := runbooks.ParseDuration(v.Value)
	if err != nil {
		d.errorf(posOf(v), "%s: %v", what, err)
		return 0, false
	}
	return dur, true
}

// strList decodes a string or a list of strings, recording each item's place.
func (d *decoder) strList(v *yaml.Node, path, what string) []string {
	v = deref(v)
	if v.Kind == yaml.ScalarNode {
		s, ok := d.str(v, what)
		if !ok {
			return nil
		}
		d.pos.set(index(path, 0), posOf(v))
		return []string{s}
	}
	if v.Kind != yaml.SequenceNode {
		d.errorf(posOf(v), "%s must be a string or a list of strings, got %s", what, nodeKind(v))
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for _, c := range v.Content {
		if s, ok := d.str(c, what+" item"); ok {
			d.pos.set(index(path, len(out)), posOf(deref(c)))
			out = append(out, s)
		}
	}
	return out
}

// strMap decodes a mapping of strings to strings, recording each value's place.
func (d *decoder) strMap(v *yaml.Node, path, what string) map[string]string {
	ps, ok := d.pairs(v, what)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		if s, ok := d.str(p.v, what+" "+strconv.Quote(p.key)); ok {
			out[p.key] = s
			d.pos.set(join(path, p.key), posOf(deref(p.v)))
		}
	}
	return out
}

// list decodes a sequence of mappings; an item that is not a mapping is reported and
// left out.
func list[T any](d *decoder, v *yaml.Node, path, what string, item func(n *yaml.Node, path string) T) []T {
	v = deref(v)
	if v.Kind != yaml.SequenceNode {
		d.errorf(posOf(v), "%s must be a list, got %s", what, nodeKind(v))
		return nil
	}
	out := make([]T, 0, len(v.Content))
	for _, c := range v.Content {
		c = deref(c)
		if c.Kind != yaml.MappingNode {
			d.errorf(posOf(c), "%s item must be a mapping, got %s", what, nodeKind(c))
			continue
		}
		p := index(path, len(out))
		d.pos.set(p, posOf(c))
		out = append(out, item(c, p))
	}
	return out
}

func nodeKind(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!str":
			return "a string"
		}
		return strings.TrimPrefix(n.Tag, "!!")
	}
	return "nothing"
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to name, or "".
func suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		if d := levenshtein(name, c); bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if best != "" && bestDist <= max(2, len(name)/3) {
		return ` (did you mean "` + best + `"?)`
	}
	return ""
}

func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
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
