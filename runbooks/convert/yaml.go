package convert

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Note is a part of the source that did not convert, at its place in the source file.
type Note struct {
	File   string
	Line   int
	Column int
	Text   string
}

func (n Note) String() string {
	return fmt.Sprintf("%s:%d:%d: not converted: %s", n.File, n.Line, n.Column, n.Text)
}

// Result is a converted runbook: its YAML text and what did not convert.
type Result struct {
	YAML  []byte
	Notes []Note
}

// out builds the runbook as a YAML node tree, so that values are quoted as YAML needs
// and notes sit as comments where they belong.
type out struct {
	file  string
	notes []Note
}

// note records what did not convert at n's place and returns the comment to put beside
// the converted part.
func (o *out) note(n *yaml.Node, format string, args ...any) string {
	text := fmt.Sprintf(format, args...)
	line, col := 1, 1
	if n != nil {
		line, col = max(n.Line, 1), max(n.Column, 1)
	}
	o.notes = append(o.notes, Note{File: o.file, Line: line, Column: col, Text: text})
	return fmt.Sprintf("not converted (%s:%d): %s", o.file, line, text)
}

func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func num(f float64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatFloat(f, 'f', -1, 64)}
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Content: items}
}

func flowSeq(items ...*yaml.Node) *yaml.Node {
	n := seq(items...)
	n.Style = yaml.FlowStyle
	return n
}

// mapping builds a mapping from key, value pairs; a nil value leaves the key out.
func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		v, _ := kv[i+1].(*yaml.Node)
		if v == nil {
			continue
		}
		m.Content = append(m.Content, str(kv[i].(string)), v)
	}
	return m
}

// set adds key: value to a mapping (replacing an existing key).
func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, str(key), v)
}

// comment appends a line to the comment above a node.
func comment(n *yaml.Node, text string) {
	if n.HeadComment != "" {
		n.HeadComment += "\n"
	}
	n.HeadComment += "# " + strings.ReplaceAll(text, "\n", " ")
}

func render(doc *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// get returns the value of key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			for v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

func text(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// slug turns free text into a step or runbook id: lower case, words joined with -.
var notSlug = regexp.MustCompile(`[^a-z0-9]+`)

var camel = regexp.MustCompile(`([a-z0-9])([A-Z])`)

func slug(s string, max int) string {
	s = camel.ReplaceAllString(s, "$1-$2") // stopInstances -> stop-Instances
	s = strings.Trim(notSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > max {
		s = strings.TrimRight(s[:max], "-")
	}
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "x-" + s
	}
	return s
}

// ident turns a name into a parameter name: letters, digits and _.
var notIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

func ident(s string) string {
	s = strings.Trim(notIdent.ReplaceAllString(s, "_"), "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "p_" + s
	}
	return s
}

// seconds reads a number of seconds (an int or float scalar), or false.
func seconds(n *yaml.Node) (float64, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	return f, err == nil && f >= 0
}

// duration renders seconds as a bcdr duration ("90s", "1.5s" as "1500ms").
func duration(sec float64) string {
	if sec == float64(int64(sec)) {
		return strconv.FormatInt(int64(sec), 10) + "s"
	}
	return strconv.FormatInt(int64(sec*1000), 10) + "ms"
}
