package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/demo"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/runbooks/library"
	"github.com/bcdr/bcdr/workflows"
)

// The demo's two people: the incident commander who starts the recovery and a second
// incident commander who approves it (four-eyes).
var (
	demoInitiator = workflows.Actor{Name: "alice", Groups: []string{"incident-commanders"}}
	demoApprover  = workflows.Actor{Name: "bob", Groups: []string{"incident-commanders"}}
)

func newDemoCommand(a *app) *cobra.Command {
	var mode string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the bundled failover demo end to end on an embedded engine (no cloud account)",
		Long: `demo starts an embedded engine and worker, a demo web service on 127.0.0.1 (a router in
front of a primary and a standby), takes the primary down, and runs the library runbook
demo-failover: check the standby, confirm the primary is down, get an approval from a
second incident commander (bob; alice started the run and may not approve it), switch
the router, verify, and notify. It prints the step timeline as it happens and the
measured recovery time against the runbook's RTO.

The engine's data and the evidence bundles go to the folder demo/ in the data folder
(data_dir), or to --data-dir when given, so each demo run adds to one evidence chain.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, ok := workflows.ParseMode(mode)
			if !ok || m == workflows.ModeTabletop {
				return fmt.Errorf("--mode %q: the demo runs live or drill", mode)
			}
			if !cmd.Flags().Changed("data-dir") {
				a.cfg.DataDir = filepath.Join(a.cfg.DataDir, "demo")
			}
			return a.runDemo(cmd.Context(), m)
		},
	}
	cmd.Flags().StringVar(&mode, "mode", "live", "live (the primary fails and traffic moves) or drill (nothing moves)")
	return cmd
}

func (a *app) runDemo(ctx context.Context, mode workflows.Mode) error {
	out := a.stdout
	t0 := time.Now()
	a.knowDemoPeople()
	d, err := a.startDev(ctx, true)
	if err != nil {
		return err
	}
	defer d.stop()
	fmt.Fprintf(out, "engine ready in %s: temporal %s, data %s\n", round(time.Since(t0)), d.engine.Address(), a.cfg.DataDir)

	svc, err := demo.Start()
	if err != nil {
		return err
	}
	defer svc.Close()
	fmt.Fprintf(out, "demo service: router %s -> primary %s | standby %s\n", svc.Router, svc.Primary, svc.Standby)

	in, err := a.demoInput(svc, mode)
	if err != nil {
		return err
	}
	if !svc.WaitReplicated(5 * time.Second) {
		return fmt.Errorf("demo service: no data replicated to the standby within 5s")
	}
	if mode == workflows.ModeLive {
		svc.Fail("primary")
		in.OutageStart = time.Now()
		fmt.Fprintln(out, "the primary fails: its health check now answers 503")
	}
	// The demo's people act on the embedded engine directly, each through the run service.
	alice, id, err := a.startInput(ctx, d.client, in) // in.Initiator is alice
	if err != nil {
		return err
	}
	bob, err := a.engine(d.client, demoApprover, "demo")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "run %s started by %s (%s mode)\n\n", id, demoInitiator.Name, mode)
	if err := followDemo(ctx, out, alice, bob, id); err != nil {
		return err
	}
	st, err := alice.Wait(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := printStatus(out, st, "text"); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nrouter now serves from: %s\n", svc.Active())
	switch {
	case st.Evidence != nil:
		fmt.Fprintf(out, "evidence bundle: %s (chain position %d, %s)\n", st.Evidence.Location, st.Evidence.Seq, runbooks.ShortDigest(st.Evidence.Hash))
		fmt.Fprintf(out, "report:          bcdr report %s --data-dir %s\n", st.RunID, a.cfg.DataDir)
	case st.EvidenceError != "":
		fmt.Fprintf(out, "evidence NOT written: %s\n", st.EvidenceError)
	}
	if st.State != workflows.RunSucceeded {
		return exitError(1)
	}
	return nil
}

func (a *app) demoInput(svc *demo.Service, mode workflows.Mode) (workflows.Input, error) {
	reg, err := registry(a.cfg)
	if err != nil {
		return workflows.Input{}, err
	}
	tree, diags := runbooks.Loader{FS: library.FS, Registry: reg, Name: func(p string) string { return "runbooks/library/" + p }}.Load("demo-failover.yaml")
	if diags.HasErrors() {
		return workflows.Input{}, diags
	}
	rb := tree.Root.Runbook
	params, err := runbooks.ResolveParams(rb, map[string]string{
		"primary_url": svc.Primary, "standby_url": svc.Standby, "router_url": svc.Router,
	})
	if err != nil {
		return workflows.Input{}, err
	}
	return workflows.Input{Runbook: *rb, Nested: tree.Nested(), Params: params, Mode: mode, Initiator: demoInitiator, Trigger: "demo",
		Evidence: true, Authorized: tree.Services()}, nil
}

// knowDemoPeople puts the demo's two incident commanders in their group for this
// process's worker, which takes a decider's groups from the configuration only (never
// from the request): without it, on a fresh machine with no configuration, bob could
// not approve. The configuration file is not changed.
func (a *app) knowDemoPeople() {
	groups := map[string][]string{}
	for g, members := range a.cfg.Groups {
		groups[g] = slices.Clone(members)
	}
	for _, p := range []workflows.Actor{demoInitiator, demoApprover} {
		for _, g := range p.Groups {
			if !slices.Contains(groups[g], p.Name) {
				groups[g] = append(groups[g], p.Name)
			}
		}
	}
	a.cfg.Groups = groups
}

// demoApproval is bob's comment: what he checked. A drill skips confirming that the
// primary is down (it is up on purpose), so he does not cite it.
func demoApproval(mode workflows.Mode) string {
	if mode == workflows.ModeDrill {
		return "standby healthy; a drill, so the primary stays up"
	}
	return "standby healthy, primary confirmed down"
}

// followDemo prints each step's changes as they happen and plays the second incident
// commander: when an approval is pending, the initiator's own attempt is refused
// (four-eyes) and bob approves.
func followDemo(ctx context.Context, out io.Writer, alice, bob api.Runs, id string) error {
	seen := map[string]workflows.StepStatus{}
	approved := map[string]bool{}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := alice.Run(ctx, id)
		if err != nil {
			return err
		}
		for _, s := range st.Steps {
			if seen[s.ID] != s.Status {
				seen[s.ID] = s.Status
				if s.Status != workflows.StepPending {
					fmt.Fprintf(out, "  +%-8s %-22s %s\n", round(time.Since(st.StartedAt)), s.ID, s.Status)
				}
			}
		}
		for _, p := range st.Pending {
			if p.Kind != "approval" || approved[p.Step] {
				continue
			}
			approved[p.Step] = true
			if _, err := alice.Act(ctx, id, api.Action{Name: workflows.UpdateApprove, Step: p.Step, Comment: "I started it, let me approve too"}); err != nil {
				_, why, _ := strings.Cut(err.Error(), "refused: ")
				fmt.Fprintf(out, "             alice tries to approve her own run: refused (%s)\n", why)
			}
			if _, err := bob.Act(ctx, id, api.Action{Name: workflows.UpdateApprove, Step: p.Step, Comment: demoApproval(st.Mode)}); err != nil {
				return err
			}
			fmt.Fprintf(out, "             bob approves %s\n", p.Step)
		}
		if st.State.Done() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// rootCause returns the innermost error message.
func rootCause(err error) string {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err.Error()
		}
		err = u.Unwrap()
	}
}
