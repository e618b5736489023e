package yamlnode

import (
	"fmt"
	"math"

	"gopkg.in/yaml.v3"
)

// Expansion is the size of a node tree with its aliases expanded, for a format to bound
// (a "billion laughs" document is a few lines that expand to billions of nodes).
type Expansion struct {
	// Nodes is how many nodes the tree has with every alias expanded, each alias node
	// counted too; a count over math.MaxInt32 is cut to it.
	Nodes int
	// Written is how many nodes the tree has as written, aliases counted once each.
	Written int
}

// Added returns how many nodes the aliases add.
func (e Expansion) Added() int { return e.Nodes - e.Written }

// Expand measures the tree under root with its aliases expanded, visiting each node once.
// It returns an error for an alias to a node that contains it, which has no expansion.
func Expand(root *yaml.Node) (Expansion, error) {
	var e Expansion
	sizes := map[*yaml.Node]int{} // -1 while a node's size is being measured
	var size func(n *yaml.Node, viaAlias bool) (int, error)
	size = func(n *yaml.Node, viaAlias bool) (int, error) {
		if n == nil {
			return 0, nil
		}
		if !viaAlias {
			e.Written++
		}
		if n.Kind == yaml.AliasNode {
			s, err := size(n.Alias, true)
			return min(s+1, math.MaxInt32), err
		}
		if s, done := sizes[n]; done {
			if s < 0 {
				return 0, fmt.Errorf("YAML alias at line %d refers to a node that contains it", n.Line)
			}
			return s, nil
		}
		sizes[n] = -1
		total := 1
		for _, c := range n.Content {
			s, err := size(c, viaAlias)
			if err != nil {
				return 0, err
			}
			total = min(total+s, math.MaxInt32)
		}
		sizes[n] = total
		return total, nil
	}
	var err error
	e.Nodes, err = size(root, false)
	return e, err
}

// HasAlias reports whether the tree under root holds an alias; most documents have none
// and need not be measured. A tree nested over 10,000 deep is taken to hold one.
func HasAlias(root *yaml.Node) bool { return hasAlias(root, 0) }

func hasAlias(n *yaml.Node, depth int) bool {
	if n == nil || depth > 10_000 {
		return n != nil
	}
	if n.Kind == yaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}
