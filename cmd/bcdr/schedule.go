package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/runbooks"
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
	outputVar(cmd.PersistentFlags(), &output, "text", "json")
	cmd.AddCommand(newScheduleCreateCommand(a, &output))
	cmd.AddCommand(&cobra.Command{
		Use: "show ID", Short: "Show a schedule: spec, next times, recent runs", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withRuns(cmd.Context(), func(svc api.Runs) error {
				sc, err := svc.Schedule(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if output == "json" {
					return writeJSONIndent(a.stdout, sc)
				}
				return printSchedule(a.stdout, sc)
			})
		},
	})
	changes := []struct {
		use, short, done string
		change           func(ctx context.Context, svc api.Runs, id string) (any, error)
	}{
		{"pause ID", "Pause a schedule (no run starts until unpaused)", "paused", func(ctx context.Context, svc api.Runs, id string) (any, error) {
			return svc.PauseSchedule(ctx, id, true, "")
		}},
		{"unpause ID", "Unpause a schedule", "unpaused", func(ctx context.Context, svc api.Runs, id string) (any, error) {
			return svc.PauseSchedule(ctx, id, false, "")
		}},
		{"trigger ID", "Start the schedule's run now", "triggered", func(ctx context.Context, svc api.Runs, id string) (any, error) {
			return map[string]any{"id": id, "triggered": true}, svc.TriggerSchedule(ctx, id)
		}},
		{"delete ID", "Delete a schedule (its past runs stay)", "deleted", func(ctx context.Context, svc api.Runs, id string) (any, error) {
			return map[string]any{"id": id, "deleted": true}, svc.DeleteSchedule(ctx, id)
		}},
	}
	for _, c := range changes {
		cmd.AddCommand(&cobra.Command{
			Use: c.use, Short: c.short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return a.withRuns(cmd.Context(), func(svc api.Runs) error {
					out, err := c.change(cmd.Context(), svc, args[0])
					if err != nil {
						return err
					}
					if output == "json" {
						return writeJSONIndent(a.stdout, out)
					}
					fmt.Fprintf(a.stdout, "schedule %s: %s\n", args[0], c.done)
					return nil
				})
			},
		})
	}
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "List the schedules", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.readRuns(cmd.Context(), func(svc api.Runs) error {
				list, err := svc.Schedules(cmd.Context())
				if err != nil {
					return err
				}
				if output == "json" {
					return writeJSONIndent(a.stdout, list)
				}
				tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tRUNBOOK\tSERVICE\tMODE\tEVERY\tPAUSED\tNEXT")
				for _, s := range list {
					next := "-"
					if len(s.Next) > 0 {
						next = s.Next[0].Local().Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%s\n", s.ID, s.Runbook, orDash(s.Service), s.Mode, cadenceText(s), s.Paused, next)
				}
				return tw.Flush()
			})
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
			return a.readRuns(cmd.Context(), func(svc api.Runs) error {
				report, err := svc.Overdue(cmd.Context())
				if err != nil {
					return err
				}
				for _, p := range report.Problems {
					fmt.Fprintf(a.stderr, "warning: %s (the report is built from the other sources)\n", p)
				}
				list := report.Services
				if output == "json" {
					if err := writeJSONIndent(a.stdout, list); err != nil {
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
						cadence := o.Cadence // JSON's machine form ("2160h0m0s"); people read "90d"
						if d, err := runbooks.ParseDuration(o.Cadence); err == nil {
							cadence = d.String()
						}
						fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%v\n", o.Service, o.Tier, orDash(cadence), last, due, o.Overdue)
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
			})
		},
	})
	return cmd
}

func newScheduleCreateCommand(a *app, output *string) *cobra.Command {
	var req api.ScheduleRequest
	var file string
	var params []string
	var every, jitter runbooks.Duration
	cmd := &cobra.Command{
		Use:   "create ID (--runbook NAME | --file FILE) (--every DURATION | --cron EXPR)",
		Short: "Create a recurring drill or tabletop",
		Example: `  bcdr schedule create demo-quarterly --runbook demo-failover --every 90d --jitter 1d
  bcdr schedule create payments-quarterly --runbook rds-promote-read-replica -p replica_id=payments-dr -p ... --every 90d
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
			if every > 0 {
				req.Every = every.String()
			}
			if jitter > 0 {
				req.Jitter = jitter.String()
			}
			var err error
			if req.Params, err = paramMap(params); err != nil {
				return err
			}
			sc, err := a.createSchedule(cmd.Context(), req)
			if err != nil {
				return err
			}
			if *output == "json" {
				return writeJSONIndent(a.stdout, sc)
			}
			fmt.Fprintf(a.stdout, "schedule %s: %s of %s %s\n", sc.ID, sc.Mode, sc.Runbook, cadenceText(sc))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Runbook, "runbook", "", "a runbook the server knows (GET /v1/runbooks)")
	f.StringVar(&file, "file", "", "a runbook file to upload")
	f.StringVar(&req.Mode, "mode", "drill", "drill or tabletop")
	f.StringArrayVarP(&params, "param", "p", nil, "parameter as name=value (repeatable)")
	f.Var(&every, "every", "interval, e.g. 90d, 12h, 1h30m")
	f.StringArrayVar(&req.Cron, "cron", nil, "cron expression (repeatable)")
	f.Var(&jitter, "jitter", "random delay added to each time, e.g. 1d, 30m")
	f.BoolVar(&req.Paused, "paused", false, "create the schedule paused")
	f.StringVar(&req.Note, "note", "", "a note shown with the schedule")
	return cmd
}

// createSchedule makes a schedule through the run service.
func (a *app) createSchedule(ctx context.Context, req api.ScheduleRequest) (sc api.Schedule, err error) {
	err = a.withRuns(ctx, func(svc api.Runs) error {
		sc, err = svc.CreateSchedule(ctx, req)
		return err
	})
	return sc, err
}

// printSchedule shows a schedule for people; --output json gives the API's form.
func printSchedule(w io.Writer, sc api.Schedule) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "schedule\t%s\n", sc.ID)
	runbook := sc.Runbook
	if sc.Service != "" {
		runbook += " (" + sc.Service + ")"
	}
	fmt.Fprintf(tw, "runbook\t%s, %s\n", runbook, sc.Mode)
	if sc.Every != "" {
		line := durationText(sc.Every)
		if sc.Jitter != "" {
			line += ", jitter " + durationText(sc.Jitter)
		}
		fmt.Fprintf(tw, "every\t%s\n", line)
	}
	if c := cronOf(sc); c != "" {
		fmt.Fprintf(tw, "cron\t%s\n", c)
	}
	state := "active"
	if sc.Paused {
		state = "paused"
	}
	fmt.Fprintf(tw, "state\t%s, %d runs started, %d times skipped (previous run still running)\n", state, sc.Actions, sc.Skipped)
	if sc.CreatedBy != "" {
		fmt.Fprintf(tw, "made by\t%s\n", sc.CreatedBy)
	}
	if sc.Note != "" {
		fmt.Fprintf(tw, "note\t%s\n", sc.Note)
	}
	for i, t := range sc.Next {
		label := ""
		if i == 0 {
			label = "next"
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, t.Local().Format(time.RFC3339))
	}
	for i, r := range sc.Recent {
		label := ""
		if i == 0 {
			label = "recent"
		}
		fmt.Fprintf(tw, "%s\t%s  %s\n", label, r.StartedAt.Local().Format(time.RFC3339), r.RunID)
	}
	for i, id := range sc.Running {
		label := ""
		if i == 0 {
			label = "running"
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, id)
	}
	return tw.Flush()
}

// cadenceText says when a schedule runs: "every 90d" or "cron 0 10 * * 1".
func cadenceText(sc api.Schedule) string {
	if sc.Every != "" {
		return "every " + durationText(sc.Every)
	}
	if c := cronOf(sc); c != "" {
		return "cron " + c
	}
	return "-"
}

// cronOf is a schedule's cron expressions as text; schedules made before the API kept
// them as text hold Go's list form ("[0 10 * * 1]").
func cronOf(sc api.Schedule) string {
	return strings.TrimSuffix(strings.TrimPrefix(sc.Cron, "["), "]")
}

// durationText prints a duration the API holds as text in the one human format.
func durationText(s string) string {
	d, err := runbooks.ParseDuration(s)
	if err != nil {
		return s
	}
	return runbooks.FormatDuration(d.Std())
}

// paramMap is parseParams as a start request's parameters.
func paramMap(params []string) (map[string]any, error) {
	given, err := parseParams(params)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(given))
	for k, v := range given {
		out[k] = v
	}
	return out, nil
}
