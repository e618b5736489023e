package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/catalogue"
)

type coverageFlags struct {
	catalogue string
	output    string
	since     string
	results   []string
	noEngine  bool
}

func newCoverageCommand(a *app) *cobra.Command {
	var f coverageFlags
	cmd := &cobra.Command{
		Use:   "coverage",
		Short: "Report which services are proven recoverable: targets, runbooks, last drills, gaps",
		Long: `coverage joins the service catalogue with the runs the engine remembers: per service and
tier its targets, runbooks, last drill and its result, measured RTO against the target,
when the next drill is due (the tier's drill_every), and the gaps: no runbook, a runbook
never passed in a drill, a last drill that failed or missed the RTO or RPO, an overdue
drill, a scenario that hits the service without a runbook for it. Drills and live
recoveries count; tabletops do not.

Runs come from the engine's visibility store (temporal.address) since --since, and
from --results files (a JSON array of run results, as --output json's lastDrill
entries); --no-engine reads only the files. Export it for a board report with
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
	fl.StringVar(&f.catalogue, "catalogue", defaultCatalogue, "the service catalogue file")
	fl.StringVar(&f.since, "since", "400d", "read runs started since: a duration (720h, 400d) or an RFC 3339 time")
	fl.StringArrayVar(&f.results, "results", nil, "a JSON file of run results to add (repeatable)")
	fl.BoolVar(&f.noEngine, "no-engine", false, "do not read runs from the engine")
	outputFlag(cmd, &f.output, "markdown", "html", "csv", "json")
	return cmd
}

func (a *app) coverage(ctx context.Context, f coverageFlags) error {
	if err := checkOutput(f.output, "markdown", "html", "csv", "json"); err != nil {
		return err
	}
	now := time.Now()
	since, err := parseSince(f.since, now)
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
	if !f.noEngine {
		rs, err := a.engineRunResults(ctx, since, rbs)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	}
	rep := catalogue.Coverage(c, rbs, dedupe(results), now)
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

// engineRunResults reads the drill and live runs of the catalogue's runbooks from the
// engine.
func (a *app) engineRunResults(ctx context.Context, since time.Time, rbs catalogue.Runbooks) ([]catalogue.RunResult, error) {
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cl, err := dial(dctx, a.cfg, discard())
	if err != nil {
		return nil, fmt.Errorf("%w (--no-engine reports without the engine's runs)", err)
	}
	defer cl.Close()
	names := map[string]bool{}
	for _, rb := range rbs {
		names[rb.Metadata.Name] = true
	}
	var h catalogue.RunHistory = engineHistory{c: cl, since: since, runbooks: names}
	return h.RunResults(ctx)
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
