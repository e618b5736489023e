package continuity

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/runbooks"
)

// frameworkFiles are the mapping tables: per framework, the clauses bcdr's evidence
// speaks to, each with its source, the kinds of evidence that support it and the gap
// checks that apply. They are data, each citing where its clause numbers and titles
// come from.
//
//go:embed frameworks/*.yaml
var frameworkFiles embed.FS

// Framework is a compliance framework's mapping table (frameworks/NAME.yaml).
type Framework struct {
	Name    string   `yaml:"framework" json:"framework"`
	Title   string   `yaml:"title" json:"title"`
	Source  string   `yaml:"source" json:"source"`
	Clauses []Clause `yaml:"clauses" json:"clauses"`
	// Table is the mapping file as written, sources and all; the pack includes it.
	Table []byte `yaml:"-" json:"-"`
}

// Clause is one clause (article, criterion) of a framework.
type Clause struct {
	ID      string `yaml:"id" json:"id"`
	Title   string `yaml:"title" json:"title"`
	Summary string `yaml:"summary" json:"summary"`
	Source  string `yaml:"source" json:"source"`
	// Evidence are the kinds of evidence that support the clause (EvidenceKinds).
	Evidence []string `yaml:"evidence" json:"evidence"`
	Checks   []Check  `yaml:"checks" json:"checks"`
}

// Check is a gap check a clause applies (Checks), with its parameter.
type Check struct {
	Name string `yaml:"check" json:"check"`
	// Within is the window of critical-not-drilled (default 365d).
	Within runbooks.Duration `yaml:"within,omitempty" json:"within,omitempty"`
}

// UnmarshalYAML takes a check as its name alone, or as {check, within}.
func (c *Check) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		c.Name = n.Value
		return nil
	}
	var v struct {
		Name   string `yaml:"check"`
		Within string `yaml:"within"`
	}
	dec := n.Decode
	if err := dec(&v); err != nil {
		return err
	}
	c.Name = v.Name
	if v.Within != "" {
		d, err := runbooks.ParseDuration(v.Within)
		if err != nil {
			return fmt.Errorf("line %d: within: %w", n.Line, err)
		}
		c.Within = d
	}
	return nil
}

// The kinds of evidence a clause can name.
const (
	EvidencePlan         = "plan"         // the business continuity plan, in the pack
	EvidenceDrills       = "drills"       // drill runs of the period
	EvidenceTabletops    = "tabletops"    // tabletop exercises of the period
	EvidenceLive         = "live"         // live recoveries of the period
	EvidenceReadiness    = "readiness"    // readiness checks of the period
	EvidenceImprovements = "improvements" // improvement records of the period, and the items
)

// EvidenceKinds lists the evidence kinds.
var EvidenceKinds = []string{EvidencePlan, EvidenceDrills, EvidenceTabletops, EvidenceLive, EvidenceReadiness, EvidenceImprovements}

// Frameworks returns the names of the frameworks bcdr maps, sorted.
func Frameworks() []string {
	ents, _ := frameworkFiles.ReadDir("frameworks")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// LoadFramework reads the named framework's mapping table and checks it: every clause
// has an id, a title and a source, and names known evidence kinds and checks.
func LoadFramework(name string) (*Framework, error) {
	if !slices.Contains(Frameworks(), name) {
		return nil, fmt.Errorf("unknown framework %q: want one of %s", name, strings.Join(Frameworks(), ", "))
	}
	raw, err := frameworkFiles.ReadFile("frameworks/" + name + ".yaml")
	if err != nil {
		return nil, err
	}
	var f Framework
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("frameworks/%s.yaml: %w", name, err)
	}
	f.Table = raw
	var problems []string
	if f.Name != name || f.Title == "" || f.Source == "" {
		problems = append(problems, "want framework: "+name+", a title and a source")
	}
	for _, c := range f.Clauses {
		if c.ID == "" || c.Title == "" || !strings.HasPrefix(c.Source, "http") {
			problems = append(problems, fmt.Sprintf("clause %q: want an id, a title and a source URL", c.ID))
		}
		for _, e := range c.Evidence {
			if !slices.Contains(EvidenceKinds, e) {
				problems = append(problems, fmt.Sprintf("clause %s: unknown evidence %q (known: %s)", c.ID, e, strings.Join(EvidenceKinds, ", ")))
			}
		}
		for _, ch := range c.Checks {
			if _, ok := checks[ch.Name]; !ok {
				problems = append(problems, fmt.Sprintf("clause %s: unknown check %q (known: %s)", c.ID, ch.Name, strings.Join(CheckNames(), ", ")))
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("frameworks/%s.yaml: %s", name, strings.Join(problems, "; "))
	}
	return &f, nil
}
