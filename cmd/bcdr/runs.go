package main

import (
	"encoding/json"
	"fmt"
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
view.`,
		Example: `  bcdr runs --service payments --mode drill --since 30d
  bcdr runs --outcome failed --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
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
			svc, done, err := a.runs(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			runs, err := svc.List(cmd.Context(), f)
			if err != nil {
				return asFlag(err)
			}
			if output == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(runs)
			}
			tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tRUNBOOK\tSERVICE\tMODE\tOUTCOME\tSTARTED\tTOOK\tRTO")
			for _, r := range runs {
				outcome, took := r.Outcome, ""
				if outcome == "" {
					outcome = r.Status
				}
				if !r.ClosedAt.IsZero() {
					took = round(r.ClosedAt.Sub(r.StartedAt))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.RunID, r.Runbook, orDash(r.Service), r.Mode, outcome,
					r.StartedAt.Local().Format("2006-01-02 15:04:05"), took, rtoCell(r.RTO))
			}
			return tw.Flush()
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
