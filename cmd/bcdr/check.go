package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/activities"
	awsact "github.com/bcdr/bcdr/activities/aws"
	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/egress"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

// usageError ends the program with status 2 after printing what was wrong.
func usageError(a *app, err error) error {
	fmt.Fprintln(a.stderr, "bcdr: "+err.Error())
	return exitError(2)
}

func newCheckCommand(a *app) *cobra.Command {
	var params []string
	var mode, output string
	var parallel int
	var dev, noPermissions, noEvidence bool
	var every runbooks.Duration
	var scheduleID string
	cmd := &cobra.Command{
		Use:   "check FILE... | check --schedule DURATION RUNBOOK",
		Short: "Check, without changing anything, whether runbooks would work now",
		Long: `check runs a read-only readiness check of every step of each runbook, in parallel:
the step's target exists and is in a state its action accepts (an ECS service, an Auto
Scaling group and its launch template, a hosted zone and record, a read replica, a
snapshot newer than the runbook's RPO, ...), probes run once, the identity the step
runs as may call its AWS actions on its resources (IAM's policy simulator), and
scale-ups fit the recovery region's Service Quotas. Approval and manual steps need
people in the groups they name. In live mode the evidence store says whether a drill
passed this very version of the runbook (its digest); a version no drill proved is a
warning that names the last proven version. Nothing is started: check needs no engine.

Each finding is ready, warning, cannot check (the check's own read was denied or
failed: never counted as ready) or not ready, with the reason and how long it took.
The exit status is 0 when every runbook is ready (warnings allowed), 1 when one is
not ready or could not be checked, 2 on a usage error.

Checks read AWS with the worker's credentials (the standard chain, aws.region,
aws.role_arn, each step's region and role_arn) and reach URLs under the worker's
egress policy (--dev: as bcdr dev, which lets steps reach loopback).

With --schedule, the checks run on the engine instead, at that interval, as a Temporal
Schedule (one RUNBOOK: a file, uploaded, or the name of a runbook the server knows).
Each check runs on a worker with the worker's credentials, is kept in the run history
of the engine and as a readiness record in the evidence store, and a change from ready
to not ready, or back, is sent through the notify routes as the event
readiness.changed, naming the runbook, the step and what broke. The dashboard and
GET /v1/readiness show each runbook's and service's last check, and bcdr coverage and
the portfolio count a runbook that is not ready as a gap of its service. The schedule
is one of bcdr schedule's (list, show, pause, trigger, delete); making one needs the
author role on the runbook's service when server.url is set.`,
		Example: `  bcdr check runbooks/library/ecs-service-region-failover.yaml -p ecs_cluster=api-dr -p ecs_service=api ...
  bcdr check failover.yaml --mode drill --output json
  bcdr check --schedule 30m failover.yaml -p ecs_cluster=api-dr`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError(a, errors.New("check: give one or more runbook files"))
			}
			if mode != "live" && mode != "drill" {
				return usageError(a, fmt.Errorf("--mode %q: must be live or drill", mode))
			}
			if every > 0 || scheduleID != "" {
				for _, name := range []string{"dev", "no-permissions", "no-evidence", "parallel"} {
					if cmd.Flags().Changed(name) {
						return usageError(a, fmt.Errorf("--%s is for checks run here; a scheduled check runs on a worker with its configuration", name))
					}
				}
				return a.scheduleCheck(cmd, args, every, scheduleID, mode, params, output)
			}
			given, err := parseParams(params)
			if err != nil {
				return usageError(a, err)
			}
			reg, err := registry(a.cfg)
			if err != nil {
				return err
			}
			var rbs []*runbooks.Runbook
			for _, path := range args {
				rb, err := parseFile(path, reg)
				if err != nil {
					return usageError(a, err)
				}
				rbs = append(rbs, rb)
			}
			if err := undeclared(rbs, given); err != nil {
				return usageError(a, err)
			}
			o, err := a.checkOptions(dev, !noPermissions, mode, parallel)
			if err != nil {
				return err
			}
			if !noEvidence { // the drills are read once for every runbook given
				drills := sync.OnceValues(func() ([]readiness.Drill, error) { return a.drills(cmd.Context()) })
				o.Drills = func(context.Context) ([]readiness.Drill, error) { return drills() }
			}
			var reports []*readiness.Report
			for _, rb := range rbs {
				o.Params = declared(rb, given)
				rep, err := readiness.Check(cmd.Context(), rb, reg, o)
				if err != nil {
					return usageError(a, fmt.Errorf("%s: %w", rb.Source.File, err))
				}
				reports = append(reports, rep)
			}
			if output == "json" {
				if err := writeJSONIndent(a.stdout, reports); err != nil {
					return err
				}
			} else if err := printReadiness(a.stdout, reports); err != nil {
				return err
			}
			for _, r := range reports {
				if !r.Result.Passes() {
					return exitError(1)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&params, "param", "p", nil, "parameter as name=value (repeatable), for the runbooks that declare it")
	f.StringVar(&mode, "mode", "live", "check the live steps, or the drill's (drill variants and steady-state probes): live or drill")
	f.IntVar(&parallel, "parallel", 8, "checks running at once")
	f.BoolVar(&dev, "dev", false, "reach URLs as bcdr dev's steps do (loopback allowed)")
	f.BoolVar(&noPermissions, "no-permissions", false, "skip the IAM policy simulation of each AWS step")
	f.BoolVar(&noEvidence, "no-evidence", false, "skip looking in the evidence store for a drill that proved this version")
	f.Var(&every, "schedule", "run the checks on the engine at this interval (e.g. 30m, 6h), as a Temporal Schedule")
	f.StringVar(&scheduleID, "schedule-id", "", "the schedule's id (default: readiness-RUNBOOK)")
	outputFlag(cmd, &output, "text", "json")
	cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError(a, flagError(cmd, err)) })
	return cmd
}

// checkOptions wires the checkers of bcdr check: the steps' egress policy as bcdr dev
// (dev) or a worker sees it, then checkOptions.
func (a *app) checkOptions(dev, permissions bool, mode string, parallel int) (readiness.Options, error) {
	steps, err := stepEgress(a.cfg, dev)
	if err != nil {
		return readiness.Options{}, err
	}
	o := checkOptions(a.cfg, steps, permissions, parallel)
	o.Mode = mode
	return o, nil
}

// checkOptions wires the checkers, for bcdr check and the worker's scheduled checks
// alike: the workflow kinds' (with the configured groups), the HTTP kinds' (under the
// steps' egress policy), the AWS kinds', and permissions.
func checkOptions(cfg *config.Config, steps *egress.Policy, permissions bool, parallel int) readiness.Options {
	aws := awsact.New(awsact.Config{Region: cfg.AWS.Region, Endpoint: cfg.AWS.Endpoint, AssumeRoleARN: cfg.AWS.RoleARN})
	kinds := readiness.Builtins(func(g string) []string { return cfg.Groups[g] })
	for _, m := range []map[string]readiness.Checker{activities.Checkers(steps), aws.Checkers()} {
		for k, c := range m {
			kinds[k] = c
		}
	}
	o := readiness.Options{Kinds: kinds, Parallel: parallel}
	if permissions {
		o.Every = append(o.Every, aws.Permissions())
	}
	return o
}

// drills reads the drills the evidence store holds, as their records tell them. A
// record that cannot be read or was changed is left out: it proves nothing.
func (a *app) drills(ctx context.Context) ([]readiness.Drill, error) {
	store, err := a.evidenceStore(ctx)
	if err != nil {
		return nil, err
	}
	return evidence.Drills(ctx, store)
}

// undeclared reports a parameter no runbook given declares (a typo would otherwise
// check the defaults silently).
func undeclared(rbs []*runbooks.Runbook, given map[string]string) error {
	var errs []error
	for _, name := range runbooks.Undeclared(rbs, given) {
		errs = append(errs, fmt.Errorf("--param %s: no runbook given declares it", name))
	}
	return errors.Join(errs...)
}

// declared is the part of given that rb declares.
func declared(rb *runbooks.Runbook, given map[string]string) map[string]string {
	out := map[string]string{}
	for _, p := range rb.Parameters {
		if v, ok := given[p.Name]; ok {
			out[p.Name] = v
		}
	}
	return out
}

// printReadiness prints each runbook's result and a table of its findings.
func printReadiness(w io.Writer, reports []*readiness.Report) error {
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (%s, %s): %s in %s\n", r.Runbook, r.File, r.Mode, strings.ToUpper(string(r.Result)), r.Duration.Round(time.Millisecond))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "STEP\tCHECK\tRESULT\tTOOK\tREASON")
		for _, f := range r.Findings {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Step, f.Check, f.Result, f.Duration.Round(time.Millisecond), f.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// scheduleCheck makes a readiness schedule of one runbook: a file (uploaded) or a
// runbook the server knows, by name.
func (a *app) scheduleCheck(cmd *cobra.Command, args []string, every runbooks.Duration, id, mode string, params []string, output string) error {
	if len(args) != 1 {
		return usageError(a, fmt.Errorf("check --schedule: give one runbook (a file or a name the server knows), not %d", len(args)))
	}
	if every <= 0 {
		return usageError(a, errors.New("check --schedule-id needs --schedule DURATION (e.g. 30m)"))
	}
	req := api.ScheduleRequest{Mode: readiness.RecordMode, CheckMode: mode, Every: every.String()}
	name := args[0]
	if src, err := os.ReadFile(args[0]); err == nil {
		reg, err := registry(a.cfg)
		if err != nil {
			return err
		}
		rb, err := parseFile(args[0], reg)
		if err != nil {
			return usageError(a, err)
		}
		req.Source, req.Filename, name = string(src), args[0], rb.Metadata.Name
	} else if strings.ContainsAny(args[0], "/.") {
		return usageError(a, fmt.Errorf("check --schedule: %v", err))
	} else {
		req.Runbook = args[0]
	}
	if id == "" {
		id = "readiness-" + name
	}
	req.ID = id
	var err error
	if req.Params, err = paramMap(params); err != nil {
		return usageError(a, err)
	}
	sc, err := a.createSchedule(cmd.Context(), req)
	if err != nil {
		return err
	}
	if output == "json" {
		return writeJSONIndent(a.stdout, sc)
	}
	fmt.Fprintf(a.stdout, "schedule %s: readiness checks of %s (%s steps) %s\n", sc.ID, sc.Runbook, sc.CheckMode, cadenceText(sc))
	fmt.Fprintf(a.stdout, "changes are notified as readiness.changed; see them with: bcdr schedule show %s\n", sc.ID)
	return nil
}
