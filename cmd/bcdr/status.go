package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

func newStatusCommand(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "status RUN",
		Short: "Show a run's live state: steps, attempts, pending approvals, the RTO clock",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.readRuns(cmd.Context(), func(svc api.Runs) error {
				st, err := svc.Run(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return printStatus(a.stdout, st, output)
			})
		},
	}
	outputFlag(cmd, &output, "text", "json")
	return cmd
}

func printStatus(w io.Writer, st workflows.Status, output string) error {
	return writeStatus(w, st, output, time.Now())
}

// writeStatus shows the run as it stands at now: its clock is computed from the record's
// start and now (workflows.Status.ElapsedAt), never taken from the query's Elapsed, which
// is as old as the run's last workflow task.
func writeStatus(w io.Writer, st workflows.Status, output string, now time.Time) error {
	st.Elapsed = st.ElapsedAt(now)
	if output == "json" {
		return writeJSONIndent(w, st)
	}
	fmt.Fprintf(w, "run      %s\n", st.RunID)
	fmt.Fprintf(w, "runbook  %s %s (%s)\n", st.Runbook, st.Version, runbooks.ShortDigest(st.Digest))
	fmt.Fprintf(w, "mode     %s, started by %s\n", st.Mode, startedBy(st))
	if u := st.Unproven(); u != "" {
		fmt.Fprintf(w, "UNPROVEN %s\n", u)
	}
	fmt.Fprintf(w, "state    %s  elapsed %s\n", strings.ToUpper(string(st.State)), round(st.Elapsed))
	if st.Verifying != "" {
		fmt.Fprintf(w, "waiting  %s\n", st.Verifying)
	}
	printFigures(w, st)
	if st.Error != "" {
		fmt.Fprintf(w, "error    %s\n", st.Error)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tKIND\tSTATUS\tTRIES\tSTART\tTOOK\tNOTE")
	for _, s := range st.Steps {
		start, took := "", ""
		if !s.StartedAt.IsZero() {
			start = "+" + round(s.StartedAt.Sub(st.StartedAt))
			if !s.EndedAt.IsZero() {
				took = round(s.EndedAt.Sub(s.StartedAt))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Uses, s.Status, attempts(s.Attempts), start, took, note(st.Mode, s))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(st.Children) > 0 {
		fmt.Fprintln(w, "\nchild runs:")
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		writeChildren(tw, st.Children, "  ")
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, p := range waitingFor(st) {
		fmt.Fprintf(w, "\nwaiting: %s, %s", stepTitle(p.Step, p.Name), p.Kind)
		if p.Kind == "approval" {
			fmt.Fprintf(w, ": %d of %d approvals from %s", p.Approved, p.Quorum, strings.Join(p.Approvers, ", "))
		}
		if p.RunID != st.RunID {
			fmt.Fprintf(w, "; in child run %s (%s): bcdr %s %s %s", p.RunID, strings.Join(p.Path, " > "), decideVerb(p.Kind), p.RunID, p.Step)
		}
		fmt.Fprintln(w)
		for line := range strings.SplitSeq(strings.TrimSpace(p.Prompt), "\n") {
			if line != "" {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
	if len(st.Refusals) > 0 {
		fmt.Fprintln(w, "\nrefused (nothing changed):")
		for _, r := range st.Refusals {
			fmt.Fprintf(w, "  +%s %s by %s %s: %s\n", round(r.At.Sub(st.StartedAt)), r.Action, r.By, r.Step, r.Reason)
		}
	}
	if len(st.Actions) > 0 {
		fmt.Fprintln(w, "\noperator actions:")
		for _, ac := range st.Actions {
			fmt.Fprintf(w, "  +%s %s by %s %s %s\n", round(ac.At.Sub(st.StartedAt)), ac.Action, ac.By, ac.Step, ac.Comment)
		}
	}
	return nil
}

// waitingFor is every task waiting for a person in the run's tree (Status.Waiting,
// which the run service fills), or the run's own when it came without its tree.
func waitingFor(st workflows.Status) []workflows.Waiting {
	if len(st.Waiting) > 0 {
		return st.Waiting
	}
	out := make([]workflows.Waiting, 0, len(st.Pending))
	for _, p := range st.Pending {
		out = append(out, workflows.Waiting{RunID: st.RunID, PendingTask: p})
	}
	return out
}

// decideVerb is the command that settles a pending task of a kind: approve (or
// decline) an approval, complete a manual task or a tabletop prompt.
func decideVerb(kind string) string {
	if kind == "approval" {
		return "approve"
	}
	return "complete"
}

// writeChildren writes the child runs of a run, each under its parent, indented.
func writeChildren(tw io.Writer, children []workflows.ChildRun, indent string) {
	for _, c := range children {
		state := strings.ToUpper(string(c.State))
		if c.State == "" {
			state = "UNKNOWN"
		}
		what := c.Runbook
		if c.Service != "" {
			what += " (" + c.Service + ")"
		}
		note := fmt.Sprintf("%d/%d steps", c.Done, c.Steps)
		if c.Error != "" {
			note += "; " + c.Error
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\n", indent, c.Step, c.RunID, orDash(what), state, note)
		writeChildren(tw, c.Children, indent+"  ")
	}
}

// startedBy says who started the run and, when it differs, through what ("bob (cli)",
// "schedule:quarterly").
func startedBy(st workflows.Status) string {
	if st.Trigger == "" || st.Trigger == st.Initiator {
		return st.Initiator
	}
	return st.Initiator + " (" + st.Trigger + ")"
}

// stepTitle names a step for people: "Approve the failover (gate)", or its id alone.
func stepTitle(id, name string) string {
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}

func note(mode workflows.Mode, s workflows.StepState) string {
	var parts []string
	if s.Drill {
		parts = append(parts, "drill variant")
	}
	for _, d := range s.Decisions {
		p := d.Verb(mode, s.Uses) + " by " + d.By
		if d.Comment != "" {
			p += ": " + d.Comment
		}
		parts = append(parts, p)
	}
	if s.Reason != "" {
		parts = append(parts, s.Reason)
	}
	if s.Error != "" {
		parts = append(parts, s.Error)
	}
	if s.Rollback != nil {
		if s.Rollback.Error != "" {
			parts = append(parts, "rollback failed: "+s.Rollback.Error)
		} else {
			parts = append(parts, "rolled back")
		}
	}
	return strings.Join(parts, "; ")
}

func attempts(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// round prints a duration in bcdr's one human format ("3m47s", "1h30m", "90d").
func round(d time.Duration) string { return runbooks.FormatDuration(d) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orDashDur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return round(d)
}
