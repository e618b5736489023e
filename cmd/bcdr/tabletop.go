package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/workflows"
)

func newAdvanceCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "advance RUN [STEP]",
		Short: "Close tabletop prompts (the facilitator, who started the run, moves the exercise on)",
		Long: `advance closes the open prompt STEP of a tabletop run, or every open prompt when no
step is named, so the exercise moves to the next steps. Participants answer prompts with
'bcdr complete RUN STEP -m "answer"' until then. Only the facilitator may advance.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			act := api.Action{Name: workflows.UpdateAdvance}
			if len(args) == 2 {
				act.Step = args[1]
			}
			return a.act(cmd.Context(), args[0], act, func(res api.ActionResult) string {
				if res.Step == "" {
					return fmt.Sprintf("%s: every open prompt closed by %s", res.RunID, res.By)
				}
				return fmt.Sprintf("%s: prompt %s closed by %s", res.RunID, res.Step, res.By)
			})
		},
	}
}

func newFindingCommand(a *app) *cobra.Command {
	var req workflows.FindingRequest
	cmd := &cobra.Command{
		Use:   "finding RUN",
		Short: "Record a gap, an action item (with an owner) or an observation in a run",
		Long: `finding records what a drill or a tabletop taught: a gap in the plan, an action item
with its owner, or an observation, optionally about one step. Findings go into the run's
record and its report.`,
		Example: `  bcdr finding RUN --kind gap --step restore -m "nobody knew where the tapes are"
  bcdr finding RUN --kind action --owner sre -m "document the tape location"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case strings.TrimSpace(req.Text) == "":
				return errors.New("a finding needs its text: give -m TEXT")
			case req.Kind == workflows.FindingAction && req.Owner == "":
				return errors.New("an action item needs an owner: give --owner NAME (who acts on it)")
			}
			act := api.Action{Name: workflows.UpdateFinding, Step: req.Step, Comment: req.Text, Kind: req.Kind, Owner: req.Owner}
			return a.act(cmd.Context(), args[0], act, func(res api.ActionResult) string {
				return fmt.Sprintf("%s: %s recorded by %s", res.RunID, req.Kind, res.By)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Kind, "kind", workflows.FindingObservation, "gap, action or observation")
	f.StringVarP(&req.Text, "message", "m", "", "the finding")
	f.StringVar(&req.Owner, "owner", "", "who acts on it (required for an action item)")
	f.StringVar(&req.Step, "step", "", "the step it is about")
	return cmd
}
