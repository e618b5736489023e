package yamlnode

import (
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// Decoder decodes the nodes of one file. Each problem goes to Errorf with the place of
// the node at fault, and decoding goes on after it, so that one pass finds them all.
// A format's decoder embeds a *Decoder and adds its own types.
type Decoder struct {
	// Errorf reports a problem at a place. It must be set.
	Errorf func(at Pos, format string, args ...any)
	// Full, if set, reports whether Errorf records no more errors; Fields then skips
	// the suggestions for unknown keys, which cost time in a flood of them.
	Full func() bool
	// Suggest, if set, is used in place of Suggest for unknown keys.
	Suggest func(name string, candidates []string) string
	// Pos, if not nil, receives the place of every value decoded, by path.
	Pos Positions
}

// Pair is one key and value of a mapping.
type Pair struct {
	Key  string
	K, V *yaml.Node // the key's node (after aliases) and the value's (as written)
}

// Pairs returns the pairs of mapping n, with "<<" merge keys expanded (explicit keys
// win, and merged keys come after them) and duplicate keys reported and left out. what
// names the mapping in messages. It reports and returns false when n is not a mapping.
func (d *Decoder) Pairs(n *yaml.Node, what string) ([]Pair, bool) {
	n = Deref(n)
	if n.Kind != yaml.MappingNode {
		d.Errorf(PosOf(n), "%s must be a mapping, got %s", what, KindOf(n))
		return nil, false
	}
	var out, merged []Pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := Deref(n.Content[i]), n.Content[i+1]
		if k.Tag == "!!merge" {
			merged = append(merged, d.mergePairs(v)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.Errorf(PosOf(k), "%s: keys must be strings, got %s", what, KindOf(k))
			continue
		}
		if seen[k.Value] {
			d.Errorf(PosOf(k), "duplicate key %q in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		out = append(out, Pair{k.Value, k, v})
	}
	for _, p := range merged {
		if !seen[p.Key] {
			seen[p.Key] = true
			out = append(out, p)
		}
	}
	return out, true
}

// mergePairs returns the pairs a "<<" merge key brings in: those of a mapping, or of
// each mapping of a list, in order.
func (d *Decoder) mergePairs(v *yaml.Node) []Pair {
	v = Deref(v)
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	var out []Pair
	for _, s := range srcs {
		s = Deref(s)
		if s.Kind != yaml.MappingNode {
			d.Errorf(PosOf(s), "merge key \"<<\" needs a mapping, got %s", KindOf(s))
			continue
		}
		for i := 0; i+1 < len(s.Content); i += 2 {
			if k := Deref(s.Content[i]); k.Kind == yaml.ScalarNode {
				out = append(out, Pair{k.Value, k, s.Content[i+1]})
			}
		}
	}
	return out
}

// FieldFunc decodes the value of one known key; path is the value's path.
type FieldFunc func(v *yaml.Node, path string)

// Fields decodes mapping n, whose path is path, by its known keys: each value's place is
// recorded and its FieldFunc called, in the order of the file. An unknown key is reported
// with the closest known one. Fields returns the key nodes found, by name, or nil when n
// is not a mapping.
func (d *Decoder) Fields(n *yaml.Node, path, what string, known map[string]FieldFunc) map[string]*yaml.Node {
	ps, ok := d.Pairs(n, what)
	if !ok {
		return nil
	}
	found := make(map[string]*yaml.Node, len(ps))
	for _, p := range ps {
		fn, ok := known[p.Key]
		if !ok {
			if d.Full == nil || !d.Full() {
				d.Errorf(PosOf(p.K), "unknown field %q in %s%s", p.Key, what, d.suggest(p.Key, slices.Sorted(maps.Keys(known))))
			}
			continue
		}
		found[p.Key] = p.K
		sub := Join(path, p.Key)
		d.Pos.Set(sub, PosOf(Deref(p.V)))
		fn(p.V, sub)
	}
	return found
}

// Require reports the problem at at when Fields decoded a mapping (found is not nil)
// that lacks key; a value that was not a mapping is reported already.
func (d *Decoder) Require(found map[string]*yaml.Node, key string, at Pos, format string, args ...any) {
	if found != nil && found[key] == nil {
		d.Errorf(at, format, args...)
	}
}

func (d *Decoder) suggest(name string, candidates []string) string {
	if d.Suggest != nil {
		return d.Suggest(name, candidates)
	}
	return Suggest(name, candidates)
}

// Struct decodes mapping v, whose path is path, into a new T by the known keys fields
// gives for it (see Fields). It returns nil when v is not a mapping.
func Struct[T any](d *Decoder, v *yaml.Node, path, what string, fields func(*T) map[string]FieldFunc) *T {
	x := new(T)
	if d.Fields(v, path, what, fields(x)) == nil {
		return nil
	}
	return x
}

// RequireKind reports, when Fields decoded a document's root mapping (found is not nil),
// a missing kind key at at, and a kind other than want at its value.
func (d *Decoder) RequireKind(found map[string]*yaml.Node, kind, want string, at Pos) {
	d.Require(found, "kind", at, "missing kind: want \"kind: %s\"", want)
	if found["kind"] != nil && kind != want {
		d.Errorf(d.Pos.At("kind"), "kind is %q; want %q", kind, want)
	}
}

// List decodes a list of mappings, each by item with its path; the place of each is
// recorded. An item that is not a mapping is reported and left out, so that it causes
// no more errors (later items' paths count only the items kept).
func List[T any](d *Decoder, v *yaml.Node, path, what string, item func(n *yaml.Node, path string) T) []T {
	v = Deref(v)
	if v.Kind != yaml.SequenceNode {
		d.Errorf(PosOf(v), "%s must be a list, got %s", what, KindOf(v))
		return nil
	}
	out := make([]T, 0, len(v.Content))
	for _, c := range v.Content {
		c = Deref(c)
		if c.Kind != yaml.MappingNode {
			d.Errorf(PosOf(c), "%s item must be a mapping, got %s", what, KindOf(c))
			continue
		}
		p := Index(path, len(out))
		d.Pos.Set(p, PosOf(c))
		out = append(out, item(c, p))
	}
	return out
}
