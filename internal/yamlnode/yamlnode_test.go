package yamlnode

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// recorder is a Decoder that keeps its problems as "line:col: message".
type recorder struct {
	*Decoder
	errs []string
}

func newRecorder() *recorder {
	r := &recorder{}
	r.Decoder = &Decoder{Pos: Positions{}, Errorf: func(at Pos, format string, args ...any) {
		r.errs = append(r.errs, fmt.Sprintf("%d:%d: ", at.Line, at.Column)+fmt.Sprintf(format, args...))
	}}
	return r
}

// root parses src and returns its root node.
func root(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(src), &doc))
	require.NotEmpty(t, doc.Content)
	return doc.Content[0]
}

func TestPairs(t *testing.T) {
	cases := []struct {
		name string
		src  string
		keys []string // "key=value" in order; nil: not a mapping
		errs []string
	}{
		{"plain", "b: 1\na: 2\n", []string{"b=1", "a=2"}, nil},
		{"duplicate key: the first wins", "a: 1\nb: 2\na: 3\n", []string{"a=1", "b=2"},
			[]string{`3:1: duplicate key "a" in thing`}},
		{"keys that are not strings", "[x]: 1\n{y: 1}: 2\nc: 3\n", []string{"c=3"},
			[]string{"1:1: thing: keys must be strings, got a list", "2:1: thing: keys must be strings, got a mapping"}},
		{"an alias as key", "a: &k name\n*k : 2\n", []string{"a=name", "name=2"}, nil},
		{"not a mapping", "[1, 2]\n", nil, []string{"1:1: thing must be a mapping, got a list"}},
		{"a scalar", "hello\n", nil, []string{"1:1: thing must be a mapping, got a string"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder()
			ps, ok := r.Pairs(root(t, tc.src), "thing")
			assert.Equal(t, tc.errs, r.errs)
			assert.Equal(t, tc.keys != nil, ok)
			if tc.keys != nil {
				assert.Equal(t, tc.keys, pairText(ps))
			}
		})
	}
}

func pairText(ps []Pair) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Key + "=" + Deref(p.V).Value
	}
	return out
}

func TestMergeKeys(t *testing.T) {
	cases := []struct {
		name string
		src  string
		keys []string
		errs []string
	}{
		{"one mapping", "a: &a {x: 1, y: 2}\nv: {<<: *a, y: 3}\n", []string{"y=3", "x=1"}, nil},
		{"a list of mappings: the first to give a key wins", "a: &a {x: 1}\nb: &b {x: 2, z: 4}\nv: {<<: [*a, *b], y: 3}\n",
			[]string{"y=3", "x=1", "z=4"}, nil},
		{"an inline mapping", "v: {<<: {x: 1}, y: 3}\n", []string{"y=3", "x=1"}, nil},
		{"not a mapping", "v: {<<: 5, y: 3}\n", []string{"y=3"}, []string{`1:9: merge key "<<" needs a mapping, got an integer`}},
		{"a list holding a scalar", "a: &a {x: 1}\nv: {<<: [*a, [1]], y: 3}\n", []string{"y=3", "x=1"},
			[]string{`2:14: merge key "<<" needs a mapping, got a list`}},
		{"a duplicate beside a merge", "a: &a {x: 1}\nv: {<<: *a, y: 3, y: 4}\n", []string{"y=3", "x=1"},
			[]string{`2:19: duplicate key "y" in v`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder()
			ps, ok := r.Pairs(valueOf(t, root(t, tc.src), "v"), "v")
			require.True(t, ok)
			assert.Equal(t, tc.keys, pairText(ps))
			assert.Equal(t, tc.errs, r.errs)
		})
	}
}

// valueOf returns the value of key in mapping n.
func valueOf(t *testing.T, n *yaml.Node, key string) *yaml.Node {
	t.Helper()
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	t.Fatalf("no key %q", key)
	return nil
}

func TestFields(t *testing.T) {
	src := "name: db\ntimeout: 5\nnmae: x\ntim: 1\nzzz: 1\n"
	cases := []struct {
		name    string
		suggest func(string, []string) string
		full    bool
		errs    []string
	}{
		{"edit distance only", nil, false, []string{
			`3:1: unknown field "nmae" in service (did you mean "name"?)`,
			`4:1: unknown field "tim" in service`,
			`5:1: unknown field "zzz" in service`,
		}},
		{"with prefixes", SuggestPrefix, false, []string{
			`3:1: unknown field "nmae" in service (did you mean "name"?)`,
			`4:1: unknown field "tim" in service (did you mean "timeout"?)`,
			`5:1: unknown field "zzz" in service`,
		}},
		{"the reporter is full: unknown fields are not reported", SuggestPrefix, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder()
			r.Suggest = tc.suggest
			r.Full = func() bool { return tc.full }
			var name string
			var calls []string
			found := r.Fields(root(t, src), "services[0]", "service", map[string]FieldFunc{
				"name":    r.StrInto(&name, "service name"),
				"timeout": func(v *yaml.Node, path string) { calls = append(calls, path+"="+v.Value) },
				"owner":   func(*yaml.Node, string) { t.Error("owner is not in the file") },
			})
			assert.Equal(t, tc.errs, r.errs)
			assert.Equal(t, "db", name)
			assert.Equal(t, []string{"services[0].timeout=5"}, calls)
			assert.Equal(t, []string{"name", "timeout"}, slices.Sorted(maps.Keys(found)))
			assert.Equal(t, 2, found["timeout"].Line, "found holds the key nodes")
			assert.Equal(t, Pos{Line: 1, Column: 7}, r.Pos["services[0].name"], "the place of each value is recorded")
			assert.Equal(t, Pos{Line: 2, Column: 10}, r.Pos["services[0].timeout"])
		})
	}
	t.Run("not a mapping", func(t *testing.T) {
		r := newRecorder()
		assert.Nil(t, r.Fields(root(t, "- a\n"), "", "service", nil))
		assert.Equal(t, []string{"1:1: service must be a mapping, got a list"}, r.errs)
	})
}

func TestRequire(t *testing.T) {
	r := newRecorder()
	found := r.Fields(root(t, "name: db\n"), "", "service", map[string]FieldFunc{"name": func(*yaml.Node, string) {}, "tier": func(*yaml.Node, string) {}})
	r.Require(found, "name", Pos{Line: 1, Column: 1}, "service has no name")
	r.Require(found, "tier", Pos{Line: 1, Column: 1}, "service %q has no tier", "db")
	assert.Equal(t, []string{`1:1: service "db" has no tier`}, r.errs)

	r = newRecorder()
	r.Require(nil, "tier", Pos{Line: 1, Column: 1}, "service has no tier")
	assert.Empty(t, r.errs, "a value that was not a mapping is not reported twice")
}

func TestRequireKind(t *testing.T) {
	cases := []struct {
		src  string
		errs []string
	}{
		{"kind: Widget\n", nil},
		{"kind: Gadget\n", []string{`1:7: kind is "Gadget"; want "Widget"`}},
		{"kind: [x]\n", []string{"1:7: kind must be a string, got a list", `1:7: kind is ""; want "Widget"`}},
		{"name: x\n", []string{`1:1: missing kind: want "kind: Widget"`}},
	}
	for _, tc := range cases {
		r := newRecorder()
		var kind string
		found := r.Fields(root(t, tc.src), "", "widget", map[string]FieldFunc{"kind": r.StrInto(&kind, "kind"), "name": func(*yaml.Node, string) {}})
		r.RequireKind(found, kind, "Widget", Pos{Line: 1, Column: 1})
		assert.Equal(t, tc.errs, r.errs, tc.src)
	}
	r := newRecorder()
	r.RequireKind(nil, "", "Widget", Pos{Line: 1, Column: 1})
	assert.Empty(t, r.errs, "a root that was not a mapping is not reported twice")
}

func TestStruct(t *testing.T) {
	type retry struct{ attempts int }
	r := newRecorder()
	fields := func(x *retry) map[string]FieldFunc {
		return map[string]FieldFunc{"attempts": r.IntInto(&x.attempts, "attempts")}
	}
	n := root(t, "a: {attempts: 3}\nb: {}\nc: 3\n")
	assert.Equal(t, &retry{attempts: 3}, Struct(r.Decoder, valueOf(t, n, "a"), "a", "retry", fields))
	assert.Equal(t, &retry{}, Struct(r.Decoder, valueOf(t, n, "b"), "b", "retry", fields), "an empty mapping is a value")
	assert.Nil(t, Struct(r.Decoder, valueOf(t, n, "c"), "c", "retry", fields))
	assert.Equal(t, []string{"3:4: retry must be a mapping, got an integer"}, r.errs)
	assert.Equal(t, Pos{Line: 1, Column: 15}, r.Pos["a.attempts"])
}

func TestSuggest(t *testing.T) {
	candidates := []string{"description", "name", "needs", "timeout", "uses"}
	cases := []struct {
		name           string
		closest, wider string // Suggest, SuggestPrefix
	}{
		{"nmae", "name", "name"},
		{"nede", "name", "name"}, // equal distance: the first in sort order
		{"usess", "uses", "uses"},
		{"desc", "", "description"},
		{"timeout_seconds", "", "timeout"},
		{"nam", "name", "name"}, // 1 edit
		{"tim", "", "timeout"},
		{"ti", "", ""}, // no prefix offer under 3 bytes
		{"xyzzy", "", ""},
		{strings.Repeat("a", 65), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, didYouMean(tc.closest), Suggest(tc.name, candidates))
			assert.Equal(t, didYouMean(tc.wider), SuggestPrefix(tc.name, candidates))
		})
	}
	assert.Equal(t, ` (did you mean "name"?)`, Suggest("nmae", candidates))
	assert.Empty(t, Suggest("name", nil))
}

func TestLevenshtein(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"name", "nmae", 2}, {"uses", "use", 1},
		{strings.Repeat("a", 65), "a", 65},
	} {
		assert.Equal(t, tc.want, EditDistance(tc.a, tc.b), "%q %q", tc.a, tc.b)
		assert.Equal(t, tc.want, EditDistance(tc.b, tc.a), "%q %q", tc.b, tc.a)
	}
}

func TestPositionsAt(t *testing.T) {
	p := Positions{
		"steps":                 {Line: 5, Column: 3},
		"steps[1]":              {Line: 9, Column: 5},
		"steps[1].with":         {Line: 11, Column: 7},
		"steps[1].with.url":     {Line: 12, Column: 12},
		"steps[1].with.url#key": {Line: 12, Column: 7},
	}
	cases := []struct {
		path string
		want Pos
	}{
		{"steps[1].with.url", Pos{12, 12}},
		{"steps[1].with.url#key", Pos{12, 7}},
		{"steps[1].with.port#key", Pos{11, 7}}, // a key's place falls back to its mapping's
		{"steps[1].with.url[3]", Pos{12, 12}},
		{"steps[1].needs[0]", Pos{9, 5}},
		{"steps[4].id", Pos{5, 3}},
		{"metadata.name", Pos{1, 1}}, // nothing recorded: line 1, column 1
		{"", Pos{1, 1}},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, p.At(tc.path), tc.path)
	}
	p[""] = Pos{Line: 3, Column: 1}
	assert.Equal(t, Pos{3, 1}, p.At("metadata.name"), "the root's place, when recorded, is the last resort")
	assert.Equal(t, Pos{3, 1}, p.At(""))

	var none Positions
	none.Set("a", Pos{1, 2}) // a nil Positions records nothing, and does not panic
	assert.Equal(t, Pos{1, 1}, none.At("a"))
}

func TestSetItems(t *testing.T) {
	type step struct{ at Pos }
	steps := []step{{Pos{3, 5}}, {}, {Pos{9, 5}}}
	p := Positions{}
	SetItems(p, "steps", steps, func(s *step) Pos { return s.at })
	assert.Equal(t, Positions{"steps[0]": {3, 5}, "steps[2]": {9, 5}}, p, "an item without a place is left out")
	assert.Equal(t, Pos{9, 5}, p.At("steps[2].needs[0]"))
}

func TestPaths(t *testing.T) {
	assert.Equal(t, "a", Join("", "a"))
	assert.Equal(t, "a.b", Join("a", "b"))
	assert.Equal(t, "a[3]", Index("a", 3))
	assert.Equal(t, "a.b#key", KeyPath("a.b"))
	for path, parent := range map[string]string{"a.b[2]": "a.b", "a.b.c": "a.b", "a.b#key": "a.b", "a": "", "a[0]": "a"} {
		assert.Equal(t, parent, parentPath(path), path)
	}
}

func TestScalars(t *testing.T) {
	n := root(t, "s: text\nnum: 12\nf: 1.5\nyes: true\nnull: ~\nlist: [a, b]\nd: 5x\nds: \"5\"\nbig: 99999999999999999999\n")
	v := func(key string) *yaml.Node { return valueOf(t, n, key) }
	size := func(s string) (int, error) {
		if s == "5" {
			return 5, nil
		}
		return 0, errors.New("bad size")
	}
	cases := []struct {
		name   string
		decode func(d *Decoder) (any, bool)
		want   any    // when taken
		err    string // when refused
	}{
		{"a string", func(d *Decoder) (any, bool) { return anyOf(d.Str(v("s"), "name")) }, "text", ""},
		{"a number as a string", func(d *Decoder) (any, bool) { return anyOf(d.Str(v("num"), "name")) }, "12", ""},
		{"null as a string", func(d *Decoder) (any, bool) { return anyOf(d.Str(v("null"), "name")) }, nil,
			"5:7: name must be a string, got null"},
		{"an integer", func(d *Decoder) (any, bool) { return anyOf(d.Int(v("num"), "count")) }, 12, ""},
		{"a float as an integer", func(d *Decoder) (any, bool) { return anyOf(d.Int(v("f"), "count")) }, nil,
			"3:4: count must be an integer, got a number"},
		{"a number too large for an integer", func(d *Decoder) (any, bool) { return anyOf(d.Int(v("big"), "count")) }, nil,
			"9:6: count must be an integer, got a number"},
		{"a boolean", func(d *Decoder) (any, bool) { return anyOf(d.Bool(v("yes"), "flag")) }, true, ""},
		{"a string as a boolean", func(d *Decoder) (any, bool) { return anyOf(d.Bool(v("s"), "flag")) }, nil,
			"1:4: flag must be true or false, got a string"},
		{"an integer as a number", func(d *Decoder) (any, bool) { return anyOf(d.Float(v("num"), "ratio")) }, 12.0, ""},
		{"a list as a number", func(d *Decoder) (any, bool) { return anyOf(d.Float(v("list"), "ratio")) }, nil,
			"6:7: ratio must be a number, got a list"},
		{"parsed", func(d *Decoder) (any, bool) { return anyOf(Parsed(d, v("ds"), "size", `a size like "5"`, size)) }, 5, ""},
		{"refused by parse", func(d *Decoder) (any, bool) { return anyOf(Parsed(d, v("d"), "size", `a size like "5"`, size)) }, nil,
			"7:4: size: bad size"},
		{"a number is not parsed", func(d *Decoder) (any, bool) { return anyOf(Parsed(d, v("num"), "size", `a size like "5"`, size)) }, nil,
			`2:6: size must be a size like "5", got an integer`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder()
			got, ok := tc.decode(r.Decoder)
			if tc.err != "" {
				assert.False(t, ok)
				assert.Equal(t, []string{tc.err}, r.errs)
				return
			}
			assert.True(t, ok)
			assert.Equal(t, tc.want, got)
			assert.Empty(t, r.errs)
		})
	}
}

func anyOf[T any](x T, ok bool) (any, bool) { return x, ok }

func TestInto(t *testing.T) {
	r := newRecorder()
	n := root(t, "a: 1\nb: x\n")
	i := 7
	r.IntInto(&i, "a")(valueOf(t, n, "a"), "a")
	assert.Equal(t, 1, i)
	r.IntInto(&i, "b")(valueOf(t, n, "b"), "b")
	assert.Equal(t, 1, i, "a refused value leaves the destination as it is")
	assert.Equal(t, []string{"2:4: b must be an integer, got a string"}, r.errs)
}

func TestStrListAndMap(t *testing.T) {
	r := newRecorder()
	n := root(t, "one: a\nmany: [a, [x], b]\nbad: {a: 1}\ntags: {team: db, n: 1, x: [1]}\n")
	assert.Equal(t, []string{"a"}, r.StrList(valueOf(t, n, "one"), "one", "needs"))
	assert.Equal(t, []string{"a", "b"}, r.StrList(valueOf(t, n, "many"), "many", "needs"))
	assert.Nil(t, r.StrList(valueOf(t, n, "bad"), "bad", "needs"))
	assert.Equal(t, map[string]string{"team": "db", "n": "1"}, r.StrMap(valueOf(t, n, "tags"), "tags", "tag"))
	assert.Equal(t, []string{
		"2:11: needs item must be a string, got a list",
		"3:6: needs must be a string or a list of strings, got a mapping",
		`4:27: tag "x" must be a string, got a list`,
	}, r.errs)
	assert.Equal(t, Pos{2, 16}, r.Pos["many[1]"], "kept items are numbered without the ones left out")
	assert.Equal(t, Pos{1, 6}, r.Pos["one[0]"])
	assert.Equal(t, Pos{4, 14}, r.Pos["tags.team"])
	assert.Equal(t, Pos{4, 8}, r.Pos["tags.team#key"])
	assert.Equal(t, Pos{4, 27}, r.Pos["tags.x"], "a value refused still has its place")

	r = newRecorder()
	assert.Equal(t, map[string]string{"team": "db", "n": "1"}, r.StrMapOf(valueOf(t, n, "tags"), "tags", "metadata.labels", "label"))
	assert.Nil(t, r.StrMapOf(valueOf(t, n, "many"), "many", "metadata.labels", "label"))
	assert.Equal(t, []string{
		`4:27: label "x" must be a string, got a list`,
		"2:7: metadata.labels must be a mapping, got a list",
	}, r.errs)
}

func TestList(t *testing.T) {
	r := newRecorder()
	n := root(t, "items: [{id: a}, 3, {id: b}]\nnot: x\n")
	var paths []string
	got := List(r.Decoder, valueOf(t, n, "items"), "items", "items", func(n *yaml.Node, path string) string {
		paths = append(paths, path)
		return valueOf(t, n, "id").Value
	})
	assert.Equal(t, []string{"a", "b"}, got)
	assert.Equal(t, []string{"items[0]", "items[1]"}, paths)
	assert.Equal(t, Pos{1, 21}, r.Pos["items[1]"])
	assert.Nil(t, List(r.Decoder, valueOf(t, n, "not"), "not", "things", func(*yaml.Node, string) int { return 1 }))
	assert.Equal(t, []string{"1:18: items item must be a mapping, got an integer", "2:6: things must be a list, got a string"}, r.errs)
}

func TestKindOf(t *testing.T) {
	n := root(t, "[{}, [], s, 1, 1.5, true, ~, !!binary aGk=, &a x, *a]\n")
	var got []string
	for _, c := range n.Content {
		got = append(got, KindOf(c))
	}
	assert.Equal(t, []string{"a mapping", "a list", "a string", "an integer", "a number", "a boolean", "null", "binary", "a string", "a string"}, got)
	assert.Equal(t, "nothing", KindOf(nil))
}

func TestExpand(t *testing.T) {
	cases := []struct {
		name           string
		src            string
		nodes, written int
		err            string
	}{
		{"no alias", "a: [1, 2]\n", 6, 6, ""},
		// document, mapping, a, &x [1, 2] (3 nodes), b, *x: the alias adds the 3 nodes it names.
		{"one alias", "a: &x [1, 2]\nb: *x\n", 11, 8, ""},
		{"an alias of an alias", "a: &x [1, 2]\nb: &y [*x, *x]\nc: *y\n", 27, 12, ""},
		{"a list that holds itself", "a: &x [1, *x]\n", 0, 0, "YAML alias at line 1 refers to a node that contains it"},
		{"a mapping that holds itself", "a: &x\n  b: *x\n", 0, 0, "YAML alias at line 1 refers to a node that contains it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			require.NoError(t, yaml.Unmarshal([]byte(tc.src), &doc))
			e, err := Expand(&doc)
			if tc.err != "" {
				assert.EqualError(t, err, tc.err)
				assert.True(t, HasAlias(&doc))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, Expansion{Nodes: tc.nodes, Written: tc.written}, e)
			assert.Equal(t, tc.nodes-tc.written, e.Added())
			assert.Equal(t, tc.nodes != tc.written, HasAlias(&doc))
		})
	}
}

func TestExpandBillionLaughs(t *testing.T) {
	// Nine levels of ten aliases each: 10^9 strings once expanded, from 100 nodes.
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(b.String()), &doc))
	e, err := Expand(&doc)
	require.NoError(t, err)
	assert.Less(t, e.Written, 150)
	assert.Greater(t, e.Nodes, 1_000_000_000, "measured, not expanded")
	assert.LessOrEqual(t, e.Nodes, math.MaxInt32, "cut at MaxInt32")
}

func TestDocument(t *testing.T) {
	format := Format{Name: "widget", MaxSize: 1 << 20, Want: "want kind: Widget"}
	noAliases := format
	noAliases.CheckAliases = func(doc *yaml.Node) error {
		if HasAlias(doc) {
			return errors.New("no aliases, please")
		}
		return nil
	}
	cases := []struct {
		name   string
		src    string
		format Format
		root   string // the root's first key; "" for none
		errs   []string
	}{
		{"one document", "# c\nkind: Widget\n", format, "kind", nil},
		{"too large", strings.Repeat("#\n", 1<<19+1), format, "", []string{"0:0: widget is 1048578 bytes; the limit is 1048576 (1 MiB)"}},
		{"empty", "", format, "", []string{"0:0: empty widget: want kind: Widget"}},
		{"only a comment", "# nothing\n", format, "", []string{"0:0: empty widget: want kind: Widget"}},
		{"not YAML", "a: b\n c: d\n", format, "", []string{"2:1: invalid YAML: mapping values are not allowed in this context"}},
		{"two documents", "a: 1\n---\nb: 2\n", format, "a", []string{"2:1: a widget file holds one YAML document; found another"}},
		{"a bad second document", "a: 1\n---\nb: [\n", format, "a", []string{"3:1: invalid YAML: did not find expected node content"}},
		{"aliases refused", "a: &a 1\nb: *a\n", noAliases, "", []string{"1:1: no aliases, please"}},
		{"aliases allowed", "a: &a 1\nb: *a\n", format, "a", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder()
			n := r.Document([]byte(tc.src), tc.format)
			assert.Equal(t, tc.errs, r.errs)
			if tc.root == "" {
				assert.Nil(t, n)
				return
			}
			require.NotNil(t, n)
			assert.Equal(t, tc.root, n.Content[0].Value)
		})
	}
}

func TestReadFile(t *testing.T) {
	fsys := fstest.MapFS{"a.yaml": {Data: []byte("0123456789")}}
	src, err := ReadFile(fsys, "a.yaml", 4)
	require.NoError(t, err)
	assert.Equal(t, "01234", string(src), "one byte over the limit is enough to tell")
	src, err = ReadFile(fsys, "a.yaml", 100)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(src))
	_, err = ReadFile(fsys, "b.yaml", 4)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
