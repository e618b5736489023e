package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/continuity"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/chromium"
	"github.com/bcdr/bcdr/runbooks"
)

// programmeFlags are what the programme documents (bcp, compliance) read.
type programmeFlags struct {
	catalogue  string
	since      string
	noEngine   bool
	noEvidence bool
	out        string
}

// add adds the flags to cmd; evidenceOptional adds --no-evidence.
func (f *programmeFlags) add(cmd *cobra.Command, sinceDefault, sinceHelp string, evidenceOptional bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.catalogue, "catalogue", "", catalogueHelp)
	fl.StringVar(&f.since, "since", sinceDefault, sinceHelp)
	fl.BoolVar(&f.noEngine, "no-engine", false, "do not read runs and schedules from the engine")
	if evidenceOptional {
		fl.BoolVar(&f.noEvidence, "no-evidence", false, "do not read runs and improvement items from the evidence store")
	}
	fl.StringVar(&f.out, "out", "", "write to this file instead of standard output")
}

type bcpFlags struct {
	programmeFlags
	output   string
	chromium string
}

func newBCPCommand(a *app) *cobra.Command {
	var f bcpFlags
	cmd := &cobra.Command{
		Use:   "bcp",
		Short: "Write the business continuity plan: services, targets, contacts, scenarios, exercises, procedures",
		Long: `bcp writes the business continuity plan of the service catalogue, as a continuity
manager files it: the scope and the services by tier with their RTO, RPO and maximum
tolerable downtime (mtd); the roles and contacts; each scenario with its incident
commander and recovery order (dependencies first, as 'bcdr scenario plan' computes it);
the exercise programme (each service's cadence, when a drill last proved it and when the
next is due, as 'bcdr coverage' and the portfolio say, and the scheduled drills and
tabletops); the open improvement items; the coverage gaps; and every runbook's procedure
as 'bcdr doc' renders it.

Runs come from the evidence store and the engine as for 'bcdr coverage' (--since,
--no-evidence, --no-engine); improvement items from the evidence store; schedules from the
engine (or the server when server.url is set).

--output pdf prints the HTML with a headless Chromium or Chrome (--chromium PATH, else
chromium, chromium-browser or google-chrome on PATH; Debian and Ubuntu: apt-get install
chromium).`,
		Example: `  bcdr bcp --catalogue catalogue.yaml > plan.md
  bcdr bcp --catalogue catalogue.yaml --output html --out plan.html
  bcdr bcp --catalogue catalogue.yaml --output pdf --out plan.pdf --no-engine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.bcp(cmd.Context(), f) },
	}
	f.add(cmd, runbooks.FormatDuration(api.DefaultHistoryWindow), "read runs started since: a duration (720h, 400d), a date (2026-01-02) or an RFC 3339 time", true)
	cmd.Flags().StringVar(&f.chromium, "chromium", "", "the Chromium or Chrome executable for --output pdf (default: found on PATH)")
	outputFlag(cmd, &f.output, "md", "html", "pdf")
	return cmd
}

func (a *app) bcp(ctx context.Context, f bcpFlags) error {
	exe := ""
	if f.output == "pdf" {
		var err error
		if exe, err = chromium.Find(f.chromium); err != nil {
			return fmt.Errorf("--output pdf: %w (--output html writes the plan without it)", err)
		}
	}
	now := time.Now()
	since, err := api.ParseSince(f.since, now)
	if err != nil {
		return fmt.Errorf("--since %q: %w", f.since, err)
	}
	src, _, err := a.programme(ctx, f.programmeFlags, since, now)
	if err != nil {
		return err
	}
	doc, err := renderPlan(ctx, src, f.output, exe)
	if err != nil {
		return err
	}
	return a.writeOut(f.out, doc)
}

// renderPlan renders the plan as md, html or pdf (printed by the Chromium at exe).
func renderPlan(ctx context.Context, src continuity.Sources, output, exe string) ([]byte, error) {
	var md bytes.Buffer
	if err := continuity.WritePlan(&md, src); err != nil {
		return nil, err
	}
	if output == "md" {
		return md.Bytes(), nil
	}
	var html bytes.Buffer
	if err := continuity.WriteHTML(&html, "Business continuity plan: "+src.Catalogue.Metadata.Name, md.Bytes()); err != nil {
		return nil, err
	}
	if output == "html" {
		return html.Bytes(), nil
	}
	return chromium.PrintPDF(ctx, exe, html.Bytes())
}

// writeOut writes doc to the file out, or to standard output.
func (a *app) writeOut(out string, doc []byte) error {
	if out == "" {
		_, err := a.stdout.Write(doc)
		return err
	}
	if err := os.WriteFile(out, doc, 0o644); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(a.stderr, "wrote %s (%d bytes)\n", out, len(doc))
	return nil
}

// programme reads what the programme documents are made of: the catalogue and its
// runbooks, the run history since (through the one run-history reader, as coverage and
// the portfolio do), the portfolio made from it, the improvement items and the
// schedules. It returns the evidence store it read (nil when none was read).
func (a *app) programme(ctx context.Context, f programmeFlags, since, now time.Time) (continuity.Sources, *evidence.Store, error) {
	c, rbs, reg, err := a.openCatalogue(f.catalogue)
	if err != nil {
		return continuity.Sources{}, nil, err
	}
	names := map[string]bool{}
	for _, rb := range rbs {
		names[rb.Metadata.Name] = true
	}
	results, err := a.runHistory(ctx, since, names, !f.noEvidence, !f.noEngine)
	if err != nil {
		return continuity.Sources{}, nil, err
	}
	src := continuity.Sources{Catalogue: c, Runbooks: rbs, Registry: reg, Now: now,
		Portfolio: catalogue.NewPortfolio(c, rbs, dedupe(results), now)}
	var store *evidence.Store
	if !f.noEvidence {
		if store, err = a.existingEvidence(ctx); err != nil {
			return src, nil, err
		}
	}
	if store != nil {
		items, problems, err := evidence.Improvements(ctx, store, c.ImprovementDue)
		if err != nil {
			return src, nil, fmt.Errorf("read the improvement items: %w (--no-evidence leaves them out)", err)
		}
		for _, p := range problems {
			fmt.Fprintln(a.stderr, "warning: "+p.Error())
		}
		src.Improvements = items
	}
	if !f.noEngine {
		src.Exercises, src.Schedules = a.exercises(ctx)
	}
	return src, store, nil
}

// exercises reads the schedules; when they cannot be read it says so on stderr and
// returns false.
func (a *app) exercises(ctx context.Context) ([]continuity.Exercise, bool) {
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cl, done, err := a.apiClient(sctx)
	if err != nil {
		fmt.Fprintf(a.stderr, "warning: schedules not read: %v\n", err)
		return nil, false
	}
	defer done()
	scs, err := cl.Schedules(sctx)
	if err != nil {
		fmt.Fprintf(a.stderr, "warning: schedules not read: %v\n", err)
		return nil, false
	}
	out := make([]continuity.Exercise, 0, len(scs))
	for _, s := range scs {
		e := continuity.Exercise{ID: s.ID, Runbook: s.Runbook, Service: s.Service, Mode: s.Mode, Every: s.Every, Cron: s.Cron, Paused: s.Paused}
		if len(s.Next) > 0 {
			e.Next = s.Next[0]
		}
		out = append(out, e)
	}
	return out, true
}
