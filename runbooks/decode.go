package runbooks

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// maxAliasNodes bounds how many nodes YAML aliases may add when expanded, so that a
// "billion laughs" document is rejected instead of expanded.
const maxAliasNodes = 100_000

// decoder turns yaml.v3 node trees into runbook values. Every problem is reported with
// the node's place; decoding goes on after a problem so that all of them are found.
type decoder struct {
	*reporter
	*yamlnode.Decoder
	rejected bool // the runbook is too large to validate
}

// newDecoder returns a decoder that reports to rep and records places. Once rep is full,
// unknown fields get no suggestion; suggestions fall back to a prefix match.
func newDecoder(rep *reporter) *decoder {
	return &decoder{reporter: rep, Decoder: &yamlnode.Decoder{
		Errorf:  rep.errorf,
		Full:    rep.full,
		Suggest: yamlnode.SuggestPrefix,
		Pos:     yamlnode.Positions{},
	}}
}

// runbookFormat is what Document needs to know of runbook files.
var runbookFormat = yamlnode.Format{
	Name:         "runbook",
	MaxSize:      MaxSourceSize,
	Want:         "want apiVersion: " + APIVersion + ", kind: Runbook, metadata and steps",
	CheckAliases: checkAliases,
}

// checkAliases reports a document whose aliases add more than maxAliasNodes nodes when
// expanded, or refer to a node that contains them.
func checkAliases(doc *yaml.Node) error {
	if !yamlnode.HasAlias(doc) {
		return nil
	}
	e, err := yamlnode.Expand(doc)
	if err != nil {
		return err
	}
	if e.Added() > maxAliasNodes {
		return fmt.Errorf("YAML aliases expand to more than %d nodes; aliases are limited to guard against exponential expansion", maxAliasNodes)
	}
	return nil
}

func (d *decoder) duration(v *yaml.Node, what string) (Duration, bool) {
	return yamlnode.Parsed(d.Decoder, v, what, `a duration like "90s", "5m" or "2d"`, ParseDuration)
}

func (d *decoder) durationInto(dst *Duration, what string) yamlnode.FieldFunc {
	return yamlnode.Into(dst, what, d.duration)
}

// value converts a node to plain Go data (map[string]any, []any, string, int, float64,
// bool, nil), recording the place of every node under path.
func (d *decoder) value(n *yaml.Node, path string) any {
	return d.nested(n, path, 0)
}

// nested is value at a depth: places are kept by path, so a deeper value costs more
// (a 10,000-deep list would cost hundreds of megabytes); maxValueDepth stops it.
func (d *decoder) nested(n *yaml.Node, path string, depth int) any {
	n = yamlnode.Deref(n)
	d.Pos.Set(path, yamlnode.PosOf(n))
	if depth > maxValueDepth && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) {
		d.errorf(yamlnode.PosOf(n), "value nested more than %d deep; the limit is %d", maxValueDepth, maxValueDepth)
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		ps, _ := d.Pairs(n, "mapping")
		m := make(map[string]any, len(ps))
		for _, p := range ps {
			m[p.Key] = d.nested(p.V, yamlnode.Join(path, p.Key), depth+1)
			d.Pos.Set(yamlnode.KeyPath(yamlnode.Join(path, p.Key)), yamlnode.PosOf(p.K))
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			l[i] = d.nested(c, yamlnode.Index(path, i), depth+1)
		}
		return l
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil
}

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
