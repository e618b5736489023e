package runbooks

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxAliasNodes bounds how many nodes YAML aliases may add when expanded, so that a
// "billion laughs" document is rejected instead of expanded.
const maxAliasNodes = 100_000

// decoder turns yaml.v3 node trees into runbook values. Every problem is reported with
// the node's place; decoding goes on after a problem so that all of them are found.
type decoder struct {
	*reporter
	pos      positions
	rejected bool // the runbook is too large to validate
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

// deref follows an alias to the node it names. aliasBudget has been checked before
// decoding starts, so following aliases is bounded.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// checkAliases measures how many nodes the tree has once aliases are expanded and
// reports a document that expands too much or refers to itself.
func checkAliases(root *yaml.Node) error {
	if !hasAlias(root, 0) {
		return nil
	}
	sizes := map[*yaml.Node]int{}
	var plain int
	var size func(n *yaml.Node, viaAlias bool) (int, error)
	size = func(n *yaml.Node, viaAlias bool) (int, error) {
		if n == nil {
			return 0, nil
		}
		if !viaAlias {
			plain++
		}
		if n.Kind == yaml.AliasNode {
			s, err := size(n.Alias, true)
			return s + 1, err
		}
		if s, done := sizes[n]; done {
			if s < 0 {
				return 0, fmt.Errorf("YAML alias at line %d refers to a node that contains it", n.Line)
			}
			if !viaAlias {
				return s, nil // a node reached twice without alias cannot happen; be safe
			}
			return s, nil
		}
		sizes[n] = -1
		total := 1
		for _, c := range n.Content {
			s, err := size(c, viaAlias)
			if err != nil {
				return 0, err
			}
			total += s
			if total > math.MaxInt32 {
				total = math.MaxInt32
			}
		}
		sizes[n] = total
		return total, nil
	}
	expanded, err := size(root, false)
	if err != nil {
		return err
	}
	if expanded-plain > maxAliasNodes {
		return fmt.Errorf("YAML aliases expand to more than %d nodes; aliases are limited to guard against exponential expansion", maxAliasNodes)
	}
	return nil
}

// hasAlias reports whether the tree holds an alias (most runbooks have none).
func hasAlias(n *yaml.Node, depth int) bool {
	if n == nil || depth > 10_000 {
		return n != nil
	}
	if n.Kind == yaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}

// pair is one key and value of a mapping.
type pair struct {
	key  string
	k, v *yaml.Node
}

// pairs returns a mapping's pairs, with "<<" merge keys expanded (explicit keys win) and
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

// mergePairs returns the pairs a "<<" merge key brings in.
func (d *decoder) mergePairs(v *yaml.Node) []pair {
	v = deref(v)
	var srcs []*yaml.Node
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	} else {
		srcs = []*yaml.Node{v}
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

// fields decodes a mapping whose keys are known; unknown keys are reported with the
// closest known key. It returns the key nodes found, by name.
func (d *decoder) fields(n *yaml.Node, path, what string, known map[string]fieldFunc) map[string]*yaml.Node {
	ps, ok := d.pairs(n, what)
	if !ok {
		return nil
	}
	found := make(map[string]*yaml.Node, len(ps))
	for _, p := range ps {
		fn, ok := known[p.key]
		if !ok {
			if !d.full() { // a suggestion costs; a flood of unknown fields gets none
				d.errorf(posOf(p.k), "unknown field %q in %s%s", p.key, what, suggest(p.key, keysOf(known)))
			}
			continue
		}
		found[p.key] = p.k
		sub := join(path, p.key)
		d.pos.set(sub, posOf(deref(p.v)))
		fn(p.v, sub)
	}
	return found
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// str decodes a string scalar. Numbers and booleans are accepted as their text.
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

func (d *decoder) intv(v *yaml.Node, what string) (int, bool) {
	v = deref(v)
	if v.Kind == yaml.ScalarNode && v.Tag == "!!int" {
		var i int
		if err := v.Decode(&i); err == nil {
			return i, true
		}
	}
	d.errorf(posOf(v), "%s must be an integer, got %s", what, nodeKind(v))
	return 0, false
}

func (d *decoder) intInto(dst *int, what string) fieldFunc {
	return func(v *yaml.Node, _ string) {
		if i, ok := d.intv(v, what); ok {
			*dst = i
		}
	}
}

func (d *decoder) boolv(v *yaml.Node, what string) (bool, bool) {
	v = deref(v)
	if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		var b bool
		if err := v.Decode(&b); err == nil {
			return b, true
		}
	}
	d.errorf(posOf(v), "%s must be true or false, got %s", what, nodeKind(v))
	return false, false
}

func (d *decoder) boolInto(dst *bool, what string) fieldFunc {
	return func(v *yaml.Node, _ string) {
		if b, ok := d.boolv(v, what); ok {
			*dst = b
		}
	}
}

func (d *decoder) floatv(v *yaml.Node, what string) (float64, bool) {
	v = deref(v)
	if v.Kind == yaml.ScalarNode && (v.Tag == "!!int" || v.Tag == "!!float") {
		var f float64
		if err := v.Decode(&f); err == nil {
			return f, true
		}
	}
	d.errorf(posOf(v), "%s must be a number, got %s", what, nodeKind(v))
	return 0, false
}

func (d *decoder) duration(v *yaml.Node, what string) (Duration, bool) {
	v = deref(v)
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
		d.errorf(posOf(v), "%s must be a duration like \"90s\", \"5m\" or \"2d\", got %s", what, nodeKind(v))
		return 0, false
	}
	dur, err := ParseDuration(v.Value)
	if err != nil {
		d.errorf(posOf(v), "%s: %v", what, err)
		return 0, false
	}
	return dur, true
}

func (d *decoder) durationInto(dst *Duration, what string) fieldFunc {
	return func(v *yaml.Node, _ string) {
		if x, ok := d.duration(v, what); ok {
			*dst = x
		}
	}
}

// strList decodes a string or a list of strings.
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
	for i, c := range v.Content {
		if s, ok := d.str(c, what+" item"); ok {
			d.pos.set(index(path, len(out)), posOf(deref(c)))
			out = append(out, s)
		} else {
			_ = i
		}
	}
	return out
}

// value converts a node to plain Go data (map[string]any, []any, string, int, float64,
// bool, nil), recording the place of every node under path.
func (d *decoder) value(n *yaml.Node, path string) any {
	return d.nested(n, path, 0)
}

// nested is value at a depth: places are kept by path, so a deeper value costs more
// (a 10,000-deep list would cost hundreds of megabytes); maxValueDepth stops it.
func (d *decoder) nested(n *yaml.Node, path string, depth int) any {
	n = deref(n)
	d.pos.set(path, posOf(n))
	if depth > maxValueDepth && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) {
		d.errorf(posOf(n), "value nested more than %d deep; the limit is %d", maxValueDepth, maxValueDepth)
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		ps, _ := d.pairs(n, "mapping")
		m := make(map[string]any, len(ps))
		for _, p := range ps {
			m[p.key] = d.nested(p.v, join(path, p.key), depth+1)
			d.pos.set(keyPath(join(path, p.key)), posOf(p.k))
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			l[i] = d.nested(c, index(path, i), depth+1)
		}
		return l
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil
}

// keyPath is the path under which the place of a mapping key (not its value) is kept.
func keyPath(path string) string { return path + "#key" }

func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int
		if n.Decode(&i) == nil {
			return i
		}
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	}
	return n.Value
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
