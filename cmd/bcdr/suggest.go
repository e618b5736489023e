package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// flagError adds to a flag the command does not know the flags it most likely meant and
// where the rest are listed ("unknown flag: --mod (did you mean --mode?); see 'bcdr run
// --help'"). Cobra suggests commands, not flags. A value a choiceVar flag does not take
// is said in bcdr's words only (`--output "yaml": must be one of text, json`).
func flagError(cmd *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if errors.As(err, &bad) {
		if _, ok := bad.GetFlag().Value.(*choiceValue); ok {
			err = bad.Unwrap()
		}
	}
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return fmt.Errorf("%w; see '%s --help'", err, cmd.CommandPath())
	}
	name, _, _ = strings.Cut(name, "=")
	var near []string
	seen := map[string]bool{}
	add := func(f *pflag.Flag) {
		if seen[f.Name] || f.Hidden {
			return
		}
		seen[f.Name] = true
		if strings.HasPrefix(f.Name, name) || yamlnode.EditDistance(name, f.Name) <= 2 {
			near = append(near, "--"+f.Name)
		}
	}
	cmd.Flags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	sort.Strings(near)
	if len(near) > 0 {
		return fmt.Errorf("%s (did you mean %s?); see '%s --help'", msg, strings.Join(near, " or "), cmd.CommandPath())
	}
	return fmt.Errorf("%s; see '%s --help' for its flags", msg, cmd.CommandPath())
}
