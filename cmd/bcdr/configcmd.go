package main

import (
	"encoding/json"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

func newConfigCommand(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration, secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "yaml", "json"); err != nil {
				return err
			}
			m := a.cfg.Masked()
			if output == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			}
			enc := yaml.NewEncoder(a.stdout)
			enc.SetIndent(2)
			return enc.Encode(m)
		},
	}
	outputFlag(cmd, &output, "yaml", "json")
	return cmd
}
