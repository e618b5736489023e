package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
)

var decisionHelp = map[string]string{
	"approve":  "Approve an approval step (you must be one of its approvers, and not the run's initiator)",
	"decline":  "Decline an approval step; the step ends as declined (a comment is required)",
	"complete": "Mark a manual task done, answer a tabletop prompt, or acknowledge a roll call",
}

func newDecisionCommand(a *app, name string) *cobra.Command {
	var comment string
	cmd := &cobra.Command{
		Use:   name + " RUN STEP",
		Short: decisionHelp[name],
		Long: decisionHelp[name] + `.

You act as identity.user (--as). Talking to the engine directly, the CLI signs the
request with the identity key (identity.key_file, the one the workers hold); through
bcdr server (server.url), the server signs it for the user it authenticated. The
worker verifies the signature and takes your groups from its own configuration, never
from the request. A refused request changes nothing; one refused after the run began
checking it (an unverifiable identity, a step another decision closed first) is
recorded in the run's refusals.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.act(cmd.Context(), args[0], api.Action{Name: name, Step: args[1], Comment: comment}, didTo)
		},
	}
	cmd.Flags().StringVarP(&comment, "comment", "m", "", "why (recorded with who and when)")
	return cmd
}

var controlHelp = map[string]string{
	"pause":  "Pause a run: running steps finish, no new step starts",
	"resume": "Resume a paused run",
	"skip":   "Skip a step (pending, waiting, running or failed); a comment is required",
	"retry":  "Retry a failed step of a run held on failure (see run --hold-on-failure)",
	"cancel": "Cancel a run, with --rollback to compensate completed steps; a comment is required",
}

func newControlCommand(a *app, name string) *cobra.Command {
	var comment string
	var rollback bool
	use, nargs := name+" RUN", 1
	if name == "skip" || name == "retry" {
		use, nargs = name+" RUN STEP", 2
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: controlHelp[name],
		Long:  controlHelp[name] + ".\n\nThe action is recorded in the run with who, when and the comment.",
		Args:  cobra.ExactArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			act := api.Action{Name: name, Comment: comment, Rollback: rollback}
			if nargs == 2 {
				act.Step = args[1]
			}
			return a.act(cmd.Context(), args[0], act, didTo)
		},
	}
	cmd.Flags().StringVarP(&comment, "comment", "m", "", "why (recorded with who and when)")
	if name == "cancel" {
		cmd.Flags().BoolVar(&rollback, "rollback", false, "roll back completed steps in reverse order")
	}
	return cmd
}

// act sends an action to a run through the run service and prints what it did, as done
// words it.
func (a *app) act(ctx context.Context, runID string, act api.Action, done func(api.ActionResult) string) error {
	return a.withRuns(ctx, func(svc api.Runs) error {
		res, err := svc.Act(ctx, runID, act)
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, done(res))
		return nil
	})
}

// didTo words what an action did: "RUN: step gate approved by amy", "RUN: paused by olga".
func didTo(res api.ActionResult) string {
	if res.Step != "" {
		return fmt.Sprintf("%s: step %s %s by %s", res.RunID, res.Step, pastTense(res.Action), res.By)
	}
	return fmt.Sprintf("%s: %s by %s", res.RunID, pastTense(res.Action), res.By)
}

func pastTense(verb string) string {
	switch verb {
	case "retry":
		return "retried"
	case "approve", "decline", "complete", "pause", "resume":
		return verb + "d"
	case "skip":
		return "skipped"
	case "cancel":
		return "cancelled"
	}
	return verb
}
