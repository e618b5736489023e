package runbooks

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// MaxSourceSize is the largest runbook file Parse accepts (4 MiB).
const MaxSourceSize = 4 << 20

// Load reads the runbook at path in fsys and parses it; see Parse.
func Load(fsys fs.FS, path string, reg *Registry) (*Runbook, Diagnostics) {
	src, err := yamlnode.ReadFile(fsys, path, MaxSourceSize)
	if err != nil {
		return nil, Diagnostics{{File: path, Severity: SeverityError, Message: ReadProblem(err)}}
	}
	return Parse(path, src, reg)
}

// Parse decodes and validates a runbook. filename is used in diagnostics only. A nil reg
// means the builtin kinds. Parse reports every problem it finds, each with its place, and
// returns the runbook only when there is no error (warnings may come with it).
func Parse(filename string, src []byte, reg *Registry) (*Runbook, Diagnostics) {
	rep := &reporter{file: filename}
	if reg == nil {
		reg = builtinRegistry()
	}
	d := newDecoder(rep)
	root := d.Document(src, runbookFormat)
	if root == nil {
		return nil, rep.result()
	}
	rb := d.runbook(root)
	if d.rejected {
		return nil, rep.result()
	}
	rb.Source = Source{File: filename, Digest: Digest(src)}
	v := &validator{reporter: rep, rb: rb, reg: reg, pos: d.Pos}
	v.run()
	diags := rep.result()
	if diags.HasErrors() {
		return nil, diags
	}
	return rb, diags
}

// Digest returns "sha256:<hex>" of src.
func Digest(src []byte) string {
	sum := sha256.Sum256(src)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// runbook decodes the root mapping.
func (d *decoder) runbook(root *yaml.Node) *Runbook {
	rb := &Runbook{}
	var kind string
	found := d.Fields(root, "", "runbook", d.runbookFields(rb, &kind))
	at := yamlnode.PosOf(root)
	d.RequireKind(found, kind, "Runbook", at)
	d.Require(found, "metadata", at, "missing metadata (with at least a name)")
	d.Require(found, "steps", at, "missing steps: a runbook needs at least one step")
	return rb
}

func (d *decoder) runbookFields(rb *Runbook, kind *string) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"apiVersion": d.StrInto(&rb.APIVersion, "apiVersion"),
		"kind":       d.StrInto(kind, "kind"),
		"metadata":   func(v *yaml.Node, p string) { d.Fields(v, p, "metadata", d.metadataFields(&rb.Metadata)) },
		"objectives": func(v *yaml.Node, p string) { d.Fields(v, p, "objectives", d.objectivesFields(&rb.Objectives)) },
		"parameters": func(v *yaml.Node, p string) {
			rb.Parameters = yamlnode.List(d.Decoder, v, p, "parameters", d.parameter)
		},
		"steady_state": func(v *yaml.Node, p string) { rb.SteadyState = yamlnode.List(d.Decoder, v, p, "steady_state", d.probe) },
		"injects":      func(v *yaml.Node, p string) { rb.Injects = yamlnode.List(d.Decoder, v, p, "injects", d.inject) },
		"rollback": func(v *yaml.Node, p string) {
			if st, ok := oneOf(d, v, "rollback", RollbackOnFailure, RollbackOnDeviation, RollbackAlways); ok {
				rb.Rollback = st
			}
		},
		"policy": func(v *yaml.Node, p string) { d.Fields(v, p, "policy", d.policyFields(&rb.Policy)) },
		"steps": func(v *yaml.Node, p string) {
			if s := yamlnode.Deref(v); s.Kind == yaml.SequenceNode && len(s.Content) > MaxSteps {
				d.errorf(yamlnode.PosOf(s), "%s", tooManySteps(len(s.Content))) // not worth decoding
				d.rejected = true
				return
			}
			rb.Steps = yamlnode.List(d.Decoder, v, p, "steps", d.step)
		},
	}
}

func (d *decoder) policyFields(pol *Policy) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"require_proven": func(v *yaml.Node, _ string) {
			if r, ok := oneOf(d, v, "policy.require_proven", ProvenWarn, ProvenApprove, ProvenRefuse); ok {
				pol.RequireProven = r
			}
		},
		"approvers": func(v *yaml.Node, p string) { pol.Approvers = d.StrList(v, p, "policy.approvers") },
	}
}

// oneOf decodes v, the value of name, as one of values; anything else is an error at v
// that lists them and suggests the nearest. ok is false unless v is one of them.
func oneOf[T ~string](d *decoder, v *yaml.Node, name string, values ...T) (T, bool) {
	s, ok := d.Str(v, name)
	if !ok {
		return "", false
	}
	return isOneOf(d, v, name, s, values...)
}

// isOneOf is oneOf for s, the string v holds.
func isOneOf[T ~string](d *decoder, v *yaml.Node, name, s string, values ...T) (T, bool) {
	names := make([]string, len(values))
	for i, x := range values {
		if string(x) == s {
			return x, true
		}
		names[i] = string(x)
	}
	want := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	d.errorf(yamlnode.PosOf(yamlnode.Deref(v)), "%s is %q; want %s%s", name, s, want, yamlnode.SuggestPrefix(s, names))
	return "", false
}

func (d *decoder) metadataFields(m *Metadata) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"name":        d.StrInto(&m.Name, "metadata.name"),
		"version":     d.StrInto(&m.Version, "metadata.version"),
		"description": d.StrInto(&m.Description, "metadata.description"),
		"service":     d.StrInto(&m.Service, "metadata.service"),
		"owner":       d.StrInto(&m.Owner, "metadata.owner"),
		"tier":        d.IntInto(&m.Tier, "metadata.tier"),
		"labels":      func(v *yaml.Node, p string) { m.Labels = d.StrMapOf(v, p, "metadata.labels", "label") },
	}
}

func (d *decoder) objectivesFields(o *Objectives) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"rto":           d.durationInto(&o.RTO, "objectives.rto"),
		"rpo":           d.durationInto(&o.RPO, "objectives.rpo"),
		"rpo_marker":    d.StrInto(&o.RPOMarker, "objectives.rpo_marker"),
		"evacuates":     d.StrInto(&o.Evacuates, "objectives.evacuates"),
		"verify_within": d.durationInto(&o.VerifyWithin, "objectives.verify_within"),
	}
}
