// Package convert turns recovery and experiment definitions written for other tools into
// bcdr runbooks: Chaos Toolkit experiments (ChaosToolkit) and AWS Systems Manager
// Automation documents (SSM). It writes the runbook as YAML text, so that what could not
// be converted stays in front of the author as comments at the place it belongs; every
// such part is also returned as a Note with its place in the source file.
//
// A conversion is a starting point that validates, not a promise of equivalence: the
// notes say where a person must decide (a Python function, a shell command, an AWS API
// call without a matching step kind). It does not validate the runbook itself (the
// caller does, with the binary's step kinds), and it knows nothing of Temporal or AWS
// beyond the names of bcdr's step kinds.
package convert
