package yamlnode

import (
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Str decodes a string scalar. Numbers and booleans are taken as their text.
func (d *Decoder) Str(v *yaml.Node, what string) (string, bool) {
	v = Deref(v)
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		d.Errorf(PosOf(v), "%s must be a string, got %s", what, KindOf(v))
		return "", false
	}
	return v.Value, true
}

// Int decodes an integer scalar.
func (d *Decoder) Int(v *yaml.Node, what string) (int, bool) {
	return typed[int](d, v, what, "an integer", "!!int")
}

// Bool decodes a boolean scalar.
func (d *Decoder) Bool(v *yaml.Node, what string) (bool, bool) {
	return typed[bool](d, v, what, "true or false", "!!bool")
}

// Float decodes a number scalar (an integer or not).
func (d *Decoder) Float(v *yaml.Node, what string) (float64, bool) {
	return typed[float64](d, v, what, "a number", "!!int", "!!float")
}

// typed decodes a scalar with one of tags into a T. want says what the value should be
// in the message for any other node.
func typed[T any](d *Decoder, v *yaml.Node, what, want string, tags ...string) (T, bool) {
	v = Deref(v)
	if v.Kind == yaml.ScalarNode && slices.Contains(tags, v.Tag) {
		var x T
		if err := v.Decode(&x); err == nil {
			return x, true
		}
	}
	d.Errorf(PosOf(v), "%s must be %s, got %s", what, want, KindOf(v))
	var zero T
	return zero, false
}

// Into returns a FieldFunc that decodes a value with decode (d.Int, say) and stores it
// in dst; a value decode refuses leaves dst as it is.
func Into[T any](dst *T, what string, decode func(v *yaml.Node, what string) (T, bool)) FieldFunc {
	return func(v *yaml.Node, _ string) {
		if x, ok := decode(v, what); ok {
			*dst = x
		}
	}
}

// StrInto returns a FieldFunc that decodes a string into dst.
func (d *Decoder) StrInto(dst *string, what string) FieldFunc { return Into(dst, what, d.Str) }

// IntInto returns a FieldFunc that decodes an integer into dst.
func (d *Decoder) IntInto(dst *int, what string) FieldFunc { return Into(dst, what, d.Int) }

// BoolInto returns a FieldFunc that decodes a boolean into dst.
func (d *Decoder) BoolInto(dst *bool, what string) FieldFunc { return Into(dst, what, d.Bool) }

// Parsed decodes a string scalar (one YAML reads as a string, not as a number) with
// parse. want says what the value should be in the message for any other node ("a
// duration like \"5m\""); parse's error is reported after what.
func Parsed[T any](d *Decoder, v *yaml.Node, what, want string, parse func(string) (T, error)) (T, bool) {
	var zero T
	v = Deref(v)
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
		d.Errorf(PosOf(v), "%s must be %s, got %s", what, want, KindOf(v))
		return zero, false
	}
	x, err := parse(v.Value)
	if err != nil {
		d.Errorf(PosOf(v), "%s: %v", what, err)
		return zero, false
	}
	return x, true
}

// StrList decodes a string or a list of strings, recording each item's place under
// path. An item that is not a string is reported and left out.
func (d *Decoder) StrList(v *yaml.Node, path, what string) []string {
	v = Deref(v)
	if v.Kind == yaml.ScalarNode {
		s, ok := d.Str(v, what)
		if !ok {
			return nil
		}
		d.Pos.Set(Index(path, 0), PosOf(v))
		return []string{s}
	}
	if v.Kind != yaml.SequenceNode {
		d.Errorf(PosOf(v), "%s must be a string or a list of strings, got %s", what, KindOf(v))
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for _, c := range v.Content {
		if s, ok := d.Str(c, what+" item"); ok {
			d.Pos.Set(Index(path, len(out)), PosOf(Deref(c)))
			out = append(out, s)
		}
	}
	return out
}

// StrMap decodes a mapping of strings to strings, recording the place of each value
// under path and of its key (KeyPath). what names the mapping and its values in messages
// ("tag": `tag must be a mapping`, `tag "team" must be a string`).
func (d *Decoder) StrMap(v *yaml.Node, path, what string) map[string]string {
	return d.StrMapOf(v, path, what, what)
}

// StrMapOf is StrMap for a mapping named otherwise than its values: mapping names it in
// messages ("metadata.labels must be a mapping"), what its values (`label "team" must be a
// string`).
func (d *Decoder) StrMapOf(v *yaml.Node, path, mapping, what string) map[string]string {
	ps, ok := d.Pairs(v, mapping)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		sub := Join(path, p.Key)
		d.Pos.Set(sub, PosOf(Deref(p.V)))
		d.Pos.Set(KeyPath(sub), PosOf(p.K))
		if s, ok := d.Str(p.V, what+" "+strconv.Quote(p.Key)); ok {
			out[p.Key] = s
		}
	}
	return out
}
