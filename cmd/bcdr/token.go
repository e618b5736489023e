package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
)

func newTokenCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Make static API tokens and the hashes the server configuration holds",
		Long: `The bcdr server keeps static API tokens as SHA-256 hashes (auth.tokens[].hash,
triggers.NAME.token_hash), never the tokens themselves:

  auth:
    tokens:
      - {name: ci-bot, hash: "sha256:...", roles: [operator]}`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "new",
		Short: "Print a new random token and its hash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tok, err := api.NewToken()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "token  %s\nhash   %s\n", tok, api.HashToken(tok))
			return nil
		},
	}, &cobra.Command{
		Use:   "hash [TOKEN]",
		Short: "Print the hash of a token (read from standard input when not given)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var tok string
			if len(args) == 1 {
				tok = args[0]
			} else {
				line, err := bufio.NewReader(a.stdin).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("read the token from standard input: %w", err)
				}
				tok = line
			}
			if tok = strings.TrimSpace(tok); tok == "" {
				return fmt.Errorf("the token is empty")
			}
			fmt.Fprintln(a.stdout, api.HashToken(tok))
			return nil
		},
	})
	return cmd
}
