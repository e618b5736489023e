package catalogue

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/yamlnode"
	"github.com/bcdr/bcdr/runbooks"
)

// The decoder takes its node helpers from internal/yamlnode, which package runbooks
// uses too: every problem is reported with the node's place and decoding goes on, so
// that all problems are found in one pass.

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

// decoder turns a yaml.v3 node tree into catalogue values.
type decoder struct {
	*reporter
	*yamlnode.Decoder
}

// newDecoder returns a decoder that reports to rep and records places.
func newDecoder(rep *reporter) *decoder {
	return &decoder{reporter: rep, Decoder: &yamlnode.Decoder{Errorf: rep.errorf, Pos: yamlnode.Positions{}}}
}

// catalogueFormat is what Document needs to know of catalogue files.
var catalogueFormat = yamlnode.Format{
	Name:         "catalogue",
	MaxSize:      MaxSourceSize,
	Want:         "want apiVersion: " + APIVersion + ", kind: " + Kind + ", metadata and services",
	CheckAliases: checkExpansion,
}

// maxExpanded bounds the nodes a document may have once its aliases are expanded, so
// that a "billion laughs" file is rejected instead of walked.
const maxExpanded = 1_000_000

// checkExpansion reports a document of more than maxExpanded nodes with its aliases
// expanded, or with an alias to a node that contains it.
func checkExpansion(doc *yaml.Node) error {
	if e, err := yamlnode.Expand(doc); err != nil || e.Nodes > maxExpanded {
		return fmt.Errorf("YAML aliases expand to more than %d nodes or refer to themselves", maxExpanded)
	}
	return nil
}

// tierInto decodes a tier number: an integer, 0 or more.
func (d *decoder) tierInto(dst *int, what string) yamlnode.FieldFunc {
	return func(v *yaml.Node, _ string) {
		i, ok := d.Int(v, what)
		switch {
		case !ok:
		case i < 0:
			d.errorf(yamlnode.PosOf(yamlnode.Deref(v)), "%s must be 0 or more, got %d", what, i)
		default:
			*dst = i
		}
	}
}

func (d *decoder) duration(v *yaml.Node, what string) (runbooks.Duration, bool) {
	return yamlnode.Parsed(d.Decoder, v, what, `a duration like "15m", "4h" or "90d"`, runbooks.ParseDuration)
}
