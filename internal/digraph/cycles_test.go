package digraph

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCycles(t *testing.T) {
	cases := []struct {
		name     string
		edges    [][]int
		consider func(int) bool
		want     [][]int
	}{
		{"no edges", [][]int{{}, {}, {}}, nil, nil},
		{"a chain", [][]int{{1}, {2}, {}}, nil, nil},
		{"a diamond", [][]int{{1, 2}, {3}, {3}, {}}, nil, nil},
		{"a node on itself", [][]int{{}, {1}}, nil, [][]int{{1}}},
		{"a self edge after others", [][]int{{1, 0}, {}}, nil, [][]int{{0}}},
		{"two nodes", [][]int{{1}, {0}}, nil, [][]int{{0, 1}}},
		{"from the lowest node of the component", [][]int{{}, {}, {3}, {1}, {}, {}}, nil, nil},
		{"the lowest node starts, whoever is first in the chain", [][]int{{}, {2}, {3}, {1}}, nil, [][]int{{1, 2, 3}}},
		{"the shortest way back", [][]int{{1, 2}, {2}, {3}, {0}}, nil, [][]int{{0, 2, 3}}},
		{"of equal ways, the first edge's", [][]int{{1, 2}, {0}, {0}}, nil, [][]int{{0, 1}}},
		{"one cycle per component, in node order", [][]int{{}, {}, {3}, {2}, {4}, {0, 6}, {5}}, nil, [][]int{{2, 3}, {4}, {5, 6}}},
		{"nodes left out are not searched", [][]int{{1}, {0}, {3}, {2}}, func(v int) bool { return v >= 2 }, [][]int{{2, 3}}},
		{"edges to nodes left out are not followed", [][]int{{1}, {2}, {0}}, func(v int) bool { return v != 2 }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Cycles(tc.edges, tc.consider))
		})
	}
}

func TestCyclesLongChain(t *testing.T) {
	// 200,000 nodes in one ring: the search must not recurse once per node.
	const n = 200_000
	edges := make([][]int, n)
	for i := range edges {
		edges[i] = []int{(i + 1) % n}
	}
	got := Cycles(edges, nil)
	if assert.Len(t, got, 1) {
		assert.Len(t, got[0], n)
		assert.Equal(t, []int{0, 1, 2}, got[0][:3])
		assert.Equal(t, n-1, got[0][n-1])
	}
}

func ExampleCycles() {
	// 0 -> 1 -> 2 -> 0, and 3 on itself; 4 is on no cycle.
	edges := [][]int{{1}, {2}, {0, 4}, {3}, {}}
	fmt.Println(Cycles(edges, nil))
	// Output: [[0 1 2] [3]]
}
