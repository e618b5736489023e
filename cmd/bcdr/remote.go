package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/workflows"
)

// The CLI through a bcdr server (server.url): the server authenticates server.token and
// records its identity in the run, whatever --as says.

// runRemote uploads the runbook (and the runbooks it nests) and starts it on the server.
func (a *app) runRemote(ctx context.Context, path string, f runFlags) error {
	reg, err := registry(a.cfg)
	if err != nil {
		return err
	}
	tree, err := loadRunbook(path, reg) // validate here first: errors name the local file
	if err != nil {
		return err
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	nested, err := readTreeFiles(path, tree)
	if err != nil {
		return err
	}
	req := api.StartRequest{Source: string(src), Filename: filepath.Base(path), Mode: f.mode, Nested: nested}
	if req.Params, err = paramMap(f.params); err != nil {
		return err
	}
	if f.hold > 0 {
		req.HoldOnFailure = f.hold.String()
	}
	if f.outageStart != "" {
		t, err := time.Parse(time.RFC3339, f.outageStart)
		if err != nil {
			return fmt.Errorf("--outage-start: %w", err)
		}
		req.OutageStart = &t
	}
	c := api.NewClient(a.cfg.Server.URL, a.cfg.Server.Token)
	// What the proven-version gate says, before the run starts (the start says it too,
	// for a server that has no preflight).
	pf, pfErr := c.Preflight(ctx, req)
	if pfErr == nil && pf.Message != "" {
		fmt.Fprintf(a.stderr, "warning: %s\n", pf.Message)
	}
	ref, err := c.Start(ctx, req)
	if err != nil {
		return err
	}
	if pfErr != nil && ref.Unproven != "" {
		fmt.Fprintf(a.stderr, "warning: %s\n", ref.Unproven)
	}
	if !f.wait {
		if f.output == "json" {
			return json.NewEncoder(a.stdout).Encode(map[string]string{"runId": ref.RunID})
		}
		fmt.Fprintln(a.stdout, ref.RunID)
		return nil
	}
	fmt.Fprintf(a.stderr, "started %s\n", ref.RunID)
	st, err := poll(ctx, func(ctx context.Context) (workflows.Status, error) { return c.Run(ctx, ref.RunID) },
		500*time.Millisecond, func(workflows.Status) error { return nil })
	if err != nil {
		return err
	}
	if err := printStatus(a.stdout, st, f.output); err != nil {
		return err
	}
	if st.State != workflows.RunSucceeded {
		return exitError(1)
	}
	return nil
}

// updateRemote sends a decision or control through the server; the identity in arg is
// the local one and is not sent: the server puts the authenticated one in its place.
func (a *app) updateRemote(ctx context.Context, runID, name string, arg any) error {
	var act api.Action
	switch r := arg.(type) {
	case workflows.DecisionRequest:
		act = api.Action{Name: name, Step: r.Step, Comment: r.Comment}
	case workflows.ControlRequest:
		act = api.Action{Name: name, Step: r.Step, Comment: r.Comment, Rollback: r.Rollback}
	case workflows.FindingRequest:
		act, name = api.Action{Name: workflows.UpdateFinding, Step: r.Step, Comment: r.Text, Kind: r.Kind, Owner: r.Owner}, "findings"
	default:
		return fmt.Errorf("%s: not available through the bcdr server", name)
	}
	res, err := api.NewClient(a.cfg.Server.URL, a.cfg.Server.Token).Act(ctx, runID, act)
	if err != nil {
		return fmt.Errorf("%s %s: %w", name, runID, err)
	}
	if name == "findings" {
		fmt.Fprintf(a.stdout, "%s: finding recorded by %s\n", runID, res.By)
		return nil
	}
	if res.Step != "" {
		fmt.Fprintf(a.stdout, "%s: step %s %s by %s\n", runID, res.Step, pastTense(name), res.By)
	} else {
		fmt.Fprintf(a.stdout, "%s: %s by %s\n", runID, pastTense(name), res.By)
	}
	return nil
}
