package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

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
resources are cleaned up), tabletop (no step touches the world; each becomes a prompt).`,
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
	if err := checkOutput(f.output, "text", "json"); err != nil {
		return err
	}
	if a.remote() {
		return a.runRemote(ctx, path, f)
	}
	in, err := a.runInput(path, f)
	if err != nil {
		return err
	}
	return a.startAndFollow(ctx, in, f.wait, f.output)
}

// startAndFollow starts a run and prints its id, or with wait follows it to its end,
// prints its timeline, and exits 1 unless it succeeded.
func (a *app) startAndFollow(ctx context.Context, in workflows.Input, wait bool, output string) error {
	opts, err := a.preflight(ctx, in)
	if err != nil {
		return err
	}
	c, err := dial(ctx, a.cfg, discard())
	if err != nil {
		return err
	}
	defer c.Close()
	opts.Client = c
	ref, err := api.NewEngine(opts, in.Initiator, in.Trigger).StartInput(ctx, in)
	if err != nil {
		return err
	}
	runID := ref.RunID
	if !wait {
		if output == "json" {
			return json.NewEncoder(a.stdout).Encode(map[string]string{"runId": runID})
		}
		fmt.Fprintln(a.stdout, runID)
		return nil
	}
	fmt.Fprintf(a.stderr, "started %s\n", runID)
	st, err := waitRun(ctx, c, runID)
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

// runInput builds a workflow input from a runbook file and the flags.
func (a *app) runInput(path string, f runFlags) (workflows.Input, error) {
	mode, ok := workflows.ParseMode(f.mode)
	if !ok {
		return workflows.Input{}, fmt.Errorf("--mode %q: must be live, drill or tabletop", f.mode)
	}
	reg, err := registry(a.cfg)
	if err != nil {
		return workflows.Input{}, err
	}
	tree, err := loadRunbook(path, reg)
	if err != nil {
		return workflows.Input{}, err
	}
	rb, nested := tree.Root.Runbook, tree.Nested()
	given := map[string]string{}
	for _, p := range f.params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return workflows.Input{}, fmt.Errorf("--param %q: want name=value", p)
		}
		given[k] = v
	}
	params, err := runbooks.ResolveParams(rb, given)
	if err != nil {
		return workflows.Input{}, err
	}
	actor, err := a.identity()
	if err != nil {
		return workflows.Input{}, err
	}
	in := workflows.Input{
		Runbook: *rb, Nested: nested, Params: params, Mode: mode, Initiator: actor,
		Trigger: "cli", HoldOnFailure: f.hold, Evidence: true, Speed: f.speed, Participants: f.people,
		// A CLI that reaches the engine directly is trusted with every service: the
		// engine's own access control is the boundary (through a server, the server
		// authorizes every runbook of the tree).
		Authorized: tree.Services(),
	}
	in.Notify = a.cfg.Notifies()
	if f.outageStart != "" {
		if in.OutageStart, err = a.outageStart(f.outageStart); err != nil {
			return workflows.Input{}, err
		}
	}
	return in, nil
}

// preflight says on stderr, before anything starts, what the proven-version gate will
// make of a live start of in (api.ProvenGate, with the configured evidence store and
// policy), and refuses here a start the gate refuses, before the engine is dialed. It
// returns the run service's options; the start itself passes the gate in
// api.Engine.StartInput, as every start does.
func (a *app) preflight(ctx context.Context, in workflows.Input) (api.Options, error) {
	opts, err := a.apiOptions(nil)
	if err != nil {
		return opts, err
	}
	if in.Mode != workflows.ModeLive {
		return opts, nil
	}
	pf := opts.ProvenGate().Check(ctx, &in.Runbook)
	if err := pf.Refusal(); err != nil {
		return opts, err
	}
	if pf.Message != "" {
		fmt.Fprintf(a.stderr, "warning: %s\n", pf.Message)
	}
	return opts, nil
}

// runID names a run after its runbook and start time, with a random suffix.
func runID(name string) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%s-%s", name, time.Now().UTC().Format("20060102T150405Z"), hex.EncodeToString(b[:]))
}

// waitRun waits for a run to end and returns its record.
func waitRun(ctx context.Context, c client.Client, runID string) (workflows.Status, error) {
	var st workflows.Status
	err := c.GetWorkflow(ctx, runID, "").Get(ctx, &st)
	if err == nil {
		return st, nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.HasDetails() && app.Details(&st) == nil {
		return st, nil
	}
	return st, fmt.Errorf("run %s: %w", runID, err)
}
