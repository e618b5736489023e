package catalogue

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/yamlnode"
	"github.com/bcdr/bcdr/runbooks"
)

// Annotations a Backstage entity may carry for bcdr.
const (
	// AnnotationTier gives the service's tier ("1").
	AnnotationTier = "bcdr.io/tier"
	// AnnotationBusinessProcess names its business process; the default is the
	// title (or name) of the entity's system.
	AnnotationBusinessProcess = "bcdr.io/business-process"
)

// defaultImportTier is the tier of an imported service whose entity gives none.
const defaultImportTier = 3

// ImportBackstage turns a Backstage catalog-info.yaml (one or more YAML documents) into
// a catalogue named name, with DefaultTiers as its tier policies. Each Component and
// Resource entity becomes a service: metadata.name, description, spec.owner (a bare
// owner is a group, as in Backstage), spec.dependsOn (component and resource refs),
// the title of spec.system as business process, metadata.labels and spec.type as tags,
// and the tier from the bcdr.io/tier annotation (tier 3, with a warning, without one).
// Systems name business processes; other kinds are ignored. Problems are reported with
// their place; the fields bcdr does not use are not checked.
func ImportBackstage(filename string, src []byte, name string) (*Catalogue, runbooks.Diagnostics) {
	rep := &reporter{file: filename}
	d := newDecoder(rep)
	var entities []entity
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		if err := yamlnode.SafeDecode(dec, &doc); err != nil {
			if !errors.Is(err, io.EOF) {
				d.InvalidYAML(err)
			}
			break
		}
		if err := checkExpansion(&doc); err != nil {
			d.errorf(yamlnode.PosOf(&doc), "%v", err)
			break
		}
		if len(doc.Content) == 0 || yamlnode.Deref(doc.Content[0]).Tag == "!!null" {
			continue
		}
		if e, ok := d.entity(doc.Content[0]); ok {
			entities = append(entities, e)
		}
	}
	c := &Catalogue{
		APIVersion: APIVersion, Metadata: Metadata{Name: name, Description: "Imported from " + filename},
		Tiers: DefaultTiers(), Source: runbooks.Source{File: filename, Digest: runbooks.Digest(src)},
	}
	c.Services = servicesOf(d, entities)
	if len(c.Services) == 0 && !rep.diags.HasErrors() {
		rep.errorf(runbooks.Pos{}, "no Component or Resource entity to import")
	}
	diags := rep.result()
	if diags.HasErrors() {
		return nil, diags
	}
	return c, diags
}

// entity is the part of a Backstage entity bcdr reads.
type entity struct {
	kind, name, title, description string
	labels, annotations            map[string]string
	specType, owner, system        string
	dependsOn                      []string
	dependsPos                     []runbooks.Pos
	pos                            runbooks.Pos
}

func (d *decoder) entity(n *yaml.Node) (entity, bool) {
	e := entity{pos: yamlnode.PosOf(n)}
	ps, ok := d.Pairs(n, "entity")
	if !ok {
		return e, false
	}
	for _, p := range ps {
		switch p.Key {
		case "kind":
			e.kind, _ = d.Str(p.V, "kind")
		case "metadata":
			d.entityMetadata(p.V, &e)
		case "spec":
			d.entitySpec(p.V, &e)
		}
	}
	if e.kind == "" {
		d.errorf(e.pos, "entity has no kind")
		return e, false
	}
	if e.name == "" {
		d.errorf(e.pos, "%s entity has no metadata.name", e.kind)
		return e, false
	}
	return e, true
}

func (d *decoder) entityMetadata(v *yaml.Node, e *entity) {
	ps, ok := d.Pairs(v, "metadata")
	if !ok {
		return
	}
	for _, p := range ps {
		switch p.Key {
		case "name":
			e.name, _ = d.Str(p.V, "metadata.name")
		case "title":
			e.title, _ = d.Str(p.V, "metadata.title")
		case "description":
			e.description, _ = d.Str(p.V, "metadata.description")
		case "labels":
			e.labels = d.StrMap(p.V, "", "label")
		case "annotations":
			e.annotations = d.StrMap(p.V, "", "annotation")
			if t, ok := e.annotations[AnnotationTier]; ok {
				if n, err := strconv.Atoi(t); err != nil || n < 0 {
					d.errorf(yamlnode.PosOf(valueOf(p.V, AnnotationTier)), "annotation %s must be a tier number, got %q", AnnotationTier, t)
				}
			}
		}
	}
}

func (d *decoder) entitySpec(v *yaml.Node, e *entity) {
	ps, ok := d.Pairs(v, "spec")
	if !ok {
		return
	}
	for _, p := range ps {
		switch p.Key {
		case "type":
			e.specType, _ = d.Str(p.V, "spec.type")
		case "owner":
			e.owner, _ = d.Str(p.V, "spec.owner")
		case "system":
			e.system, _ = d.Str(p.V, "spec.system")
		case "dependsOn":
			v := yamlnode.Deref(p.V)
			e.dependsOn = d.StrList(v, "", "spec.dependsOn")
			for _, c := range v.Content {
				e.dependsPos = append(e.dependsPos, yamlnode.PosOf(yamlnode.Deref(c)))
			}
		}
	}
}

// servicesOf turns components and resources into services.
func servicesOf(d *decoder, entities []entity) []Service {
	systems := map[string]string{}
	known := map[string]bool{}
	for _, e := range entities {
		switch strings.ToLower(e.kind) {
		case "system":
			systems[refName(e.name)] = firstOf(e.title, e.name)
		case "component", "resource":
			known[e.name] = true
		}
	}
	var out []Service
	for _, e := range entities {
		kind := strings.ToLower(e.kind)
		if kind != "component" && kind != "resource" {
			continue
		}
		s := Service{Name: e.name, Description: e.description, Owner: ownerRef(e.owner), Tier: defaultImportTier, Pos: e.pos}
		if t, ok := e.annotations[AnnotationTier]; ok {
			s.Tier, _ = strconv.Atoi(t)
		} else {
			d.warnf(e.pos, "%s %q has no %s annotation; tier %d assumed", e.kind, e.name, AnnotationTier, defaultImportTier)
		}
		if s.Owner == "" {
			d.errorf(e.pos, "%s %q has no spec.owner", e.kind, e.name)
		}
		s.BusinessProcess = e.annotations[AnnotationBusinessProcess]
		if s.BusinessProcess == "" && e.system != "" {
			s.BusinessProcess = firstOf(systems[refName(e.system)], refName(e.system))
		}
		s.DependsOn = dependencies(d, e, known)
		s.Tags = tagsOf(e)
		out = append(out, s)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

func dependencies(d *decoder, e entity, known map[string]bool) []string {
	var out []string
	for i, ref := range e.dependsOn {
		kind, name := refKind(ref), refName(ref)
		if kind != "component" && kind != "resource" {
			continue
		}
		if !known[name] && i < len(e.dependsPos) {
			d.warnf(e.dependsPos[i], "%s %q depends on %s, which the file does not define; add it to the catalogue", e.kind, e.name, ref)
		}
		out = append(out, name)
	}
	return out
}

func tagsOf(e entity) map[string]string {
	tags := map[string]string{}
	for k, v := range e.labels {
		tags[k] = v
	}
	if e.specType != "" {
		tags["type"] = e.specType
	}
	if len(tags) == 0 {
		return nil
	}
	return tags
}

// refKind returns the kind of an entity ref "[kind:][namespace/]name", lower case;
// "component" when it has none.
func refKind(ref string) string {
	if k, _, ok := strings.Cut(ref, ":"); ok {
		return strings.ToLower(k)
	}
	return "component"
}

// refName returns the name of an entity ref.
func refName(ref string) string {
	if _, rest, ok := strings.Cut(ref, ":"); ok {
		ref = rest
	}
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		ref = ref[i+1:]
	}
	return ref
}

// ownerRef turns a Backstage owner ref into bcdr's "group:name" or "user:name".
func ownerRef(ref string) string {
	if ref == "" {
		return ""
	}
	kind := "group"
	if k, _, ok := strings.Cut(ref, ":"); ok {
		kind = strings.ToLower(k)
	}
	return kind + ":" + refName(ref)
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// valueOf returns the value node of key in mapping m (m itself when not found).
func valueOf(m *yaml.Node, key string) *yaml.Node {
	m = yamlnode.Deref(m)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if yamlnode.Deref(m.Content[i]).Value == key {
			return yamlnode.Deref(m.Content[i+1])
		}
	}
	return m
}
