package main

import (
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
			m := a.cfg.Masked()
			if output == "json" {
				return writeJSONIndent(a.stdout, m)
			}
			enc := yaml.NewEncoder(a.stdout)
			enc.SetIndent(2)
			return enc.Encode(m)
		},
	}
	outputFlag(cmd, &output, "yaml", "json")
	return cmd
}
