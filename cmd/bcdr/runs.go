package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

func newRunsCommand(a *app) *cobra.Command {
	var f api.RunFilter
	var since, output string
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List runs, newest first, filtered by service, runbook, mode, outcome and age",
		Long: `runs lists runs newest first, through the bcdr server when server.url is set, else
directly on temporal.address. Through a server, you see the runs of the services you may
view. A child run (a scenario's service, a nested runbook) is listed under its parent,
indented, with the parent's step that started it.`,
		Example: `  bcdr runs --service payments --mode drill --since 30d
  bcdr runs --outcome failed --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since != "" {
				t, err := api.ParseSince(since, time.Now())
				if err != nil {
					return fmt.Errorf("--since: %w", err)
				}
				f.Since = t
			}
			if f.Mode != "" {
				if _, ok := workflows.ParseMode(f.Mode); !ok {
					return fmt.Errorf("--mode %q: must be live, drill or tabletop", f.Mode)
				}
			}
			return a.readRuns(cmd.Context(), func(svc api.Runs) error {
				runs, err := svc.List(cmd.Context(), f)
				if err != nil {
					return asFlag(err)
				}
				if output == "json" {
					return writeJSONIndent(a.stdout, runs)
				}
				return writeRuns(a.stdout, runs)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Service, "service", "", "only runs of this service")
	fl.StringVar(&f.Runbook, "runbook", "", "only runs of this runbook (its metadata.name)")
	fl.StringVar(&f.Mode, "mode", "", "live, drill or tabletop")
	fl.StringVar(&f.Outcome, "outcome", "", "running, succeeded, failed or cancelled")
	fl.StringVar(&since, "since", "", "only runs started since: a duration (720h, 30d) or an RFC 3339 time")
	fl.IntVar(&f.Limit, "limit", 100, fmt.Sprintf("at most this many runs (1 to %d)", api.MaxListRuns))
	outputFlag(cmd, &output, "text", "json")
	return cmd
}

// writeRuns prints the runs as a table, each child run indented under its parent.
func writeRuns(w io.Writer, runs []api.RunSummary) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tRUNBOOK\tSERVICE\tMODE\tOUTCOME\tSTARTED\tTOOK\tRTO")
	var write func(rs []api.RunSummary, indent string)
	write = func(rs []api.RunSummary, indent string) {
		for _, r := range rs {
			outcome, took := r.Outcome, ""
			if outcome == "" {
				outcome = r.Status
			}
			if !r.ClosedAt.IsZero() {
				took = round(r.ClosedAt.Sub(r.StartedAt))
			}
			id := r.RunID
			if indent != "" {
				id = indent + "└ " + r.RunID + " (step " + r.Step + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, r.Runbook, orDash(r.Service), r.Mode, outcome,
				r.StartedAt.Local().Format("2006-01-02 15:04:05"), took, rtoCell(r.RTO))
			write(r.Children, indent+"  ")
		}
	}
	write(runs, "")
	return tw.Flush()
}

// rtoCell is a listed run's RTO against its target, as its record states it: "3m47s/5m
// met", "not measured", or "-" while the run is open.
func rtoCell(f *runbooks.Figure) string {
	switch {
	case f == nil:
		return "-"
	case !f.Measured:
		return "not measured"
	case f.Target <= 0:
		return round(f.Actual)
	}
	return fmt.Sprintf("%s/%s %s", round(f.Actual), round(f.Target), f.Verdict)
}
