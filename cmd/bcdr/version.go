package main

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/temporal"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newVersionCommand(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print bcdr's version and the Temporal versions it is built with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := map[string]string{"bcdr": version, "temporalSDK": temporal.SDKVersion}
			if bi, ok := debug.ReadBuildInfo(); ok {
				v["go"] = bi.GoVersion
				for _, d := range bi.Deps {
					if d.Path == "go.temporal.io/server" {
						v["temporalServer"] = d.Version
					}
				}
			}
			if output == "json" {
				return json.NewEncoder(a.stdout).Encode(v)
			}
			fmt.Fprintf(a.stdout, "bcdr %s (temporal server %s, sdk %s, %s)\n", v["bcdr"], v["temporalServer"], v["temporalSDK"], v["go"])
			return nil
		},
	}
	outputFlag(cmd, &output, "text", "json")
	return cmd
}
