package catalogue

import (
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/runbooks"
)

// WriteYAML writes c in the catalogue file format (what Parse reads).
func WriteYAML(w io.Writer, c *Catalogue) error {
	root := mapping(
		"apiVersion", str(APIVersion),
		"kind", str(Kind),
		"metadata", metadataNode(c.Metadata),
	)
	addSeq(root, "tiers", c.Tiers, tierNode)
	addSeq(root, "contacts", c.Contacts, contactNode)
	add(root, "services", seqOf(c.Services, serviceNode))
	addSeq(root, "scenarios", c.Scenarios, scenarioNode)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return err
	}
	return enc.Close()
}

func metadataNode(m Metadata) *yaml.Node {
	n := mapping("name", str(m.Name))
	addStr(n, "description", m.Description)
	addStr(n, "owner", m.Owner)
	return n
}

func tierNode(t TierPolicy) *yaml.Node {
	n := mapping("tier", intNode(t.Tier))
	addStr(n, "name", t.Name)
	addStr(n, "description", t.Description)
	if t.DrillEvery > 0 {
		add(n, "drill_every", str(t.DrillEvery.String()))
	}
	if t.ImprovementDue > 0 {
		add(n, "improvement_due", str(t.ImprovementDue.String()))
	}
	addDuration(n, "mtd", t.MTD)
	if len(t.Targets) > 0 {
		add(n, "targets", targetsNode(t.Targets))
	}
	return n
}

func targetsNode(ts Targets) *yaml.Node {
	n := mapping()
	for _, d := range Disruptions {
		t, ok := ts[d]
		if !ok {
			continue
		}
		tn := mapping()
		tn.Style = yaml.FlowStyle
		addDuration(tn, "rto", t.RTO)
		addDuration(tn, "rpo", t.RPO)
		add(n, string(d), tn)
	}
	return n
}

func serviceNode(s Service) *yaml.Node {
	n := mapping("name", str(s.Name))
	addStr(n, "description", s.Description)
	addStr(n, "owner", s.Owner)
	addStr(n, "deputy", s.Deputy)
	add(n, "tier", intNode(s.Tier))
	addStr(n, "business_process", s.BusinessProcess)
	if len(s.Targets) > 0 {
		add(n, "targets", targetsNode(s.Targets))
	}
	addDuration(n, "mtd", s.MTD)
	if len(s.DependsOn) > 0 {
		add(n, "depends_on", flowList(s.DependsOn))
	}
	addSeq(n, "runbooks", s.Runbooks, runbookRefNode)
	if len(s.Tags) > 0 {
		tags := strMapNode(s.Tags)
		tags.Style = yaml.FlowStyle
		add(n, "tags", tags)
	}
	return n
}

func runbookRefNode(r RunbookRef) *yaml.Node {
	n := mapping("path", str(r.Path))
	ds := make([]string, len(r.Disruptions))
	for i, d := range r.Disruptions {
		ds[i] = string(d)
	}
	add(n, "disruptions", flowList(ds))
	if len(r.Params) > 0 {
		add(n, "params", strMapNode(r.Params))
	}
	return n
}

func scenarioNode(s Scenario) *yaml.Node {
	n := mapping("name", str(s.Name))
	addStr(n, "title", s.Title)
	addStr(n, "description", s.Description)
	add(n, "disruption", str(string(s.Disruption)))
	addStr(n, "incident_commander", s.IncidentCommander)
	sel := mapping()
	if len(s.Select.Services) > 0 {
		add(sel, "services", flowList(s.Select.Services))
	}
	if len(s.Select.Tags) > 0 {
		add(sel, "tags", strMapNode(s.Select.Tags))
	}
	add(n, "select", sel)
	return n
}

func contactNode(ct Contact) *yaml.Node {
	n := mapping("name", str(ct.Name))
	addStr(n, "role", ct.Role)
	addStr(n, "email", ct.Email)
	addStr(n, "phone", ct.Phone)
	addStr(n, "chat", ct.Chat)
	return n
}

func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		add(n, kv[i].(string), kv[i+1].(*yaml.Node))
	}
	return n
}

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

func addStr(m *yaml.Node, key, v string) {
	if v != "" {
		add(m, key, str(v))
	}
}

// addDuration adds key with d, when it is set.
func addDuration(m *yaml.Node, key string, d *runbooks.Duration) {
	if d != nil {
		add(m, key, str(d.String()))
	}
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func intNode(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

// seqOf is the sequence of items, each encoded by node.
func seqOf[T any](items []T, node func(T) *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, it := range items {
		n.Content = append(n.Content, node(it))
	}
	return n
}

// addSeq adds key with the sequence of items, when there are any.
func addSeq[T any](m *yaml.Node, key string, items []T, node func(T) *yaml.Node) {
	if len(items) > 0 {
		add(m, key, seqOf(items, node))
	}
}

func flowList(items []string) *yaml.Node {
	n := seqOf(items, str)
	n.Style = yaml.FlowStyle
	return n
}

func strMapNode(m map[string]string) *yaml.Node {
	n := mapping()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		add(n, k, str(m[k]))
	}
	return n
}

// DefaultTiers returns a three-tier policy to start a catalogue from: tier 1 (critical)
// back within an hour of a region loss and drilled quarterly, tier 2 (important) within
// four hours and drilled twice a year, tier 3 (supporting) within three days and
// drilled yearly. Data loss (corruption, ransomware) is restored from backups.
func DefaultTiers() []TierPolicy {
	d := func(s string) *runbooks.Duration {
		x, err := runbooks.ParseDuration(s)
		if err != nil {
			panic(err)
		}
		return &x
	}
	t := func(rto, rpo string) Target { return Target{RTO: d(rto), RPO: d(rpo)} }
	tiers := []TierPolicy{
		{Tier: 1, Name: "critical", Description: "Revenue or safety stops without it.", DrillEvery: *d("90d"),
			Targets: Targets{Component: t("15m", "1m"), Zone: t("30m", "5m"), Region: t("1h", "15m"), Data: t("4h", "24h")}},
		{Tier: 2, Name: "important", Description: "The business runs degraded without it.", DrillEvery: *d("180d"),
			Targets: Targets{Component: t("1h", "15m"), Zone: t("2h", "15m"), Region: t("4h", "1h"), Data: t("24h", "24h")}},
		{Tier: 3, Name: "supporting", Description: "Can wait for normal operations to resume.", DrillEvery: *d("365d"),
			Targets: Targets{Component: t("8h", "24h"), Zone: t("24h", "24h"), Region: t("3d", "24h"), Data: t("3d", "24h")}},
	}
	sort.Slice(tiers, func(a, b int) bool { return tiers[a].Tier < tiers[b].Tier })
	return tiers
}
