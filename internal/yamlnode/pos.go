package yamlnode

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Pos is a place in a file: line and column, from 1.
type Pos struct {
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// PosOf returns the place of n in its file.
func PosOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

// Positions maps the path of a value ("steps[2].with.url") to its place in the file.
// Validation looks places up here; a path without an entry takes its parent's place.
// The place of a mapping key, rather than of its value, is kept under the path followed
// by "#key" (see KeyPath).
type Positions map[string]Pos

// Set records the place of path; it does nothing on a nil Positions.
func (p Positions) Set(path string, at Pos) {
	if p != nil {
		p[path] = at
	}
}

// At returns the place of path, or of its nearest recorded parent, or that recorded for
// the root (""), or else line 1, column 1.
func (p Positions) At(path string) Pos {
	for path != "" {
		if pos, ok := p[path]; ok {
			return pos
		}
		path = parentPath(path)
	}
	if pos, ok := p[""]; ok {
		return pos
	}
	return Pos{Line: 1, Column: 1}
}

// parentPath returns the path of the value that holds path's value: "a.b" for
// "a.b[2]", "a.b.c" and "a.b#key"; "" for "a".
func parentPath(path string) string {
	if i := strings.LastIndex(path, "#"); i >= 0 {
		return path[:i]
	}
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// Join returns the path of key in the mapping at path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index returns the path of item i of the list at path.
func Index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// KeyPath returns the path under which the place of a mapping key, not of its value, is
// kept.
func KeyPath(path string) string { return path + "#key" }

// SetItems records, for a value built in Go rather than decoded, the place each item of
// the list at path carries itself (pos returns it): under path[i], for the items that
// have one (line 1 or more).
func SetItems[T any](p Positions, path string, items []T, pos func(item *T) Pos) {
	for i := range items {
		if at := pos(&items[i]); at.Line > 0 {
			p.Set(Index(path, i), at)
		}
	}
}
