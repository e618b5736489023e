package catalogue

import (
	"io/fs"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/yamlnode"
	"github.com/bcdr/bcdr/runbooks"
)

// MaxSourceSize is the largest catalogue file Parse accepts (8 MiB).
const MaxSourceSize = 8 << 20

// Load reads the catalogue at path in fsys and parses it; see Parse.
func Load(fsys fs.FS, path string) (*Catalogue, runbooks.Diagnostics) {
	src, err := yamlnode.ReadFile(fsys, path, MaxSourceSize)
	if err != nil {
		rep := &reporter{file: path}
		rep.errorf(runbooks.Pos{}, "read catalogue: %v", err)
		return nil, rep.result()
	}
	return Parse(path, src)
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
	d := newDecoder(rep)
	root := d.Document(src, catalogueFormat)
	if root == nil {
		return nil, rep.result()
	}
	c := d.catalogue(root)
	c.Source = runbooks.Source{File: filename, Digest: runbooks.Digest(src)}
	c.pos = d.Pos
	(&validator{reporter: rep, c: c, pos: d.Pos, parsed: true}).run()
	return c, rep.result()
}

// catalogue decodes the root mapping.
func (d *decoder) catalogue(root *yaml.Node) *Catalogue {
	c := &Catalogue{}
	d.Pos.Set("", yamlnode.PosOf(root))
	var kind string
	found := d.Fields(root, "", "catalogue", d.catalogueFields(c, &kind))
	at := yamlnode.PosOf(root)
	d.RequireKind(found, kind, Kind, at)
	d.Require(found, "metadata", at, "missing metadata (with at least a name)")
	d.Require(found, "services", at, "missing services: a catalogue lists at least one service")
	return c
}

func (d *decoder) catalogueFields(c *Catalogue, kind *string) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"apiVersion": d.StrInto(&c.APIVersion, "apiVersion"),
		"kind":       d.StrInto(kind, "kind"),
		"metadata":   func(v *yaml.Node, p string) { d.Fields(v, p, "metadata", d.metadataFields(&c.Metadata)) },
		"tiers":      func(v *yaml.Node, p string) { c.Tiers = yamlnode.List(d.Decoder, v, p, "tiers", d.tier) },
		"contacts":   func(v *yaml.Node, p string) { c.Contacts = yamlnode.List(d.Decoder, v, p, "contacts", d.contact) },
		"services":   func(v *yaml.Node, p string) { c.Services = yamlnode.List(d.Decoder, v, p, "services", d.service) },
		"scenarios":  func(v *yaml.Node, p string) { c.Scenarios = yamlnode.List(d.Decoder, v, p, "scenarios", d.scenario) },
	}
}

func (d *decoder) metadataFields(m *Metadata) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"name":        d.StrInto(&m.Name, "metadata.name"),
		"description": d.StrInto(&m.Description, "metadata.description"),
		"owner":       d.StrInto(&m.Owner, "metadata.owner"),
	}
}

func (d *decoder) tier(n *yaml.Node, path string) TierPolicy {
	t := TierPolicy{Tier: -1, Pos: yamlnode.PosOf(n)}
	found := d.Fields(n, path, "tier", d.tierFields(&t))
	d.Require(found, "tier", yamlnode.PosOf(n), "tier policy has no tier number")
	return t
}

func (d *decoder) tierFields(t *TierPolicy) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"tier":            d.tierInto(&t.Tier, "tier"),
		"name":            d.StrInto(&t.Name, "tier name"),
		"description":     d.StrInto(&t.Description, "tier description"),
		"targets":         func(v *yaml.Node, p string) { t.Targets = d.targets(v, p) },
		"drill_every":     yamlnode.Into(&t.DrillEvery, "drill_every", d.duration),
		"improvement_due": yamlnode.Into(&t.ImprovementDue, "improvement_due", d.duration),
		"mtd":             d.durationPtr(&t.MTD, "mtd"),
	}
}

// targets decodes {component: {rto, rpo}, zone: ..., region: ..., data: ...}.
func (d *decoder) targets(v *yaml.Node, path string) Targets {
	ps, ok := d.Pairs(v, "targets")
	if !ok {
		return nil
	}
	out := Targets{}
	for _, p := range ps {
		if !d.disruption(p.Key, yamlnode.PosOf(p.K), " in targets") {
			continue
		}
		sub := yamlnode.Join(path, p.Key)
		d.Pos.Set(sub, yamlnode.PosOf(yamlnode.Deref(p.V)))
		var t Target
		d.Fields(p.V, sub, p.Key+" target", d.targetFields(&t, p.Key))
		out[Disruption(p.Key)] = t
	}
	return out
}

func (d *decoder) targetFields(t *Target, what string) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{"rto": d.durationPtr(&t.RTO, what+" rto"), "rpo": d.durationPtr(&t.RPO, what+" rpo")}
}

// durationPtr decodes an optional duration.
func (d *decoder) durationPtr(dst **runbooks.Duration, what string) yamlnode.FieldFunc {
	return func(v *yaml.Node, _ string) {
		if x, ok := d.duration(v, what); ok {
			*dst = &x
		}
	}
}

func (d *decoder) service(n *yaml.Node, path string) Service {
	s := Service{Tier: -1, Pos: yamlnode.PosOf(n)}
	found := d.Fields(n, path, "service", d.serviceFields(&s))
	name := d.Pos.At(yamlnode.Join(path, "name"))
	d.Require(found, "name", yamlnode.PosOf(n), "service has no name")
	d.Require(found, "tier", name, "service %q has no tier", s.Name)
	d.Require(found, "owner", name, "service %q has no owner: say who answers for its recovery", s.Name)
	return s
}

func (d *decoder) serviceFields(s *Service) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"name":             d.StrInto(&s.Name, "service name"),
		"description":      d.StrInto(&s.Description, "service description"),
		"owner":            d.StrInto(&s.Owner, "service owner"),
		"deputy":           d.StrInto(&s.Deputy, "service deputy"),
		"mtd":              d.durationPtr(&s.MTD, "mtd"),
		"tier":             d.tierInto(&s.Tier, "service tier"),
		"business_process": d.StrInto(&s.BusinessProcess, "business_process"),
		"targets":          func(v *yaml.Node, p string) { s.Targets = d.targets(v, p) },
		"depends_on":       func(v *yaml.Node, p string) { s.DependsOn = d.StrList(v, p, "depends_on") },
		"runbooks":         func(v *yaml.Node, p string) { s.Runbooks = yamlnode.List(d.Decoder, v, p, "runbooks", d.runbookRef) },
		"tags":             func(v *yaml.Node, p string) { s.Tags = d.StrMap(v, p, "tag") },
	}
}

func (d *decoder) runbookRef(n *yaml.Node, path string) RunbookRef {
	r := RunbookRef{Pos: yamlnode.PosOf(n)}
	found := d.Fields(n, path, "runbook reference", d.runbookRefFields(&r))
	at := yamlnode.PosOf(n)
	d.Require(found, "path", at, "runbook reference has no path")
	d.Require(found, "disruptions", at, "runbook reference has no disruptions: say which of %s it recovers from", disruptionList())
	return r
}

func (d *decoder) runbookRefFields(r *RunbookRef) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"path": func(v *yaml.Node, p string) {
			if s, ok := d.Str(v, "runbook path"); ok {
				r.Path = s
				r.Pos = yamlnode.PosOf(yamlnode.Deref(v))
			}
		},
		"disruptions": func(v *yaml.Node, p string) {
			for i, s := range d.StrList(v, p, "disruptions") {
				if !d.disruption(s, d.Pos.At(yamlnode.Index(p, i)), "") {
					continue
				}
				r.Disruptions = append(r.Disruptions, Disruption(s))
			}
		},
		"params": func(v *yaml.Node, p string) { r.Params = d.StrMap(v, p, "param") },
	}
}

func (d *decoder) scenario(n *yaml.Node, path string) Scenario {
	s := Scenario{Pos: yamlnode.PosOf(n)}
	found := d.Fields(n, path, "scenario", d.scenarioFields(&s))
	at := yamlnode.PosOf(n)
	d.Require(found, "name", at, "scenario has no name")
	d.Require(found, "disruption", at, "scenario %q has no disruption: want one of %s", s.Name, disruptionList())
	d.Require(found, "select", at, "scenario %q has no select: name the services it hits, or their tags", s.Name)
	return s
}

func (d *decoder) scenarioFields(s *Scenario) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"name":               d.StrInto(&s.Name, "scenario name"),
		"title":              d.StrInto(&s.Title, "scenario title"),
		"description":        d.StrInto(&s.Description, "scenario description"),
		"incident_commander": d.StrInto(&s.IncidentCommander, "incident_commander"),
		"disruption": func(v *yaml.Node, _ string) {
			if x, ok := d.Str(v, "disruption"); ok {
				if !d.disruption(x, yamlnode.PosOf(yamlnode.Deref(v)), "") {
					return
				}
				s.Disruption = Disruption(x)
			}
		},
		"select": func(v *yaml.Node, p string) { d.Fields(v, p, "select", d.selectFields(&s.Select)) },
	}
}

func (d *decoder) selectFields(sel *Selector) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"services": func(v *yaml.Node, p string) { sel.Services = d.StrList(v, p, "select.services") },
		"tags":     func(v *yaml.Node, p string) { sel.Tags = d.StrMap(v, p, "select tag") },
	}
}

// disruption reports whether s is a disruption type, and reports it at at (where it
// stands, as " in targets", after the name) when it is not.
func (d *decoder) disruption(s string, at runbooks.Pos, where string) bool {
	if validDisruption(s) {
		return true
	}
	d.errorf(at, "unknown disruption type %q%s: want one of %s%s", s, where, disruptionList(), yamlnode.Suggest(s, disruptionNames()))
	return false
}

func disruptionNames() []string {
	out := make([]string, len(Disruptions))
	for i, d := range Disruptions {
		out[i] = string(d)
	}
	return out
}

// disruptionList is "component, zone, region or data".
func disruptionList() string { return joinOr(disruptionNames()) }
