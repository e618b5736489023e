package catalogue

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
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

// maxLocationDepth bounds how deep Location entities are followed (a Location naming a
// Location ...): Backstage's own examples go two deep.
const maxLocationDepth = 8

// ImportRoot is a folder an import reads from: the paths (files or folders) in it, and
// the label its files carry in messages (the folder as the user named it). A Location's
// targets are read from the same folder and may not leave it.
type ImportRoot struct {
	FS    fs.FS
	Label string
	Paths []string
}

// ImportOptions configures ImportBackstageFS.
type ImportOptions struct {
	// Name is the catalogue's name.
	Name string
	// Strict makes unresolved references, dependency cycles and invalid entity names
	// errors; by default they are findings (warnings) and the result leaves them out, so
	// that it validates.
	Strict bool
}

// ImportBackstage turns one Backstage catalog-info.yaml (one or more YAML documents) into
// a catalogue named name; see ImportBackstageFS. Location entities in it are reported,
// not followed: ImportBackstageFS reads the files they name.
func ImportBackstage(filename string, src []byte, name string) (*Catalogue, runbooks.Diagnostics) {
	im := newImporter(ImportOptions{Name: name})
	for _, loc := range im.parse(filename, src, nil, 0) {
		loc.d.warnf(loc.pos, "Location %q is not followed when one file's text is imported; import the file or its folder to read its targets", loc.name)
	}
	return im.result(runbooks.Source{File: filename, Digest: runbooks.Digest(src)})
}

// ImportBackstageFS turns a Backstage catalogue as it is kept (catalog-info.yaml files in
// repositories, a root Location listing them) into a catalogue. It reads every given
// file and every .yaml/.yml file under every given folder, and follows Location entities
// (spec.target and spec.targets, relative paths and globs; at most maxLocationDepth deep;
// never outside the root; URLs are reported, not fetched).
//
// Each Component and Resource entity becomes a service: its name (a namespace other than
// "default" is kept as a prefix, "namespace.name"), description, spec.owner (a bare owner
// is a group, as in Backstage; a namespace is kept), the title of spec.system as business
// process, metadata.labels, metadata.tags and spec.type as tags, the tier from the
// bcdr.io/tier annotation (tier 3, with a warning, without one), and its dependencies:
// its own spec.dependsOn, the spec.dependencyOf of the entities that name it, and its
// subcomponents (spec.subcomponentOf of others: a component cannot run without its
// parts). Refs without a namespace take the namespace of the entity that makes them.
//
// What a catalogue cannot hold is a finding with its file and line, and left out of the
// result, so that the result validates: entity names Backstage itself would refuse, two
// entities that become one service name, references to entities the import did not read,
// and dependency cycles (the edge that closes each is dropped). With opts.Strict they are
// errors.
func ImportBackstageFS(roots []ImportRoot, opts ImportOptions) (*Catalogue, runbooks.Diagnostics) {
	im := newImporter(opts)
	var files []string
	for _, r := range roots {
		for _, p := range r.Paths {
			im.read(r, p, 0, nil)
		}
		files = append(files, path.Join(r.Label, strings.Join(r.Paths, ",")))
	}
	return im.result(runbooks.Source{File: strings.Join(files, " "), Digest: im.digest()})
}

// importer collects the entities of every file it reads.
type importer struct {
	opts     ImportOptions
	entities []entity
	reps     []*reporter
	read1    map[string]bool // files read, by label/path
	digests  []string
}

func newImporter(opts ImportOptions) *importer {
	return &importer{opts: opts, read1: map[string]bool{}}
}

// read reads a path of root: a folder's .yaml and .yml files (recursively, in name order)
// or one file. from is the Location that named it (nil for a path the user gave).
func (im *importer) read(r ImportRoot, p string, depth int, from *located) {
	p = path.Clean(strings.TrimPrefix(p, "./"))
	if !fs.ValidPath(p) {
		im.finding(from, "Location target %q leaves the folder %s; it is not read", p, r.Label)
		return
	}
	if strings.ContainsAny(p, "*?[") {
		matches, err := fs.Glob(r.FS, p)
		if err != nil || len(matches) == 0 {
			im.finding(from, "Location target %q matches no file", p)
		}
		for _, m := range matches {
			im.read(r, m, depth, from)
		}
		return
	}
	info, err := fs.Stat(r.FS, p)
	if err != nil {
		im.finding(from, "%s: %v", path.Join(r.Label, p), plainError(err))
		return
	}
	if info.IsDir() {
		_ = fs.WalkDir(r.FS, p, func(q string, de fs.DirEntry, err error) error {
			if err != nil {
				im.finding(from, "%s: %v", path.Join(r.Label, q), plainError(err))
				return nil
			}
			if ext := path.Ext(q); !de.IsDir() && (ext == ".yaml" || ext == ".yml") {
				im.readFile(r, q, depth, from)
			}
			return nil
		})
		return
	}
	im.readFile(r, p, depth, from)
}

func (im *importer) readFile(r ImportRoot, p string, depth int, from *located) {
	label := path.Join(r.Label, p)
	if im.read1[label] {
		return // named by two Locations, or by a Location and the user
	}
	im.read1[label] = true
	src, err := fs.ReadFile(r.FS, p)
	if err != nil {
		im.finding(from, "%s: %v", label, plainError(err))
		return
	}
	locations := im.parse(label, src, from, depth)
	for _, loc := range locations {
		if depth+1 > maxLocationDepth {
			loc.d.warnf(loc.pos, "Location %q is %d Locations deep; its targets are not read (at most %d)", loc.name, depth+1, maxLocationDepth)
			continue
		}
		for _, t := range loc.targets {
			if strings.Contains(t.value, "://") {
				loc.d.warnf(t.pos, "Location target %s is a URL; bcdr reads files only: fetch it and name the file", t.value)
				continue
			}
			im.read(r, path.Join(path.Dir(p), t.value), depth+1, &located{d: loc.d, pos: t.pos})
		}
	}
}

// plainError is a file error without Go's "open"/"stat" prefixes.
func plainError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// located is a place in a file that has been read: where a finding about it goes.
type located struct {
	d   *decoder
	pos runbooks.Pos
}

func (im *importer) finding(at *located, format string, args ...any) {
	if at == nil {
		rep := &reporter{file: "bcdr catalogue import"}
		im.reps = append(im.reps, rep)
		rep.errorf(runbooks.Pos{}, format, args...)
		return
	}
	at.d.warnf(at.pos, format, args...)
}

// parse decodes the entities of one file and returns its Locations.
func (im *importer) parse(filename string, src []byte, from *located, depth int) []location {
	rep := &reporter{file: filename}
	im.reps = append(im.reps, rep)
	im.digests = append(im.digests, filename+" "+runbooks.Digest(src))
	d := newDecoder(rep)
	var locations []location
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		if err := yamlnode.SafeDecode(dec, &doc); err != nil {
			if !errors.Is(err, io.EOF) {
				d.InvalidYAML(src, err)
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
		e, ok := d.entity(doc.Content[0])
		if !ok {
			continue
		}
		e.d = d
		if strings.EqualFold(e.kind, "location") {
			locations = append(locations, location{d: d, pos: e.pos, name: e.name, targets: e.targets})
			continue
		}
		im.entities = append(im.entities, e)
	}
	return locations
}

// location is a Location entity: the files it names.
type location struct {
	d       *decoder
	pos     runbooks.Pos
	name    string
	targets []target
}

type target struct {
	value string
	pos   runbooks.Pos
}

func (im *importer) digest() string {
	sort.Strings(im.digests)
	return runbooks.Digest([]byte(strings.Join(im.digests, "\n")))
}

// result turns the entities read into the catalogue.
func (im *importer) result(src runbooks.Source) (*Catalogue, runbooks.Diagnostics) {
	c := &Catalogue{
		APIVersion: APIVersion, Metadata: Metadata{Name: im.opts.Name, Description: "Imported from " + src.File},
		Tiers: DefaultTiers(), Source: src,
	}
	c.Services = im.services()
	var all runbooks.Diagnostics
	for _, r := range im.reps {
		all = append(all, r.result()...)
	}
	if len(c.Services) == 0 && !all.HasErrors() {
		first := &reporter{file: src.File}
		if len(im.reps) > 0 {
			first = im.reps[0]
		}
		first.errorf(runbooks.Pos{}, "no Component or Resource entity to import")
		all = append(all, first.diags[len(first.diags)-1])
	}
	all.Sort()
	if all.HasErrors() {
		return nil, all
	}
	return c, all
}

// entity is the part of a Backstage entity bcdr reads.
type entity struct {
	kind, namespace, name, title, description string
	labels, annotations                       map[string]string
	tags                                      []string
	specType, owner, system                   string
	dependsOn, dependencyOf, subcomponentOf   []target
	targets                                   []target // a Location's
	pos, namePos                              runbooks.Pos
	d                                         *decoder
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
			e.namePos = yamlnode.PosOf(yamlnode.Deref(p.V))
		case "namespace":
			e.namespace, _ = d.Str(p.V, "metadata.namespace")
		case "tags":
			e.tags = d.StrList(yamlnode.Deref(p.V), "", "metadata.tags")
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
		case "subcomponentOf":
			if ref, ok := d.Str(p.V, "spec.subcomponentOf"); ok {
				e.subcomponentOf = []target{{value: ref, pos: yamlnode.PosOf(yamlnode.Deref(p.V))}}
			}
		case "dependsOn":
			e.dependsOn = d.refList(p.V, "spec.dependsOn")
		case "dependencyOf":
			e.dependencyOf = d.refList(p.V, "spec.dependencyOf")
		case "target":
			if t, ok := d.Str(p.V, "spec.target"); ok {
				e.targets = append(e.targets, target{value: t, pos: yamlnode.PosOf(yamlnode.Deref(p.V))})
			}
		case "targets":
			e.targets = append(e.targets, d.refList(p.V, "spec.targets")...)
		}
	}
}

// refList reads a list of strings with the place of each.
func (d *decoder) refList(v *yaml.Node, what string) []target {
	v = yamlnode.Deref(v)
	values := d.StrList(v, "", what)
	out := make([]target, 0, len(values))
	for i, s := range values {
		pos := yamlnode.PosOf(v)
		if i < len(v.Content) {
			pos = yamlnode.PosOf(yamlnode.Deref(v.Content[i]))
		}
		out = append(out, target{value: s, pos: pos})
	}
	return out
}

// Backstage's own rules for entity names and namespaces (the catalog-model's
// KubernetesValidatorFunctions): a name is 1 to 63 letters, digits and [-_.] that starts
// and ends with a letter or digit; a namespace is a DNS label.
var (
	entityNameRE = regexp.MustCompile(`^[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?$`)
	namespaceRE  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
)

// serviceKey is how references find an entity: Backstage compares refs without case.
func serviceKey(namespace, name string) string {
	return strings.ToLower(firstOf(namespace, "default") + "/" + name)
}

// serviceName is the service an entity becomes: its name, prefixed with its namespace
// when that is not the default one.
func serviceName(namespace, name string) string {
	if namespace == "" || strings.EqualFold(namespace, "default") {
		return name
	}
	return namespace + "." + name
}

// services turns components and resources into services.
func (im *importer) services() []Service {
	systems := map[string]string{}
	byKey := map[string]int{} // service key -> index in out
	var out []Service
	var from []entity // the entity of each service
	for _, e := range im.entities {
		if strings.EqualFold(e.kind, "system") {
			systems[serviceKey(e.namespace, e.name)] = firstOf(e.title, e.name)
		}
	}
	for _, e := range im.entities {
		kind := strings.ToLower(e.kind)
		if kind != "component" && kind != "resource" {
			continue
		}
		at := e.namePos
		if at.Line == 0 {
			at = e.pos
		}
		if !entityNameRE.MatchString(e.name) || (e.namespace != "" && !namespaceRE.MatchString(e.namespace)) {
			im.problem(e.d, at, "%s %q: Backstage refuses this name or namespace (1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit); it is not imported", e.kind, serviceName(e.namespace, e.name))
			continue
		}
		key := serviceKey(e.namespace, e.name)
		if first, dup := byKey[key]; dup {
			im.problem(e.d, at, "%s %q is defined twice (first as a %s at %s); the second is not imported", e.kind, serviceName(e.namespace, e.name), from[first].kind, from[first].d.file+":"+strconv.Itoa(from[first].pos.Line))
			continue
		}
		s := Service{Name: serviceName(e.namespace, e.name), Description: e.description, Owner: ownerRef(e.owner, e.namespace), Tier: defaultImportTier, Pos: e.pos}
		if t, ok := e.annotations[AnnotationTier]; ok {
			s.Tier, _ = strconv.Atoi(t)
		} else {
			e.d.warnf(e.pos, "%s %q has no %s annotation; tier %d assumed", e.kind, s.Name, AnnotationTier, defaultImportTier)
		}
		if s.Owner == "" {
			e.d.errorf(e.pos, "%s %q has no spec.owner", e.kind, s.Name)
		}
		s.BusinessProcess = e.annotations[AnnotationBusinessProcess]
		if s.BusinessProcess == "" && e.system != "" {
			ns, name := refParts(e.system, e.namespace)
			s.BusinessProcess = firstOf(systems[serviceKey(ns, name)], name)
		}
		s.Tags = tagsOf(e)
		byKey[key] = len(out)
		out = append(out, s)
		from = append(from, e)
	}
	// Dependencies, now that every service is known: A dependsOn B; B dependencyOf A;
	// A's subcomponent B (B subcomponentOf A).
	add := func(i int, e entity, t target, ref string, what string) {
		kind := refKind(ref, "component")
		if kind != "component" && kind != "resource" {
			return
		}
		ns, name := refParts(ref, e.namespace)
		j, ok := byKey[serviceKey(ns, name)]
		if !ok {
			im.problem(e.d, t.pos, "%s %q %s %s, which the import did not read; it is left out (import the file that defines it, or add it to the catalogue)", e.kind, out[i].Name, what, ref)
			return
		}
		if i == j || slices.Contains(out[i].DependsOn, out[j].Name) {
			return
		}
		out[i].DependsOn = append(out[i].DependsOn, out[j].Name)
	}
	for i, e := range from {
		for _, t := range e.dependsOn {
			add(i, e, t, t.value, "depends on")
		}
	}
	for j, e := range from {
		for _, t := range e.dependencyOf {
			if i, ok := im.resolve(e, t, out[j].Name, byKey, out, "is a dependency of"); ok && !slices.Contains(out[i].DependsOn, out[j].Name) {
				out[i].DependsOn = append(out[i].DependsOn, out[j].Name)
			}
		}
		for _, t := range e.subcomponentOf {
			if i, ok := im.resolve(e, t, out[j].Name, byKey, out, "is a subcomponent of"); ok && !slices.Contains(out[i].DependsOn, out[j].Name) {
				out[i].DependsOn = append(out[i].DependsOn, out[j].Name)
				if out[j].Tags == nil {
					out[j].Tags = map[string]string{}
				}
				out[j].Tags["subcomponent_of"] = out[i].Name
			}
		}
	}
	im.breakCycles(out, from)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// resolve finds the service a reverse relation (dependencyOf, subcomponentOf) names.
func (im *importer) resolve(e entity, t target, self string, byKey map[string]int, out []Service, what string) (int, bool) {
	kind := refKind(t.value, "component")
	if kind != "component" && kind != "resource" {
		return 0, false
	}
	ns, name := refParts(t.value, e.namespace)
	i, ok := byKey[serviceKey(ns, name)]
	if !ok {
		im.problem(e.d, t.pos, "%s %q %s %s, which the import did not read; it is left out (import the file that defines it, or add it to the catalogue)", e.kind, self, what, t.value)
		return 0, false
	}
	return i, out[i].Name != self
}

// breakCycles drops, for each dependency cycle, the edge that closes it, and reports the
// cycle where the entity declares that edge.
func (im *importer) breakCycles(out []Service, from []entity) {
	for range len(out) + 1 {
		g := newGraph(out)
		cycles := g.cycles()
		if len(cycles) == 0 {
			return
		}
		for _, cy := range cycles {
			i := cy.services[0]
			dep := out[i].DependsOn[cy.item]
			at := from[i].pos
			for _, t := range append(append([]target{}, from[i].dependsOn...), from[i].dependencyOf...) {
				if _, name := refParts(t.value, from[i].namespace); strings.EqualFold(serviceName(firstOf(nsOf(t.value), from[i].namespace), name), dep) {
					at = t.pos
					break
				}
			}
			im.problem(from[i].d, at, "dependency cycle %s; the dependency of %q on %q is left out so that the catalogue has a recovery order (decide which way it goes and fix it in Backstage)", g.cycleText(cy), out[i].Name, dep)
			out[i].DependsOn = slices.Delete(out[i].DependsOn, cy.item, cy.item+1)
		}
	}
}

// problem is a finding, or an error under Strict.
func (im *importer) problem(d *decoder, at runbooks.Pos, format string, args ...any) {
	if im.opts.Strict {
		d.errorf(at, format, args...)
		return
	}
	d.warnf(at, format, args...)
}

func tagsOf(e entity) map[string]string {
	tags := map[string]string{}
	for k, v := range e.labels {
		tags[k] = v
	}
	for _, t := range e.tags {
		tags["tag."+t] = "true"
	}
	if e.specType != "" {
		tags["type"] = e.specType
	}
	if e.namespace != "" && !strings.EqualFold(e.namespace, "default") {
		tags["namespace"] = e.namespace
	}
	if len(tags) == 0 {
		return nil
	}
	return tags
}

// refKind returns the kind of an entity ref "[kind:][namespace/]name", lower case; def
// when it has none.
func refKind(ref, def string) string {
	if k, _, ok := strings.Cut(ref, ":"); ok {
		return strings.ToLower(k)
	}
	return def
}

// refParts returns the namespace and name of an entity ref; a ref without a namespace
// takes ns, the namespace of the entity that makes it.
func refParts(ref, ns string) (string, string) {
	if _, rest, ok := strings.Cut(ref, ":"); ok {
		ref = rest
	}
	if n, name, ok := strings.Cut(ref, "/"); ok {
		return n, name
	}
	return ns, ref
}

// nsOf is the namespace a ref names ("" when none).
func nsOf(ref string) string {
	if _, rest, ok := strings.Cut(ref, ":"); ok {
		ref = rest
	}
	if n, _, ok := strings.Cut(ref, "/"); ok {
		return n
	}
	return ""
}

// ownerRef turns a Backstage owner ref into bcdr's "group:name" or "user:name"; a
// namespace other than the default one is kept ("group:redhat/x").
func ownerRef(ref, ns string) string {
	if ref == "" {
		return ""
	}
	kind := refKind(ref, "group")
	n, name := refParts(ref, ns)
	if n == "" || strings.EqualFold(n, "default") {
		return kind + ":" + name
	}
	return kind + ":" + n + "/" + name
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
