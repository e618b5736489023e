package convert

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// ChaosToolkit converts a Chaos Toolkit experiment (JSON or YAML, as its specification
// describes: https://chaostoolkit.org/reference/api/experiment/) into a runbook meant to
// be run as a drill:
//
//   - configuration and secrets become parameters (secrets are secret parameters; an
//     environment-variable entry keeps its default), and "${name}" in strings becomes
//     ${{ params.name }};
//   - the steady-state hypothesis's HTTP probes become steady_state probes (http.check with
//     the tolerance as expect_status): in a drill they gate its start and mark recovery
//     after the last step, as Chaos Toolkit checks the hypothesis before and after;
//   - the method becomes steps in order (a background activity does not hold up the next
//     one): HTTP actions become http.request, HTTP probes http.check; every method step
//     continues on error, as Chaos Toolkit's method does, and actions run for real in a
//     drill (drill: {live: true}); pauses become wait steps (a durable timer); a ref repeats the activity;
//   - rollbacks become steps after the whole method, which run whatever the method did
//     (Chaos Toolkit's --rollback-strategy=always).
//
// Python and process providers have no bcdr equivalent (bcdr runs no code on the worker):
// they become manual steps that say what to run, with a note. So do tolerances that are
// not a status code, and the experiment's controls and extensions.
func ChaosToolkit(filename string, src []byte) (*Result, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := yamlnode.SafeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: the file is empty; want a Chaos Toolkit experiment (JSON or YAML)", filename)
		}
		return nil, fmt.Errorf("%s: %v", filename, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a Chaos Toolkit experiment: want an object with title and method", filename)
	}
	exp := doc.Content[0]
	if get(exp, "method") == nil && get(exp, "steady-state-hypothesis") == nil {
		return nil, fmt.Errorf("%s:%d:%d: not a Chaos Toolkit experiment: it has neither method nor steady-state-hypothesis", filename, exp.Line, exp.Column)
	}
	c := &ctk{out: out{file: filename}, byName: map[string]*yaml.Node{}, used: map[string]int{}, vars: map[string]bool{}}
	rb := c.runbook(exp)
	y, err := render(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{rb}})
	if err != nil {
		return nil, err
	}
	header := fmt.Sprintf("# Converted from the Chaos Toolkit experiment %s by bcdr import chaostoolkit.\n", filename)
	if n := len(c.notes); n > 0 {
		header += fmt.Sprintf("# %d part(s) did not convert; each is a comment beside where it belongs.\n", n)
	}
	return &Result{YAML: append([]byte(header), y...), Notes: c.notes}, nil
}

type ctk struct {
	out
	vars   map[string]bool       // configuration and secret names: the parameters
	byName map[string]*yaml.Node // activities by name, for refs
	used   map[string]int        // step ids given, to make repeats unique
	steps  []*yaml.Node
	last   []string // the steps the next method step needs
	// lastAdded are the steps the activity being converted added.
	lastAdded []*yaml.Node
}

func (c *ctk) runbook(exp *yaml.Node) *yaml.Node {
	title := text(get(exp, "title"))
	desc := strings.TrimSpace(strings.Join(nonEmpty(title, text(get(exp, "description"))), "\n\n"))
	meta := mapping("name", str(slug(firstOf(title, "chaos-experiment"), 63)), "description", strOrNil(desc),
		"labels", mapping("source", str("chaostoolkit")))
	rb := mapping("apiVersion", str("bcdr.io/v1"), "kind", str("Runbook"), "metadata", meta)
	if params := c.parameters(exp); len(params.Content) > 0 {
		set(rb, "parameters", params)
	}
	for _, key := range []string{"controls", "extensions"} {
		if n := get(exp, key); n != nil {
			comment(meta, c.note(n, "the experiment's %s (bcdr records every run itself; see the run's record and evidence bundle)", key))
		}
	}
	if probes := c.hypothesis(exp, rb); len(probes.Content) > 0 {
		set(rb, "steady_state", probes)
	}
	method := get(exp, "method")
	if method != nil && method.Kind == yaml.SequenceNode {
		for _, a := range method.Content {
			c.activity(a, "method")
		}
	}
	methodSteps := c.ids()
	if rbs := get(exp, "rollbacks"); rbs != nil && rbs.Kind == yaml.SequenceNode && len(rbs.Content) > 0 {
		c.last = methodSteps
		for i, a := range rbs.Content {
			c.activity(a, "rollbacks")
			if i == 0 && len(c.steps) > 0 {
				comment(c.steps[len(c.steps)-len(c.lastAdded):][0], "Chaos Toolkit's rollbacks: they run after the whole method, whatever it did (--rollback-strategy=always).")
			}
		}
	}
	if len(c.steps) == 0 {
		c.steps = append(c.steps, mapping("id", str("nothing-to-do"), "uses", str("noop")))
		comment(c.steps[0], c.note(exp, "the experiment's method is empty"))
	}
	set(rb, "steps", seq(c.steps...))
	return rb
}

// parameters turns configuration and secrets into parameters.
func (c *ctk) parameters(exp *yaml.Node) *yaml.Node {
	params := seq()
	add := func(key *yaml.Node, v *yaml.Node, secret bool) {
		name := ident(key.Value)
		c.vars[key.Value] = true
		p := mapping("name", str(name))
		if v.Kind == yaml.MappingNode && text(get(v, "type")) == "env" {
			set(p, "type", str("string"))
			set(p, "description", str("Chaos Toolkit read it from the environment variable "+text(get(v, "key"))+"; give it with --param "+name+"=..."))
			if d := get(v, "default"); d != nil && d.Kind == yaml.ScalarNode {
				set(p, "default", str(d.Value))
			} else {
				set(p, "required", boolean(true))
			}
		} else if v.Kind == yaml.ScalarNode {
			switch v.Tag {
			case "!!int", "!!float":
				f, _ := strconv.ParseFloat(v.Value, 64)
				set(p, "type", str("number"))
				set(p, "default", num(f))
			case "!!bool":
				set(p, "type", str("bool"))
				set(p, "default", boolean(v.Value == "true"))
			default:
				set(p, "type", str("string"))
				if !secret {
					set(p, "default", str(v.Value))
				}
			}
		} else if v.Kind == yaml.SequenceNode && allScalars(v) {
			items := flowSeq()
			for _, it := range v.Content {
				items.Content = append(items.Content, str(it.Value))
			}
			set(p, "type", str("list"))
			set(p, "default", items)
		} else {
			set(p, "type", str("string"))
			comment(p, c.note(v, "configuration %q is a %s; give it as a string parameter", key.Value, kindName(v)))
		}
		if secret {
			set(p, "secret", boolean(true))
			if get(p, "default") == nil && get(p, "required") == nil {
				set(p, "required", boolean(true))
			}
		}
		params.Content = append(params.Content, p)
	}
	if conf := get(exp, "configuration"); conf != nil && conf.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(conf.Content); i += 2 {
			add(conf.Content[i], conf.Content[i+1], false)
		}
	}
	if secrets := get(exp, "secrets"); secrets != nil && secrets.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(secrets.Content); i += 2 {
			scope := secrets.Content[i+1]
			for j := 0; scope.Kind == yaml.MappingNode && j+1 < len(scope.Content); j += 2 {
				add(scope.Content[j], scope.Content[j+1], true)
			}
		}
	}
	return params
}

// hypothesis turns the steady-state hypothesis's HTTP probes into steady_state probes.
func (c *ctk) hypothesis(exp, rb *yaml.Node) *yaml.Node {
	probes := seq()
	h := get(exp, "steady-state-hypothesis")
	if h == nil {
		return probes
	}
	list := get(h, "probes")
	if list == nil || list.Kind != yaml.SequenceNode {
		return probes
	}
	for _, p := range list.Content {
		if ref := text(get(p, "ref")); ref != "" {
			if def := c.byName[ref]; def != nil {
				p = def
			}
		}
		name := text(get(p, "name"))
		c.byName[name] = p
		prov := get(p, "provider")
		if text(get(prov, "type")) != "http" {
			if len(probes.Content) == 0 {
				comment(rb, c.note(p, "steady-state probe %q uses a %s provider; a steady_state probe must be an HTTP check (%s)", name, firstOf(text(get(prov, "type")), "missing"), describeProvider(prov)))
			} else {
				comment(probes.Content[len(probes.Content)-1], c.note(p, "steady-state probe %q uses a %s provider; a steady_state probe must be an HTTP check (%s)", name, firstOf(text(get(prov, "type")), "missing"), describeProvider(prov)))
			}
			continue
		}
		with := c.httpWith(prov, "check")
		c.tolerance(p, with)
		probe := mapping("id", str(slug(name, 60)), "uses", str("http.check"), "with", with)
		if t, ok := c.timeout(prov); ok {
			set(with, "timeout", str(duration(t)))
		}
		probes.Content = append(probes.Content, probe)
	}
	return probes
}

// tolerance sets expect_status from a probe's tolerance where it is a status code.
func (c *ctk) tolerance(p, with *yaml.Node) {
	tol := get(p, "tolerance")
	if tol == nil {
		tol = get(get(p, "provider"), "tolerance") // a common misplacement Chaos Toolkit accepts
	}
	switch {
	case tol == nil:
	case tol.Kind == yaml.ScalarNode && tol.Tag == "!!int":
		set(with, "expect_status", num(mustFloat(tol.Value)))
	case tol.Kind == yaml.ScalarNode && tol.Tag == "!!bool" && tol.Value == "true":
		// an HTTP probe that must answer: http.check's default, 200
	case tol.Kind == yaml.SequenceNode && len(tol.Content) > 0 && tol.Content[0].Tag == "!!int":
		set(with, "expect_status", num(mustFloat(tol.Content[0].Value)))
		if len(tol.Content) > 1 {
			comment(with, c.note(tol, "tolerance accepts %d status codes; http.check expects one, so %s is expected", len(tol.Content), tol.Content[0].Value))
		}
	default:
		comment(with, c.note(tol, "tolerance %s is not a status code (a regex, JSON path, range or probe tolerance); add a step output and a when, or an http.check body_contains", describeNode(tol)))
	}
}

// activity converts one method or rollback activity into steps.
func (c *ctk) activity(a *yaml.Node, section string) {
	c.lastAdded = nil
	if ref := text(get(a, "ref")); ref != "" {
		def := c.byName[ref]
		if def == nil {
			c.addStep(mapping("id", str(c.id("missing-"+ref)), "uses", str("noop")), false)
			comment(c.steps[len(c.steps)-1], c.note(a, "%s refers to activity %q, which the experiment does not define before it", section, ref))
			return
		}
		a = def
	}
	name := text(get(a, "name"))
	c.byName[name] = a
	kind := text(get(a, "type"))
	prov := get(a, "provider")
	background := text(get(a, "background")) == "true"
	pauses := get(a, "pauses")
	if sec, ok := seconds(get(pauses, "before")); ok && sec > 0 {
		c.addStep(c.pause(name+"-pause-before", sec, "before "+name), false)
	}
	var step *yaml.Node
	switch text(get(prov, "type")) {
	case "http":
		step = mapping("id", str(c.id(name)), "name", strOrNil(name))
		if kind == "probe" {
			with := c.httpWith(prov, "check")
			c.tolerance(a, with)
			set(step, "uses", str("http.check"))
			set(step, "with", with)
		} else {
			with := c.httpWith(prov, "request")
			set(step, "uses", str("http.request"))
			set(step, "with", with)
			set(step, "drill", flowMap("live", boolean(true)))
		}
		if t, ok := c.timeout(prov); ok {
			set(step, "timeout", str(duration(t)))
		}
	default:
		step = mapping("id", str(c.id(name)), "name", strOrNil(name), "uses", str("manual"),
			"instructions", str(fmt.Sprintf("Chaos Toolkit %s %q: %s. Run it, then complete this step.", firstOf(kind, "activity"), name, describeProvider(prov))))
		comment(step, c.note(a, "%s %q uses a %s provider (%s); bcdr runs no code on its workers, so a person runs it", firstOf(kind, "activity"), name, firstOf(text(get(prov, "type")), "missing"), describeProvider(prov)))
	}
	set(step, "on_error", str("continue"))
	c.addStep(step, background)
	if sec, ok := seconds(get(pauses, "after")); ok && sec > 0 {
		c.addStep(c.pause(name+"-pause-after", sec, "after "+name), false)
	}
}

// addStep appends a step that needs the previous ones; a background step is not needed
// by the next one (it runs beside what follows).
func (c *ctk) addStep(step *yaml.Node, background bool) {
	if len(c.last) > 0 {
		needs := flowSeq()
		for _, id := range c.last {
			needs.Content = append(needs.Content, str(id))
		}
		set(step, "needs", needs)
	}
	c.steps = append(c.steps, step)
	c.lastAdded = append(c.lastAdded, step)
	if !background {
		c.last = []string{text(get(step, "id"))}
	}
}

func (c *ctk) pause(id string, sec float64, what string) *yaml.Node {
	return mapping("id", str(c.id(id)), "name", str("Pause "+what), "uses", str("wait"),
		"with", flowMap("duration", str(duration(sec))))
}

// id makes a step id from a name, unique in the runbook.
func (c *ctk) id(name string) string {
	base := slug(name, 56)
	c.used[base]++
	if n := c.used[base]; n > 1 {
		return base + "-" + strconv.Itoa(n)
	}
	return base
}

func (c *ctk) ids() []string {
	var ids []string
	for _, s := range c.steps {
		ids = append(ids, text(get(s, "id")))
	}
	return ids
}

// httpWith turns an HTTP provider into http.check or http.request inputs.
func (c *ctk) httpWith(prov *yaml.Node, kind string) *yaml.Node {
	with := mapping("url", str(c.subst(text(get(prov, "url")))))
	method := strings.ToUpper(firstOf(text(get(prov, "method")), "GET"))
	if kind == "request" || method != "GET" {
		set(with, "method", str(method))
	}
	if h := get(prov, "headers"); h != nil && h.Kind == yaml.MappingNode {
		headers := mapping()
		for i := 0; i+1 < len(h.Content); i += 2 {
			set(headers, h.Content[i].Value, str(c.subst(h.Content[i+1].Value)))
		}
		set(with, "headers", headers)
	}
	if args := get(prov, "arguments"); args != nil {
		if kind == "request" {
			set(with, "body", c.substNode(args))
		} else {
			comment(with, c.note(args, "arguments of an HTTP probe (query parameters): put them in the url"))
		}
	}
	if st, ok := seconds(get(prov, "expected_status")); ok && kind == "request" {
		set(with, "expect_status", num(st))
	}
	if v := get(prov, "verify_tls"); v != nil && v.Value == "false" {
		comment(with, c.note(v, "verify_tls: false: bcdr always verifies TLS certificates"))
	}
	return with
}

// timeout reads an HTTP provider's timeout: seconds, or [connect, read].
func (c *ctk) timeout(prov *yaml.Node) (float64, bool) {
	t := get(prov, "timeout")
	if t == nil {
		return 0, false
	}
	if t.Kind == yaml.SequenceNode {
		var sum float64
		for _, x := range t.Content {
			s, _ := seconds(x)
			sum += s
		}
		return sum, sum > 0
	}
	return seconds(t)
}

var ctkVar = regexp.MustCompile(`\$\{([A-Za-z0-9_.-]+)\}`)

// subst turns Chaos Toolkit's ${name} into ${{ params.name }} for the experiment's own
// configuration and secrets.
func (c *ctk) subst(s string) string {
	return ctkVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if c.vars[name] {
			return "${{ params." + ident(name) + " }}"
		}
		return m
	})
}

func (c *ctk) substNode(n *yaml.Node) *yaml.Node {
	cp := *n
	cp.Line, cp.Column, cp.HeadComment, cp.LineComment, cp.FootComment = 0, 0, "", "", ""
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "") {
		cp.Value = c.subst(n.Value)
		cp.Style = 0
	}
	cp.Content = nil
	for _, x := range n.Content {
		cp.Content = append(cp.Content, c.substNode(x))
	}
	return &cp
}

func describeProvider(p *yaml.Node) string {
	switch text(get(p, "type")) {
	case "process":
		return strings.TrimSpace("run `" + text(get(p, "path")) + " " + argsText(get(p, "arguments")) + "`")
	case "python":
		return "call " + text(get(p, "module")) + "." + text(get(p, "func")) + "(" + argsText(get(p, "arguments")) + ")"
	case "http":
		return strings.ToUpper(firstOf(text(get(p, "method")), "GET")) + " " + text(get(p, "url"))
	}
	return "a provider without a type"
}

func argsText(n *yaml.Node) string {
	switch {
	case n == nil:
		return ""
	case n.Kind == yaml.ScalarNode:
		return n.Value
	case n.Kind == yaml.SequenceNode:
		var parts []string
		for _, x := range n.Content {
			parts = append(parts, x.Value)
		}
		return strings.Join(parts, " ")
	case n.Kind == yaml.MappingNode:
		var parts []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, n.Content[i].Value+"="+describeNode(n.Content[i+1]))
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

func describeNode(n *yaml.Node) string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	cp := *n
	cp.Style = yaml.FlowStyle
	_ = enc.Encode(&cp)
	return strings.TrimSpace(b.String())
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

func allScalars(n *yaml.Node) bool {
	return !slices.ContainsFunc(n.Content, func(x *yaml.Node) bool { return x.Kind != yaml.ScalarNode })
}

func flowMap(kv ...any) *yaml.Node {
	m := mapping(kv...)
	m.Style = yaml.FlowStyle
	return m
}

func strOrNil(s string) *yaml.Node {
	if s == "" {
		return nil
	}
	return str(s)
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func mustFloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
