// Package runbooks is the runbook language: the types of a runbook, the registry of step
// kinds, Parse/Load and validation (every problem, each with file:line:col), expressions
// (${{ }} over params and step outputs), the plan (DAG layers, critical path, IAM actions)
// and the generated procedure document. It knows nothing of Temporal or AWS.
//
// # Format
//
// A runbook is one YAML document (at most MaxSourceSize bytes) with apiVersion
// "bcdr.io/v1", kind "Runbook", metadata (name required), objectives (rto, rpo,
// rpo_marker, evacuates),
// parameters, steady_state probes, tabletop injects and steps. Keys are snake_case;
// unknown keys are errors. Durations are Go durations with days in front: "90s", "5m",
// "1h30m", "2d". YAML anchors, aliases and "<<" merge keys work; alias expansion is
// bounded. schema/runbook.schema.json (also the Schema variable) describes the keys.
//
// A step has an id (letters, digits, _ and -; expressions name steps.my_step, or
// steps["my-step"] for an id with -), uses (a registered Kind) and with (the
// kind's inputs, checked against Kind.Inputs). needs (an id or a list) orders steps
// into a DAG; steps whose needs are done run in parallel. A step whose when is false is
// skipped, and steps that need it still run. on_error is stop (default), continue or
// rollback. rollback is the action that undoes a step of a Rollbackable kind; drill
// replaces the action in drill mode: skip: true, another action, or - without uses - the
// step's kind with the drill's with merged over the step's (see Step.DrillAction); a
// drill cleanup undoes what the drill variant created. A step whose kind changes the world
// from an activity (ActsForReal) and that has no drill variant does not run in a drill;
// drill: {live: true} runs its own action there, for real (Step.InDrill, and the plan's
// DrillEffects, say which steps do what). Steps of kind approval have their
// with decoded into Step.Approval.
//
// # Expressions
//
// Strings in with may hold ${{ expr }} (github.com/expr-lang/expr). A string that is
// exactly one expression yields the expression's typed value; otherwise the string is
// interpolated. Expressions see params, steps.<id>.status, steps.<id>.outputs.<name>,
// mode and run.id/run.initiator (Scope). when and the expressions of a step's outputs
// may be written with or without ${{ }}; outputs also see result, the kind's result.
// Validation compiles every expression and checks its references: parameters exist,
// referenced steps are upstream (transitively needed), outputs are declared by the
// kind (or by the step's outputs, or noop's output input). Expressions run inside
// workflow code, so now, date and timezone are unavailable and keys, values and toPairs
// return map entries sorted by key. Each evaluation has a budget of steps (one per
// predicate iteration, one per byte or element its builtins, functions and operators
// read or make; maxEvalSteps): an expression that spends it fails its step with an error
// quoting it, instead of holding the workflow task.
//
// # Parameters
//
// A parameter (name, type, default, allowed, required, secret) is given at start (bcdr
// run --param name=value). Not given, it takes its default; a required one is an error
// that names it. One with neither a default nor required: true is optional, and its value
// is its type's empty value ("", 0, false, an empty list): for a string, number, bool or
// duration validate warns, so that an empty value is a choice (default: "") and not an
// oversight.
//
// # Planes and evacuation
//
// Every kind declares the plane it calls (Kind.Plane: data or control, PlaneNone for kinds
// that call no cloud service) and where that plane lives (Kind.Home: us-east-1 for the
// control planes of Route 53, IAM, Organizations and CloudFront, "any" for a Route 53 ARC
// cluster's endpoints, "" for a regional service: the step's region input). The plan
// shows each step's plane. objectives.evacuates names the region a recovery moves away
// from (a region, or an expression over params such as ${{ params.primary_region }}).
// Validate and the plan then warn, at the step, about every action a live run may
// execute - a step's action unless its when is false for a live run with the parameters'
// defaults, its rollback, and the steady-state probes that end the RTO clock - that calls
// a control plane living in that region: during the outage it may not answer (AWS
// Well-Architected REL11-BP04). Drill variants are not on the live path. A region that
// cannot be known before a run (a required parameter without a default, or a step with no
// region input, which acts in the worker's region) is compared by its text.
//
// # Parameters
//
// A parameter (name, type, default, allowed, required, secret) is given at start (bcdr
// run --param name=value). Not given, it takes its default; a required one is an error
// that names it. One with neither a default nor required: true is optional, and its value
// is its type's empty value ("", 0, false, an empty list): for a string, number, bool or
// duration validate warns, so that an empty value is a choice (default: "") and not an
// oversight.
//
// # Trees
//
// A `runbook` step runs another runbook, named by a path relative to the naming
// runbook's folder. LoadTree (and Loader) read a runbook and every runbook it nests
// under one set of rules: nested files only from inside the folder, at most
// MaxNestingDepth levels, MaxTreeRunbooks runbooks and MaxTreeSize bytes, no cycle (the
// message names it), and one file per named path; every problem has its file:line:col.
//
// # Verifying and deviation
//
// After the last step a run waits for its steady_state probes to pass again: that moment
// ends the measured RTO. objectives.verify_within bounds the wait (default 5m in a drill,
// 15m live); probes are rechecked 1 s, 2 s, 4 s ... up to 15 s apart, and the run's
// status says what it waits for. Past the window the run has deviated and fails.
// rollback says when the steps' rollback actions run, in reverse order: on_failure (the
// default: a step failed with on_error: rollback, a drill's stop condition, a cancel with
// rollback), on_deviation (also after a deviation), always (also after a drill that
// verified, so that it leaves nothing changed; never after a live run that succeeded).
//
// # Proven versions
//
// Proven says whether a successful drill proved a runbook's version (its digest), by the
// proof rule (Proof.For: a drill of the runbook's service, authorized for it, of this very
// digest), and which version a drill proved last. policy.require_proven (warn, approve,
// refuse) and policy.approvers say what a live run of an unproven version does; the
// configuration has the same policy, and the stricter of the two wins (RequireProven.Stricter).
//
// The library of ready runbooks lives in runbooks/library (embedded as library.FS).
package runbooks
