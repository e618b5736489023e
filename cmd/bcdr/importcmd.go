package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/convert"
)

func newImportCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import chaostoolkit|ssm FILE",
		Short: "Turn a Chaos Toolkit experiment or an SSM Automation document into a runbook",
		Long: `import converts what another tool runs into a bcdr runbook, printed on stdout (or
written to --out): what maps becomes steps, probes and parameters; what does not is a
comment at the place it belongs in the runbook and a line on stderr with its place in the
source file ("FILE:LINE:COL: not converted: ..."). The runbook is validated with this
binary's step kinds before it is printed; a conversion that does not validate exits 1.

  chaostoolkit  a Chaos Toolkit experiment (JSON or YAML): HTTP probes and actions,
                tolerances, pauses, background activities, refs, rollbacks, configuration
                and secrets. The result is meant to run as a drill.
  ssm           an AWS Systems Manager Automation document (JSON or YAML, schemaVersion
                0.3): aws:approve, aws:pause, aws:sleep, aws:changeInstanceState,
                aws:executeAutomation and aws:executeAwsApi calls that bcdr has a step kind
                for; parameters, StringList ones as list parameters.`,
		Example: `  bcdr import chaostoolkit experiment.json > storefront-drill.yaml
  bcdr import ssm AWS-RestartEC2Instance.yaml --out restart.yaml && bcdr validate restart.yaml`,
		Args:      cobra.ExactArgs(2),
		ValidArgs: []string{"chaostoolkit", "ssm"},
		RunE: func(cmd *cobra.Command, args []string) error {
			var conv func(string, []byte) (*convert.Result, error)
			switch args[0] {
			case "chaostoolkit":
				conv = convert.ChaosToolkit
			case "ssm":
				conv = convert.SSM
			default:
				fmt.Fprintf(a.stderr, "bcdr: import what? %q is not chaostoolkit or ssm\n", args[0])
				return exitError(2)
			}
			src, err := os.ReadFile(args[1])
			if err != nil {
				return fmt.Errorf("%s: %w", args[1], plainFileError(err))
			}
			res, err := conv(args[1], src)
			if err != nil {
				return err
			}
			for _, n := range res.Notes {
				fmt.Fprintln(a.stderr, n.String())
			}
			reg, err := registry(a.cfg)
			if err != nil {
				return err
			}
			name := "(converted " + filepath.Base(args[1]) + ")"
			if _, diags := runbooks.Parse(name, res.YAML, reg); len(diags) > 0 {
				for _, d := range diags {
					fmt.Fprintln(a.stderr, d.String())
				}
				if diags.HasErrors() {
					fmt.Fprintln(a.stderr, "the converted runbook does not validate; it was not written")
					return exitError(1)
				}
			}
			out, _ := cmd.Flags().GetString("out")
			if out == "" {
				_, err = a.stdout.Write(res.YAML)
				return err
			}
			return os.WriteFile(out, res.YAML, 0o644)
		},
	}
	cmd.Flags().String("out", "", "write the runbook to this file instead of stdout")
	return cmd
}
