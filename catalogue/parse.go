package catalogue

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/runbooks"
)

// MaxSourceSize is the largest catalogue file Parse accepts (8 MiB).
const MaxSourceSize = 8 << 20

// Load reads the catalogue at path in fsys and parses it; see Parse.
func Load(fsys fs.FS, path string) (*Catalogue, runbooks.Diagnostics) {
	src, err := readLimited(fsys, path)
	if err != nil {
		rep := &reporter{file: path}
		rep.errorf(runbooks.Pos{}, "%v", err)
		return nil, rep.result()
	}
	return Parse(path, src)
}

func readLimited(fsys fs.FS, path string) ([]byte, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read catalogue: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxSourceSize+1))
	if err != nil {
		return nil, fmt.Errorf("read catalogue: %w", err)
	}
	return src, nil
}

// Parse decodes and validates a catalogue; filename is used in diagnostics only. It
// reports every problem it finds, each with its place, and returns the catalogue only
// when there is no error (warnings may come with it). The runbooks the services name
// are checked by LoadRunbooks, or together with the catalogue by Check.
func Parse(filename string, src []byte) (*Catalogue, runbooks.Diagnostics) {
	c, diags := parse(filename, src)
	if diags.HasErrors() {
		return nil, diags
	}
	return c, diags
}

// Check parses a catalogue and loads and checks the runbooks it names (LoadRunbooks),
// reporting the problems of both in one pass: a catalogue with a dependency cycle still
// has its runbook references checked. It returns the catalogue and its runbooks only
// when there is no error.
func Check(filename string, src []byte, load LoadFunc) (*Catalogue, Runbooks, runbooks.Diagnostics) {
	c, diags := parse(filename, src)
	if c == nil {
		return nil, nil, diags
	}
	rbs, more := c.LoadRunbooks(load)
	all := append(append(runbooks.Diagnostics{}, diags...), more...)
	all.Sort()
	if all.HasErrors() {
		return nil, nil, all
	}
	return c, rbs, all
}

// parse decodes and validates; the catalogue is nil only when the file is not YAML.
func parse(filename string, src []byte) (*Catalogue, runbooks.Diagnostics) {
	rep := &reporter{file: filename}
	d := &decoder{reporter: rep, pos: positions{}}
	root := d.document(src)
	if root == nil {
		return nil, rep.result()
	}
	c := d.catalogue(root)
	c.Source = runbooks.Source{File: filename, Digest: runbooks.Digest(src)}
	c.pos = d.pos
	(&validator{reporter: rep, c: c, pos: d.pos, parsed: true}).run()
	return c, rep.result()
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// document parses src into its single YAML document's root node, or reports why not.
func (d *decoder) document(src []byte) *yaml.Node {
	if len(src) > MaxSourceSize {
		d.errorf(runbooks.Pos{}, "catalogue is %d bytes; the limit is %d (8 MiB)", len(src), MaxSourceSize)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(runbooks.Pos{}, "empty catalogue: want apiVersion: %s, kind: %s, metadata and services", APIVersion, Kind)
		} else {
			d.yamlError(err)
		}
		return nil
	}
	var next yaml.Node
	if err := safeDecode(dec, &next); err == nil {
		d.errorf(posOf(&next), "a catalogue file holds one YAML document; found another")
	} else if !errors.Is(err, io.EOF) {
		d.yamlError(err)
	}
	if n, ok := expandedSize(&doc, map[*yaml.Node]int{}); !ok || n > maxExpanded {
		d.errorf(posOf(&doc), "YAML aliases expand to more than %d nodes or refer to themselves", maxExpanded)
		return nil
	}
	if len(doc.Content) == 0 {
		d.errorf(runbooks.Pos{}, "empty catalogue")
		return nil
	}
	return doc.Content[0]
}

// safeDecode decodes the next document, turning a panic in the YAML library into an error.
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
	d.errorf(runbooks.Pos{Line: line, Column: 1}, "invalid YAML: %s", msg)
}

// catalogue decodes the root mapping.
func (d *decoder) catalogue(root *yaml.Node) *Catalogue {
	c := &Catalogue{}
	d.pos.set("", posOf(root))
	var kind string
	found := d.fields(root, "", "catalogue", d.catalogueFields(c, &kind))
	if found == nil {
		return c
	}
	if !found["kind"] {
		d.errorf(posOf(root), "missing kind: want \"kind: %s\"", Kind)
	} else if kind != Kind {
		d.errorf(d.pos.at("kind"), "kind is %q; want %q", kind, Kind)
	}
	if !found["metadata"] {
		d.errorf(posOf(root), "missing metadata (with at least a name)")
	}
	if !found["services"] {
		d.errorf(posOf(root), "missing services: a catalogue lists at least one service")
	}
	return c
}

func (d *decoder) catalogueFields(c *Catalogue, kind *string) map[string]fieldFunc {
	return map[string]fieldFunc{
		"apiVersion": d.strInto(&c.APIVersion, "apiVersion"),
		"kind":       d.strInto(kind, "kind"),
		"metadata":   func(v *yaml.Node, p string) { d.fields(v, p, "metadata", d.metadataFields(&c.Metadata)) },
		"tiers":      func(v *yaml.Node, p string) { c.Tiers = list(d, v, p, "tiers", d.tier) },
		"services":   func(v *yaml.Node, p string) { c.Services = list(d, v, p, "services", d.service) },
		"scenarios":  func(v *yaml.Node, p string) { c.Scenarios = list(d, v, p, "scenarios", d.scenario) },
	}
}

func (d *decoder) metadataFields(m *Metadata) map[string]fieldFunc {
	return map[string]fieldFunc{
		"name":        d.strInto(&m.Name, "metadata.name"),
		"description": d.strInto(&m.Description, "metadata.description"),
		"owner":       d.strInto(&m.Owner, "metadata.owner"),
	}
}

func (d *decoder) tier(n *yaml.Node, path string) TierPolicy {
	t := TierPolicy{Tier: -1, Pos: posOf(n)}
	found := d.fields(n, path, "tier", d.tierFields(&t))
	if found != nil && !found["tier"] {
		d.errorf(posOf(n), "tier policy has no tier number")
	}
	return t
}

func (d *decoder) tierFields(t *TierPolicy) map[string]fieldFunc {
	return map[string]fieldFunc{
		"tier":        d.tierInto(&t.Tier, "tier"),
		"name":        d.strInto(&t.Name, "tier name"),
		"description": d.strInto(&t.Description, "tier description"),
		"targets":     func(v *yaml.Node, p string) { t.Targets = d.targets(v, p) },
		"drill_every": func(v *yaml.Node, _ string) {
			if x, ok := d.duration(v, "drill_every"); ok {
				t.DrillEvery = x
			}
		},
	}
}

// targets decodes {component: {rto, rpo}, zone: ..., region: ..., data: ...}.
func (d *decoder) targets(v *yaml.Node, path string) Targets {
	ps, ok := d.pairs(v, "targets")
	if !ok {
		return nil
	}
	out := Targets{}
	for _, p := range ps {
		if !validDisruption(p.key) {
			d.errorf(posOf(p.k), "unknown disruption type %q in targets: want one of %s%s", p.key, disruptionList(), suggest(p.key, disruptionNames()))
			continue
		}
		sub := join(path, p.key)
		d.pos.set(sub, posOf(deref(p.v)))
		var t Target
		d.fields(p.v, sub, p.key+" target", d.targetFields(&t, p.key))
		out[Disruption(p.key)] = t
	}
	return out
}

func (d *decoder) targetFields(t *Target, what string) map[string]fieldFunc {
	dur := func(dst **runbooks.Duration, name string) fieldFunc {
		return func(v *yaml.Node, _ string) {
			if x, ok := d.duration(v, what+" "+name); ok {
				*dst = &x
			}
		}
	}
	return map[string]fieldFunc{"rto": dur(&t.RTO, "rto"), "rpo": dur(&t.RPO, "rpo")}
}

func (d *decoder) service(n *yaml.Node, path string) Service {
	s := Service{Tier: -1, Pos: posOf(n)}
	found := d.fields(n, path, "service", d.serviceFields(&s))
	if found == nil {
		return s
	}
	if !found["name"] {
		d.errorf(posOf(n), "service has no name")
	}
	if !found["tier"] {
		d.errorf(d.pos.at(join(path, "name")), "service %q has no tier", s.Name)
	}
	if !found["owner"] {
		d.errorf(d.pos.at(join(path, "name")), "service %q has no owner: say who answers for its recovery", s.Name)
	}
	return s
}

func (d *decoder) serviceFields(s *Service) map[string]fieldFunc {
	return map[string]fieldFunc{
		"name":             d.strInto(&s.Name, "service name"),
		"description":      d.strInto(&s.Description, "service description"),
		"owner":            d.strInto(&s.Owner, "service owner"),
		"tier":             d.tierInto(&s.Tier, "service tier"),
		"business_process": d.strInto(&s.BusinessProcess, "business_process"),
		"targets":          func(v *yaml.Node, p string) { s.Targets = d.targets(v, p) },
		"depends_on":       func(v *yaml.Node, p string) { s.DependsOn = d.strList(v, p, "depends_on") },
		"runbooks":         func(v *yaml.Node, p string) { s.Runbooks = list(d, v, p, "runbooks", d.runbookRef) },
		"tags":             func(v *yaml.Node, p string) { s.Tags = d.strMap(v, p, "tag") },
	}
}

func (d *decoder) runbookRef(n *yaml.Node, path string) RunbookRef {
	r := RunbookRef{Pos: posOf(n)}
	found := d.fields(n, path, "runbook reference", d.runbookRefFields(&r))
	if found == nil {
		return r
	}
	if !found["path"] {
		d.errorf(posOf(n), "runbook reference has no path")
	}
	if !found["disruptions"] {
		d.errorf(posOf(n), "runbook reference has no disruptions: say which of %s it recovers from", disruptionList())
	}
	return r
}

func (d *decoder) runbookRefFields(r *RunbookRef) map[string]fieldFunc {
	return map[string]fieldFunc{
		"path": func(v *yaml.Node, p string) {
			if s, ok := d.str(v, "runbook path"); ok {
				r.Path = s
				r.Pos = posOf(deref(v))
			}
		},
		"disruptions": func(v *yaml.Node, p string) {
			for i, s := range d.strList(v, p, "disruptions") {
				if !validDisruption(s) {
					d.errorf(d.pos.at(index(p, i)), "unknown disruption type %q: want one of %s%s", s, disruptionList(), suggest(s, disruptionNames()))
					continue
				}
				r.Disruptions = append(r.Disruptions, Disruption(s))
			}
		},
		"params": func(v *yaml.Node, p string) { r.Params = d.strMap(v, p, "param") },
	}
}

func (d *decoder) scenario(n *yaml.Node, path string) Scenario {
	s := Scenario{Pos: posOf(n)}
	found := d.fields(n, path, "scenario", d.scenarioFields(&s))
	if found == nil {
		return s
	}
	if !found["name"] {
		d.errorf(posOf(n), "scenario has no name")
	}
	if !found["disruption"] {
		d.errorf(posOf(n), "scenario %q has no disruption: want one of %s", s.Name, disruptionList())
	}
	if !found["select"] {
		d.errorf(posOf(n), "scenario %q has no select: name the services it hits, or their tags", s.Name)
	}
	return s
}

func (d *decoder) scenarioFields(s *Scenario) map[string]fieldFunc {
	return map[string]fieldFunc{
		"name":        d.strInto(&s.Name, "scenario name"),
		"title":       d.strInto(&s.Title, "scenario title"),
		"description": d.strInto(&s.Description, "scenario description"),
		"disruption": func(v *yaml.Node, _ string) {
			if x, ok := d.str(v, "disruption"); ok {
				if !validDisruption(x) {
					d.errorf(posOf(deref(v)), "unknown disruption type %q: want one of %s%s", x, disruptionList(), suggest(x, disruptionNames()))
					return
				}
				s.Disruption = Disruption(x)
			}
		},
		"select": func(v *yaml.Node, p string) { d.fields(v, p, "select", d.selectFields(&s.Select)) },
	}
}

func (d *decoder) selectFields(sel *Selector) map[string]fieldFunc {
	return map[string]fieldFunc{
		"services": func(v *yaml.Node, p string) { sel.Services = d.strList(v, p, "select.services") },
		"tags":     func(v *yaml.Node, p string) { sel.Tags = d.strMap(v, p, "select tag") },
	}
}

func disruptionNames() []string {
	out := make([]string, len(Disruptions))
	for i, d := range Disruptions {
		out[i] = string(d)
	}
	return out
}

func disruptionList() string {
	s := ""
	for i, d := range Disruptions {
		switch {
		case i == len(Disruptions)-1:
			s += " or "
		case i > 0:
			s += ", "
		}
		s += string(d)
	}
	return s
}
