package yamlnode

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Deref follows an alias to the node it names. It follows at most 100 aliases in a row,
// so a document whose aliases were not measured (Expand) cannot make it loop.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// KindOf describes what n is, for messages: "a mapping", "a list", "a string", "null".
func KindOf(n *yaml.Node) string {
	n = Deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!str":
			return "a string"
		}
		return strings.TrimPrefix(n.Tag, "!!")
	}
	return "nothing"
}
