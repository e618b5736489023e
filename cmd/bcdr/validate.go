package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/runbooks"
)

func newValidateCommand(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check runbooks and print every problem as file:line:col: message",
		Long: `validate parses and checks each runbook completely: unknown fields and step kinds,
missing or mistyped inputs, unknown or cyclic needs, bad durations, undefined parameter
and output references, and more; the runbooks it nests are read (from inside its folder
only) and checked too, each problem at its own file:line:col. Every problem is printed
in one pass. For each valid runbook it says which steps act for real in a drill
(drill: {live: true}) and which a drill leaves out (a step whose kind changes the world
and that has no drill variant does not run in a drill). When a runbook
names the region it evacuates (objectives.evacuates), every step, rollback and probe a
live run may execute that calls a control plane living there (Route 53 and IAM in
us-east-1, or a regional service called in that region) is a warning. Warnings do not
make a file invalid. The exit status is 0 when every file is valid, 1 otherwise.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := registry(a.cfg)
			if err != nil {
				return err
			}
			type result struct {
				fileCheck
				// In a drill, DrillForReal steps act for real (drill.live) and DrillNotRun
				// steps are left out: they would act for real and have no drill variant.
				DrillForReal []string `json:"drillForReal,omitempty"`
				DrillNotRun  []string `json:"drillNotRun,omitempty"`
			}
			var results []result
			for _, path := range args {
				tree, diags := checkRunbook(path, reg)
				r := result{fileCheck: newFileCheck(path, diags)}
				if tree != nil {
					r.DrillForReal, r.DrillNotRun = runbooks.NewPlan(tree.Root.Runbook, reg).DrillEffects()
				}
				results = append(results, r)
			}
			return writeFileChecks(a, output, results, func(r result) (fileCheck, []string) {
				var notes []string
				if r.Valid {
					notes = append(notes, r.File+": valid")
				}
				if len(r.DrillForReal) > 0 {
					notes = append(notes, fmt.Sprintf("%s: in a drill these steps act for real (drill.live): %s", r.File, strings.Join(r.DrillForReal, ", ")))
				}
				if len(r.DrillNotRun) > 0 {
					notes = append(notes, fmt.Sprintf("%s: in a drill these steps do not run (they would act for real and have no drill variant): %s", r.File, strings.Join(r.DrillNotRun, ", ")))
				}
				return r.fileCheck, notes
			})
		},
	}
	outputFlag(cmd, &output, "text", "json")
	return cmd
}

func newPlanCommand(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "Show a runbook's plan: DAG layers, critical path, expected duration, IAM actions",
		Long: `plan needs no engine and changes nothing. It shows the steps in topological layers
(each layer's steps run in parallel), the critical path with its expected duration from
step estimates, each step's plane (data or control, and where it lives), the
evacuation warnings validate gives, and the AWS IAM actions the runbook needs. The runbooks it nests are read
from its folder, as 'bcdr run' reads them, and a nested step is estimated at its child's
expected duration. --output mermaid or dot draws the DAG with the critical path
highlighted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := registry(a.cfg)
			if err != nil {
				return err
			}
			tree, err := loadRunbook(args[0], reg)
			if err != nil {
				return err
			}
			p := runbooks.NewPlanNested(tree.Root.Runbook, reg, tree.Nested())
			switch output {
			case "json":
				return writeJSONIndent(a.stdout, p)
			case "mermaid":
				return p.WriteMermaid(a.stdout)
			case "dot":
				return p.WriteDot(a.stdout)
			}
			return p.WriteText(a.stdout)
		},
	}
	outputFlag(cmd, &output, "text", "json", "mermaid", "dot")
	return cmd
}

func newDocCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "doc FILE",
		Short: "Render a runbook as a readable procedure document (Markdown)",
		Long: `doc writes the runbook as the contingency plan a continuity manager files: purpose,
owner, objectives, parameters, prerequisites and the numbered procedure with approvals,
rollbacks and drill variants. Generated from the code, so it never drifts.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := registry(a.cfg)
			if err != nil {
				return err
			}
			rb, err := parseFile(args[0], reg)
			if err != nil {
				return err
			}
			return runbooks.WriteDoc(a.stdout, rb, reg)
		},
	}
}

func newKindsCommand(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "kinds",
		Short: "List the step kinds runbooks may use, with their inputs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg, err := registry(a.cfg)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSONIndent(a.stdout, reg.Kinds())
			}
			for _, k := range reg.Kinds() {
				fmt.Fprintf(a.stdout, "%s\n    %s\n", k.Name, k.Description)
				for _, in := range k.Inputs {
					req := ""
					if in.Required {
						req = " (required)"
					}
					fmt.Fprintf(a.stdout, "    - %s: %s%s\n", in.Name, in.Type, req)
				}
			}
			return nil
		},
	}
	outputFlag(cmd, &output, "text", "json")
	return cmd
}

// fileCheck is what validate and catalogue validate say of one file: every problem
// (file:line:col), and whether none is an error.
type fileCheck struct {
	File     string                `json:"file"`
	Valid    bool                  `json:"valid"`
	Problems []runbooks.Diagnostic `json:"problems"`
}

func newFileCheck(file string, diags runbooks.Diagnostics) fileCheck {
	return fileCheck{File: file, Valid: !diags.HasErrors(), Problems: append([]runbooks.Diagnostic{}, diags...)}
}

// writeFileChecks prints the results of validate or catalogue validate: with --output
// json, the results as they are; else each file's problems, then the lines notes gives
// for it. The exit status is 1 when a file is not valid.
func writeFileChecks[R any](a *app, output string, results []R, notes func(R) (fileCheck, []string)) error {
	if output == "json" {
		if err := writeJSONIndent(a.stdout, results); err != nil {
			return err
		}
	}
	failed := false
	for _, r := range results {
		fc, lines := notes(r)
		failed = failed || !fc.Valid
		if output == "json" {
			continue
		}
		for _, d := range fc.Problems {
			fmt.Fprintln(a.stdout, d.String())
		}
		for _, l := range lines {
			fmt.Fprintln(a.stdout, l)
		}
	}
	if failed {
		return exitError(1)
	}
	return nil
}
