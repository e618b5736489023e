package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/bcdr/bcdr/workflows"
)

// RunFilter selects runs from the engine's visibility store.
type RunFilter struct {
	Service, Runbook, Mode, Outcome string
	Since                           time.Time
	Limit                           int
}

// RunSummary is a run as the engine lists it.
type RunSummary struct {
	RunID     string    `json:"runId"`
	Runbook   string    `json:"runbook"`
	Service   string    `json:"service,omitempty"`
	Mode      string    `json:"mode"`
	Status    string    `json:"status"`  // the engine's: Running, Completed, Failed, ...
	Outcome   string    `json:"outcome"` // bcdr's: succeeded, failed, cancelled; "" while running
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt,omitempty"`
}

// query is the visibility query for the filter. Values are quoted, so a filter value
// cannot change the query.
func (f RunFilter) query() string {
	parts := []string{fmt.Sprintf("WorkflowType = %s", quote(workflows.WorkflowName))}
	for _, c := range []struct{ attr, val string }{
		{workflows.SAService, f.Service}, {workflows.SARunbook, f.Runbook},
		{workflows.SAMode, f.Mode}, {workflows.SAOutcome, f.Outcome},
	} {
		if c.val != "" {
			parts = append(parts, fmt.Sprintf("%s = %s", c.attr, quote(c.val)))
		}
	}
	if !f.Since.IsZero() {
		parts = append(parts, fmt.Sprintf("StartTime >= %s", quote(f.Since.UTC().Format(time.RFC3339))))
	}
	return strings.Join(parts, " AND ") // newest first is the engine's own order
}

func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// listRuns lists runs newest first.
func listRuns(ctx context.Context, c client.Client, f RunFilter) ([]RunSummary, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var out []RunSummary
	var token []byte
	for len(out) < limit {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: f.query(), PageSize: int32(min(limit-len(out), 1000)), NextPageToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		for _, e := range resp.Executions {
			r := RunSummary{RunID: e.Execution.WorkflowId, Status: strings.TrimPrefix(e.Status.String(), "WORKFLOW_EXECUTION_STATUS_"),
				StartedAt: e.StartTime.AsTime()}
			if e.CloseTime != nil {
				r.EndedAt = e.CloseTime.AsTime()
			}
			fields := e.GetSearchAttributes().GetIndexedFields()
			for attr, dst := range map[string]*string{workflows.SARunbook: &r.Runbook, workflows.SAService: &r.Service,
				workflows.SAMode: &r.Mode, workflows.SAOutcome: &r.Outcome} {
				if p, ok := fields[attr]; ok {
					_ = converter.GetDefaultDataConverter().FromPayload(p, dst)
				}
			}
			out = append(out, r)
		}
		token = resp.NextPageToken
		if len(token) == 0 {
			break
		}
	}
	return out, nil
}

func newRunsCommand(a *app) *cobra.Command {
	var f RunFilter
	var since, output string
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List runs, newest first, filtered by service, runbook, mode, outcome and age",
		Example: `  bcdr runs --service payments --mode drill --since 720h
  bcdr runs --outcome failed --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return fmt.Errorf("--since %q: %w", since, err)
				}
				f.Since = t
			}
			if f.Mode != "" {
				if _, ok := workflows.ParseMode(f.Mode); !ok {
					return fmt.Errorf("--mode %q: must be live, drill or tabletop", f.Mode)
				}
			}
			c, err := dial(cmd.Context(), a.cfg, discard())
			if err != nil {
				return err
			}
			defer c.Close()
			runs, err := listRuns(cmd.Context(), c, f)
			if err != nil {
				return err
			}
			if output == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(runs)
			}
			tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tRUNBOOK\tSERVICE\tMODE\tOUTCOME\tSTARTED\tTOOK")
			for _, r := range runs {
				outcome, took := r.Outcome, ""
				if outcome == "" {
					outcome = strings.ToLower(r.Status)
				}
				if !r.EndedAt.IsZero() {
					took = round(r.EndedAt.Sub(r.StartedAt))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.RunID, r.Runbook, orDash(r.Service), r.Mode, outcome,
					r.StartedAt.Local().Format("2006-01-02 15:04:05"), took)
			}
			return tw.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Service, "service", "", "only runs of this service")
	fl.StringVar(&f.Runbook, "runbook", "", "only runs of this runbook (its metadata.name)")
	fl.StringVar(&f.Mode, "mode", "", "live, drill or tabletop")
	fl.StringVar(&f.Outcome, "outcome", "", "succeeded, failed or cancelled")
	fl.StringVar(&since, "since", "", "only runs started since: a duration (720h, 30d) or an RFC 3339 time")
	fl.IntVar(&f.Limit, "limit", 100, "at most this many runs")
	outputFlag(cmd, &output, "text", "json")
	return cmd
}

// parseSince reads "720h", "30d" or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if strings.HasSuffix(s, "d") {
		var days int
		if _, err := fmt.Sscanf(s, "%dd", &days); err == nil && days >= 0 {
			return now.AddDate(0, 0, -days), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a duration (720h, 30d) or an RFC 3339 time")
	}
	return now.Add(-d), nil
}
