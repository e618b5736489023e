// Package digraph finds the cycles of a directed graph given as adjacency lists over
// the nodes 0..n-1: the needs between a runbook's steps, the dependencies between a
// catalogue's services. Each format names its nodes, edges and messages itself.
package digraph
