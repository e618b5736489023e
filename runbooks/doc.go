// Package runbooks is the runbook language: the types of a runbook, the registry of step
// kinds, Parse/Load and validation (every problem, each with file:line:col), expressions
// (${{ }} over params and step outputs), the plan (DAG layers, critical path, IAM actions)
// and the generated procedure document. It knows nothing of Temporal or AWS.
//
// The library of ready runbooks lives in runbooks/library.
package runbooks
