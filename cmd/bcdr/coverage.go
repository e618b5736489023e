package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/runbooks"
)

type coverageFlags struct {
	catalogue  string
	output     string
	since      string
	results    []string
	noEngine   bool
	noEvidence bool
}

func newCoverageCommand(a *app) *cobra.Command {
	var f coverageFlags
	cmd := &cobra.Command{
		Use:   "coverage",
		Short: "Report which services are proven recoverable: targets, runbooks, last drills, gaps",
		Long: `coverage joins the service catalogue with the runs bcdr has recorded: per service and
tier its targets, runbooks, last drill and its result, measured RTO against the target,
when the next drill is due (the tier's drill_every), and the gaps: no runbook, a runbook
never passed in a drill, a last drill that failed or missed the RTO or RPO, an overdue
drill, a scenario that hits the service without a runbook for it. Drills and live
recoveries count; tabletops do not.

Runs started since --since come from the evidence store (evidence.dir or
evidence.s3_bucket: every run, for as long as the store keeps it), from the engine's
visibility store (temporal.address: runs within its retention, including any whose
evidence could not be written), and from --results files (a JSON array of run results,
as --output json's lastDrill entries). A run found in several sources counts once.
With server.url set, the server reads its evidence store and engine, and shows the runs
of the services the token may view. --no-evidence and --no-engine leave those sources out. The markdown and html reports
end with the improvement plan's counts (open, overdue, done, verified, dropped: bcdr
improvements), read from the evidence store. Export it for a board report with
--output markdown, html or csv.`,
		Example: `  bcdr coverage --catalogue catalogue.yaml
  bcdr coverage --catalogue catalogue.yaml --output html > coverage.html
  bcdr coverage --no-engine --results runs.json --output csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.coverage(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.catalogue, "catalogue", "", catalogueHelp)
	fl.StringVar(&f.since, "since", runbooks.FormatDuration(api.DefaultHistoryWindow), "read runs started since: a duration (720h, 400d) or an RFC 3339 time")
	fl.StringArrayVar(&f.results, "results", nil, "a JSON file of run results to add (repeatable)")
	fl.BoolVar(&f.noEngine, "no-engine", false, "do not read runs from the engine")
	fl.BoolVar(&f.noEvidence, "no-evidence", false, "do not read runs or the improvement plan from the evidence store")
	outputFlag(cmd, &f.output, "markdown", "html", "csv", "json")
	return cmd
}

func (a *app) coverage(ctx context.Context, f coverageFlags) error {
	now := time.Now()
	since, err := api.ParseSince(f.since, now)
	if err != nil {
		return fmt.Errorf("--since %q: %w", f.since, err)
	}
	c, rbs, _, err := a.openCatalogue(f.catalogue)
	if err != nil {
		return err
	}
	var results []catalogue.RunResult
	for _, file := range f.results {
		rs, err := readRunResults(file)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	}
	names := map[string]bool{}
	for _, rb := range rbs {
		names[rb.Metadata.Name] = true
	}
	rs, err := a.runHistory(ctx, since, names, !f.noEvidence, !f.noEngine)
	if err != nil {
		return err
	}
	results = append(results, rs...)
	rep := catalogue.Coverage(c, rbs, dedupe(results), now)
	if !f.noEvidence {
		if err := a.countImprovements(ctx, rep, c, now); err != nil {
			return err
		}
	}
	switch f.output {
	case "json":
		return writeJSONIndent(a.stdout, rep)
	case "html":
		return rep.WriteHTML(a.stdout)
	case "csv":
		return rep.WriteCSV(a.stdout)
	}
	return rep.WriteMarkdown(a.stdout)
}

// countImprovements puts the improvement plan's counts into the report, from the
// evidence store (one that does not exist yet holds no items). Records left out are
// warnings on stderr.
func (a *app) countImprovements(ctx context.Context, rep *catalogue.Report, c *catalogue.Catalogue, now time.Time) error {
	store, err := a.existingEvidence(ctx)
	if err != nil || store == nil {
		return err
	}
	items, problems, err := evidence.Improvements(ctx, store, c.ImprovementDue)
	for _, p := range problems {
		fmt.Fprintln(a.stderr, "warning: improvement record left out: "+p.Error())
	}
	if err != nil {
		return fmt.Errorf("improvement plan: %w (--no-evidence reports without the evidence store)", err)
	}
	rep.CountImprovements(improvements.Summarize(items, now))
	return nil
}

// runHistory reads the drill and live runs of the named runbooks through the run
// service's one run-history reader (api.History: the evidence store first, then the
// engine), as the portfolio does: the server's with server.url, else this machine's. A
// folder store that does not exist yet holds no runs (and is not created by a report).
// Records left out are warnings on stderr.
func (a *app) runHistory(ctx context.Context, since time.Time, names map[string]bool, withEvidence, withEngine bool) ([]catalogue.RunResult, error) {
	req := api.HistoryRequest{Since: since, Runbooks: slices.Sorted(maps.Keys(names)), NoEvidence: !withEvidence, NoEngine: !withEngine}
	if _, err := os.Stat(a.cfg.EvidenceDir()); !a.remote() && a.cfg.Evidence.S3Bucket == "" && err != nil {
		req.NoEvidence = true
	}
	connect := dial
	if req.NoEngine {
		connect = dialLazy // the engine is not read, so not dialed
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	svc, done, err := a.runService(dctx, connect)
	if err != nil {
		return nil, fmt.Errorf("%w (--no-engine reports without the engine's runs)", err)
	}
	defer done()
	h, err := svc.History(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, p := range h.Problems {
		fmt.Fprintln(a.stderr, "warning: "+p)
	}
	if len(h.Errors) > 0 {
		return nil, fmt.Errorf("%s (--no-evidence or --no-engine reports without that source)", strings.Join(h.Errors, "\n"))
	}
	return h.Runs, nil
}

// existingEvidence opens the evidence store for a report: nil when it is a folder that
// does not exist yet (a report creates none).
func (a *app) existingEvidence(ctx context.Context) (*evidence.Store, error) {
	if _, err := os.Stat(a.cfg.EvidenceDir()); a.cfg.Evidence.S3Bucket == "" && err != nil {
		return nil, nil
	}
	store, err := a.evidenceStore(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w (--no-evidence reports without the evidence store)", err)
	}
	return store, nil
}

func readRunResults(file string) ([]catalogue.RunResult, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--results: %w", err)
	}
	var rs []catalogue.RunResult
	if err := json.Unmarshal(src, &rs); err != nil {
		return nil, fmt.Errorf("--results %s: want a JSON array of run results: %w", file, err)
	}
	return rs, nil
}

// dedupe drops a run given twice (by two sources), keeping the first.
func dedupe(rs []catalogue.RunResult) []catalogue.RunResult {
	seen := map[string]bool{}
	out := rs[:0:0]
	for _, r := range rs {
		if r.RunID != "" {
			if seen[r.RunID] {
				continue
			}
			seen[r.RunID] = true
		}
		out = append(out, r)
	}
	return out
}
