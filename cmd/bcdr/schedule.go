package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
)

func newScheduleCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Recurring drills and tabletops: create, list, show, pause, unpause, trigger, delete; overdue",
		Long: `schedule manages recurring drills and tabletops as Temporal Schedules. A schedule holds
the runbook as it was when the schedule was created, starts a run at every time of its spec
(--every or --cron, with --jitter), and skips a time while the previous run still runs.

Through the bcdr server when server.url is set (the author role is needed to change
schedules), else directly on temporal.address.`,
	}
	var output string
	cmd.PersistentFlags().StringVarP(&output, "output", "o", "text", "output format: text, json")
	cmd.AddCommand(newScheduleCreateCommand(a, &output))
	simple := []struct{ use, short, method, suffix, done string }{
		{"show ID", "Show a schedule: spec, next times, recent runs", http.MethodGet, "", ""},
		{"pause ID", "Pause a schedule (no run starts until unpaused)", http.MethodPost, "/pause", "paused"},
		{"unpause ID", "Unpause a schedule", http.MethodPost, "/unpause", "unpaused"},
		{"trigger ID", "Start the schedule's run now", http.MethodPost, "/trigger", "triggered"},
		{"delete ID", "Delete a schedule (its past runs stay)", http.MethodDelete, "", "deleted"},
	}
	for _, s := range simple {
		s := s
		cmd.AddCommand(&cobra.Command{
			Use: s.use, Short: s.short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, done, err := a.apiClient(cmd.Context())
				if err != nil {
					return err
				}
				defer done()
				var out map[string]any
				if err := c.Do(cmd.Context(), s.method, "/v1/schedules/"+url.PathEscape(args[0])+s.suffix, nil, &out); err != nil {
					return err
				}
				if output == "json" || s.method == http.MethodGet {
					return writeIndented(a, out)
				}
				fmt.Fprintf(a.stdout, "schedule %s: %s\n", args[0], s.done)
				return nil
			},
		})
	}
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "List the schedules", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, done, err := a.apiClient(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			list, err := c.Schedules(cmd.Context())
			if err != nil {
				return err
			}
			if output == "json" {
				return writeIndented(a, list)
			}
			tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tRUNBOOK\tSERVICE\tMODE\tEVERY\tPAUSED\tNEXT")
			for _, s := range list {
				next := "-"
				if len(s.Next) > 0 {
					next = s.Next[0].Local().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%s\n", s.ID, s.Runbook, orDash(s.Service), s.Mode, orDash(s.Every+s.Cron), s.Paused, next)
			}
			return tw.Flush()
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use: "overdue", Short: "Report, per service, the last successful drill and whether its tier's cadence has passed",
		Long: `overdue lists every service of the runbooks the server knows, with its tier, the cadence
of that tier (drills.cadence), its last successful drill and when the next is due. A
service never drilled is overdue. The last drill is read from the evidence store, which
keeps every run, and from the engine, which keeps runs for its retention; a source that
cannot be read is named on stderr. The exit status is 1 when any service is overdue.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, done, err := a.apiClient(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			report, err := c.Overdue(cmd.Context())
			if err != nil {
				return err
			}
			for _, p := range report.Problems {
				fmt.Fprintf(a.stderr, "warning: %s (the report is built from the other sources)\n", p)
			}
			list := report.Services
			if output == "json" {
				if err := writeIndented(a, list); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SERVICE\tTIER\tCADENCE\tLAST DRILL\tDUE\tOVERDUE")
				for _, o := range list {
					last, due := "never", "now"
					if !o.LastDrill.IsZero() {
						last, due = o.LastDrill.Local().Format(time.RFC3339), o.Due.Local().Format(time.RFC3339)
					}
					if o.Cadence == "" {
						due = "-"
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%v\n", o.Service, o.Tier, orDash(o.Cadence), last, due, o.Overdue)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			for _, o := range list {
				if o.Overdue {
					return exitError(1)
				}
			}
			return nil
		},
	})
	return cmd
}

func newScheduleCreateCommand(a *app, output *string) *cobra.Command {
	var req api.ScheduleRequest
	var file string
	var params []string
	cmd := &cobra.Command{
		Use:   "create ID (--runbook NAME | --file FILE) (--every DURATION | --cron EXPR)",
		Short: "Create a recurring drill or tabletop",
		Example: `  bcdr schedule create payments-quarterly --runbook rds-promote-read-replica --every 2160h --jitter 24h
  bcdr schedule create weekly-tabletop --file tabletop.yaml --mode tabletop --cron "0 10 * * 1"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.ID = args[0]
			if (file == "") == (req.Runbook == "") {
				return fmt.Errorf("give --runbook (a runbook the server knows) or --file, one of them")
			}
			if file != "" {
				src, err := os.ReadFile(file)
				if err != nil {
					return err
				}
				req.Source, req.Filename = string(src), file
			}
			var err error
			if req.Params, err = paramMap(params); err != nil {
				return err
			}
			c, done, err := a.apiClient(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			var sc api.Schedule
			if err := c.Do(cmd.Context(), http.MethodPost, "/v1/schedules", req, &sc); err != nil {
				return err
			}
			if *output == "json" {
				return writeIndented(a, sc)
			}
			fmt.Fprintf(a.stdout, "schedule %s: %s of %s every %s\n", sc.ID, sc.Mode, sc.Runbook, orDash(sc.Every+sc.Cron))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Runbook, "runbook", "", "a runbook the server knows (GET /v1/runbooks)")
	f.StringVar(&file, "file", "", "a runbook file to upload")
	f.StringVar(&req.Mode, "mode", "drill", "drill or tabletop")
	f.StringArrayVarP(&params, "param", "p", nil, "parameter as name=value (repeatable)")
	f.StringVar(&req.Every, "every", "", "interval, e.g. 2160h (90 days)")
	f.StringArrayVar(&req.Cron, "cron", nil, "cron expression (repeatable)")
	f.StringVar(&req.Jitter, "jitter", "", "random delay added to each time, e.g. 1h")
	f.BoolVar(&req.Paused, "paused", false, "create the schedule paused")
	f.StringVar(&req.Note, "note", "", "a note shown with the schedule")
	return cmd
}

// paramMap turns --param name=value flags into a map.
func paramMap(params []string) (map[string]any, error) {
	out := map[string]any{}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--param %q: want name=value", p)
		}
		out[k] = v
	}
	return out, nil
}

func writeIndented(a *app, v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
