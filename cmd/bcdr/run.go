package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

type runFlags struct {
	params      []string
	mode        string
	wait        bool
	hold        time.Duration
	outageStart string
	output      string
	speed       float64
	people      []string
}

func newRunCommand(a *app) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Start a run of a runbook and print its run id",
		Long: `run validates the runbook, fixes its content and digest for the whole run (a later
edit of the file never changes a running recovery), and starts it on the engine in
temporal.address: 'bcdr dev' or a cluster. With --wait it follows the run to the end and
prints its step timeline; the exit status is 0 only when the run succeeded.

Modes: live (the recovery), drill (drill variants replace steps where given, created
resources are cleaned up), tabletop (no step touches the world; each becomes a prompt).

A live run of a version (digest) no drill proved is flagged, and run says so before it
starts; under policy.require_proven (the runbook's or the configuration's) it also waits
for an approval before its first step (approve), or is not started (refuse, exit 1).`,
		Example: `  bcdr run runbooks/library/demo-failover.yaml --param router_url=http://127.0.0.1:18080
  bcdr run failover.yaml --mode drill --wait
  bcdr run failover.yaml --outage-start 2026-11-22T03:12:00Z --hold-on-failure 30m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runFile(cmd.Context(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.params, "param", "p", nil, "parameter as name=value (repeatable)")
	fl.StringVar(&f.mode, "mode", "live", "live, drill or tabletop")
	fl.BoolVar(&f.wait, "wait", false, "follow the run to its end and print its timeline")
	fl.Var((*runbooks.Duration)(&f.hold), "hold-on-failure", "keep a run whose step failed open this long for a retry or skip, e.g. 30m, 1d")
	fl.StringVar(&f.outageStart, "outage-start", "", "when the outage began (RFC 3339); starts the RTO clock")
	fl.Float64Var(&f.speed, "speed", 0, "tabletop: play the injects this many times faster than their timeline")
	fl.StringArrayVar(&f.people, "participant", nil, "tabletop: who may answer prompts (repeatable; default anyone)")
	outputFlag(cmd, &f.output, "text", "json")
	return cmd
}

func (a *app) runFile(ctx context.Context, path string, f runFlags) error {
	req, err := a.startRequest(path, f)
	if err != nil {
		return err
	}
	if err := a.actor(); err != nil {
		return err
	}
	// The proven-version gate's word comes first: a start it refuses never reaches the
	// engine.
	pf, pfErr := a.preflight(ctx, req)
	if pfErr == nil {
		if err := pf.Refusal(); err != nil && req.Mode == string(workflows.ModeLive) { // the gate judges live runs only
			return err
		}
		a.warnUnproven(pf.Message)
	}
	svc, done, err := a.runs(ctx)
	if err != nil {
		return err
	}
	defer done()
	ref, err := svc.Start(ctx, req)
	if err != nil {
		return err
	}
	if pfErr != nil { // a server without a preflight: the start says it
		a.warnUnproven(ref.Unproven)
	}
	return a.follow(ctx, svc, ref.RunID, f.wait, f.output)
}

// preflight asks the run service what a start of req meets at the proven-version gate.
// Straight on the engine the gate reads the evidence store only, so the engine is not
// dialed for it.
func (a *app) preflight(ctx context.Context, req api.StartRequest) (api.Preflight, error) {
	svc, done, err := a.runService(ctx, dialLazy)
	if err != nil {
		return api.Preflight{}, err
	}
	defer done()
	return svc.Preflight(ctx, req)
}

// warnUnproven says on stderr what the proven-version gate makes of a live start (api.Preflight.Message,
// api.RunRef.Unproven); nothing when it has nothing to say.
func (a *app) warnUnproven(msg string) {
	if msg != "" {
		fmt.Fprintf(a.stderr, "warning: %s\n", msg)
	}
}

// follow prints a started run's id, or with wait follows it to its end, prints its
// timeline, and exits 1 unless it succeeded.
func (a *app) follow(ctx context.Context, svc api.Runs, runID string, wait bool, output string) error {
	if !wait {
		if output == "json" {
			return json.NewEncoder(a.stdout).Encode(map[string]string{"runId": runID})
		}
		fmt.Fprintln(a.stdout, runID)
		return nil
	}
	fmt.Fprintf(a.stderr, "started %s\n", runID)
	st, err := svc.Wait(ctx, runID)
	if err != nil {
		return err
	}
	if err := printStatus(a.stdout, st, output); err != nil {
		return err
	}
	if st.State != workflows.RunSucceeded {
		return exitError(1)
	}
	return nil
}

// startRequest is the start of a runbook file with the flags, as the run service takes
// it in both modes: the runbook's source and those of the runbooks it nests, read and
// validated here first so that problems name the local files.
func (a *app) startRequest(path string, f runFlags) (api.StartRequest, error) {
	if _, ok := workflows.ParseMode(f.mode); !ok {
		return api.StartRequest{}, fmt.Errorf("--mode %q: must be live, drill or tabletop", f.mode)
	}
	reg, err := registry(a.cfg)
	if err != nil {
		return api.StartRequest{}, err
	}
	tree, err := loadRunbook(path, reg)
	if err != nil {
		return api.StartRequest{}, err
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return api.StartRequest{}, err
	}
	nested, err := readTreeFiles(path, tree)
	if err != nil {
		return api.StartRequest{}, err
	}
	req := api.StartRequest{Source: string(src), Filename: filepath.Base(path), Nested: nested, Mode: f.mode,
		Speed: f.speed, Participants: f.people}
	if req.Params, err = paramMap(f.params); err != nil {
		return api.StartRequest{}, err
	}
	// The parameters are checked here too, so that a missing one is named before anything
	// is sent.
	given := map[string]string{}
	for k, v := range req.Params {
		given[k] = fmt.Sprint(v)
	}
	if _, err := runbooks.ResolveParams(tree.Root.Runbook, given); err != nil {
		return api.StartRequest{}, err
	}
	if err := a.startTimes(&req, f.hold, f.outageStart); err != nil {
		return api.StartRequest{}, err
	}
	return req, nil
}

// startTimes sets a start's --hold-on-failure and --outage-start.
func (a *app) startTimes(req *api.StartRequest, hold time.Duration, outageStart string) error {
	if hold > 0 {
		req.HoldOnFailure = hold.String()
	}
	if outageStart != "" {
		t, err := a.outageStart(outageStart)
		if err != nil {
			return err
		}
		req.OutageStart = &t
	}
	return nil
}
