package runbooks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// MaxSourceSize is the largest runbook file Parse accepts (4 MiB).
const MaxSourceSize = 4 << 20

// Load reads the runbook at path in fsys and parses it; see Parse.
func Load(fsys fs.FS, path string, reg *Registry) (*Runbook, Diagnostics) {
	src, err := readLimited(fsys, path)
	if err != nil {
		rep := &reporter{file: path}
		rep.errorf(Pos{}, "%v", err)
		return nil, rep.result()
	}
	return Parse(path, src, reg)
}

func readLimited(fsys fs.FS, path string) ([]byte, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read runbook: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxSourceSize+1))
	if err != nil {
		return nil, fmt.Errorf("read runbook: %w", err)
	}
	return src, nil
}

// Parse decodes and validates a runbook. filename is used in diagnostics only. A nil reg
// means the builtin kinds. Parse reports every problem it finds, each with its place, and
// returns the runbook only when there is no error (warnings may come with it).
func Parse(filename string, src []byte, reg *Registry) (*Runbook, Diagnostics) {
	rep := &reporter{file: filename}
	if reg == nil {
		reg = builtinRegistry()
	}
	d := &decoder{reporter: rep, pos: positions{}}
	root := d.document(src)
	if root == nil {
		return nil, rep.result()
	}
	rb := d.runbook(root)
	if d.rejected {
		return nil, rep.result()
	}
	rb.Source = Source{File: filename, Digest: Digest(src)}
	v := &validator{reporter: rep, rb: rb, reg: reg, pos: d.pos}
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

var yamlLine = regexp.MustCompile(`line (\d+)`)

// document parses src into its single YAML document's root node, or reports why not.
func (d *decoder) document(src []byte) *yaml.Node {
	if len(src) > MaxSourceSize {
		d.errorf(Pos{}, "runbook is %d bytes; the limit is %d (4 MiB)", len(src), MaxSourceSize)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(Pos{}, "empty runbook: want apiVersion: %s, kind: Runbook, metadata and steps", APIVersion)
		} else {
			d.yamlError(err)
		}
		return nil
	}
	var next yaml.Node
	if err := safeDecode(dec, &next); err == nil {
		d.errorf(posOf(&next), "a runbook file holds one YAML document; found another")
	} else if !errors.Is(err, io.EOF) {
		d.yamlError(err)
	}
	if err := checkAliases(&doc); err != nil {
		d.errorf(posOf(&doc), "%v", err)
		return nil
	}
	if len(doc.Content) == 0 {
		d.errorf(Pos{}, "empty runbook")
		return nil
	}
	return doc.Content[0]
}

// safeDecode decodes the next document, turning a panic inside the YAML library into an
// error.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: malformed document (%v)", r)
		}
	}()
	return dec.Decode(n)
}

func (d *decoder) yamlError(err error) {
	line := 1
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	msg := yamlLine.ReplaceAllString(err.Error(), "")
	msg = regexp.MustCompile(`^yaml:\s*:?\s*`).ReplaceAllString(msg, "")
	d.errorf(Pos{Line: line, Column: 1}, "invalid YAML: %s", msg)
}

// runbook decodes the root mapping.
func (d *decoder) runbook(root *yaml.Node) *Runbook {
	rb := &Runbook{}
	d.pos.set("", posOf(root))
	var kind string
	found := d.fields(root, "", "runbook", d.runbookFields(rb, &kind))
	if found == nil {
		return rb
	}
	if _, ok := found["kind"]; !ok {
		d.errorf(posOf(root), "missing kind: want \"kind: Runbook\"")
	} else if kind != "Runbook" {
		d.errorf(d.pos.at("kind"), "kind is %q; want \"Runbook\"", kind)
	}
	if _, ok := found["metadata"]; !ok {
		d.errorf(posOf(root), "missing metadata (with at least a name)")
	}
	if _, ok := found["steps"]; !ok {
		d.errorf(posOf(root), "missing steps: a runbook needs at least one step")
	}
	return rb
}

func (d *decoder) runbookFields(rb *Runbook, kind *string) map[string]fieldFunc {
	return map[string]fieldFunc{
		"apiVersion":   d.strInto(&rb.APIVersion, "apiVersion"),
		"kind":         d.strInto(kind, "kind"),
		"metadata":     func(v *yaml.Node, p string) { d.fields(v, p, "metadata", d.metadataFields(&rb.Metadata)) },
		"objectives":   func(v *yaml.Node, p string) { d.fields(v, p, "objectives", d.objectivesFields(&rb.Objectives)) },
		"parameters":   func(v *yaml.Node, p string) { rb.Parameters = list(d, v, p, "parameters", d.parameter) },
		"steady_state": func(v *yaml.Node, p string) { rb.SteadyState = list(d, v, p, "steady_state", d.probe) },
		"injects":      func(v *yaml.Node, p string) { rb.Injects = list(d, v, p, "injects", d.inject) },
		"steps": func(v *yaml.Node, p string) {
			if s := deref(v); s.Kind == yaml.SequenceNode && len(s.Content) > MaxSteps {
				d.errorf(posOf(s), "%s", tooManySteps(len(s.Content))) // not worth decoding
				d.rejected = true
				return
			}
			rb.Steps = list(d, v, p, "steps", d.step)
		},
	}
}

func (d *decoder) metadataFields(m *Metadata) map[string]fieldFunc {
	return map[string]fieldFunc{
		"name":        d.strInto(&m.Name, "metadata.name"),
		"version":     d.strInto(&m.Version, "metadata.version"),
		"description": d.strInto(&m.Description, "metadata.description"),
		"service":     d.strInto(&m.Service, "metadata.service"),
		"owner":       d.strInto(&m.Owner, "metadata.owner"),
		"tier":        d.intInto(&m.Tier, "metadata.tier"),
		"labels":      func(v *yaml.Node, p string) { m.Labels = d.labels(v, p) },
	}
}

func (d *decoder) labels(v *yaml.Node, path string) map[string]string {
	ps, ok := d.pairs(v, "metadata.labels")
	if !ok {
		return nil
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		if s, ok := d.str(p.v, "label "+strconv.Quote(p.key)); ok {
			out[p.key] = s
		}
	}
	return out
}

func (d *decoder) objectivesFields(o *Objectives) map[string]fieldFunc {
	return map[string]fieldFunc{
		"rto":        d.durationInto(&o.RTO, "objectives.rto"),
		"rpo":        d.durationInto(&o.RPO, "objectives.rpo"),
		"rpo_marker": d.strInto(&o.RPOMarker, "objectives.rpo_marker"),
	}
}

// list decodes a sequence whose items are decoded by item.
// An item that is not a mapping is reported and left out, so it causes no more errors.
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
