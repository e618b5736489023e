package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/workflows"
)

var decisionHelp = map[string]string{
	"approve":  "Approve an approval step (you must be one of its approvers, and not the run's initiator)",
	"decline":  "Decline an approval step; the step ends as declined (a comment is required)",
	"complete": "Mark a manual task done, or answer a tabletop prompt",
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
			actor, err := a.identity()
			if err != nil {
				return err
			}
			req := workflows.DecisionRequest{Step: args[1], By: actor, Comment: comment}
			return a.update(cmd.Context(), args[0], name, req, fmt.Sprintf("%s: %s %s step %s", args[0], actor.Name, pastTense(name), args[1]))
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
			actor, err := a.identity()
			if err != nil {
				return err
			}
			req := workflows.ControlRequest{By: actor, Comment: comment, Rollback: rollback}
			what := fmt.Sprintf("%s: %s by %s", args[0], pastTense(name), actor.Name)
			if nargs == 2 {
				req.Step = args[1]
				what = fmt.Sprintf("%s: step %s %s by %s", args[0], args[1], pastTense(name), actor.Name)
			}
			return a.update(cmd.Context(), args[0], name, req, what)
		},
	}
	cmd.Flags().StringVarP(&comment, "comment", "m", "", "why (recorded with who and when)")
	if name == "cancel" {
		cmd.Flags().BoolVar(&rollback, "rollback", false, "roll back completed steps in reverse order")
	}
	return cmd
}

// update sends a validated update to a run and waits until it is applied.
func (a *app) update(ctx context.Context, runID, name string, arg any, done string) error {
	if a.remote() {
		return a.updateRemote(ctx, runID, name, arg)
	}
	c, err := dial(ctx, a.cfg, discard())
	if err != nil {
		return err
	}
	defer c.Close()
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: runID, UpdateName: name, Args: []any{a.sign(runID, name, arg)}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return runError(runID, name, err)
	}
	if err := h.Get(ctx, nil); err != nil {
		return runError(runID, name, err)
	}
	fmt.Fprintln(a.stdout, done)
	return nil
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
