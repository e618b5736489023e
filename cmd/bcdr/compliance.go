package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/continuity"
	"github.com/bcdr/bcdr/continuity/improvements"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/readiness"
)

type complianceFlags struct {
	programmeFlags
	framework string
	output    string
}

func newComplianceCommand(a *app) *cobra.Command {
	var f complianceFlags
	cmd := &cobra.Command{
		Use:   "compliance",
		Short: "Write a compliance pack: a framework's clauses mapped to the evidence of a period, with gaps",
		Long: `compliance writes, for an auditor, the evidence of a period mapped to the clauses of a
framework (` + strings.Join(continuity.Frameworks(), ", ") + `), as a zip: an index (index.html, index.json, index.md) that
maps each clause to its evidence (the runs, readiness checks and improvement records of
the period, with their reports, and the business continuity plan), the verification of
the evidence chain, and the gaps per clause (a critical service not drilled in 12 months,
a drill overdue by its tier's cadence, a missed RTO or RPO, a runbook not ready, a missing
deputy or incident commander, a corrective action overdue...). A chain that does not
verify is a gap of every clause.

The mapping tables (which clauses, which evidence, which checks, and the sources of
their clause numbers and titles) are data files in continuity/frameworks/; the pack
includes the one it used.

The evidence store (evidence.dir or evidence.s3_bucket) is required. Runs for the
portfolio (last proven, next due) are read from it and the engine as for 'bcdr
coverage', over the period or the last 400 days, whichever is longer.`,
		Example: `  bcdr compliance --framework iso22301 --since 2026-01-01 --out iso22301-2026.zip
  bcdr compliance --framework dora --since 365d --catalogue catalogue.yaml --no-engine --out dora.zip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.compliance(cmd.Context(), f) },
	}
	f.add(cmd, "", "the start of the period: a date (2026-01-01), an RFC 3339 time, or a duration back from now (365d)", false) // a pack is made of the evidence
	cmd.Flags().StringVar(&f.framework, "framework", "", "the framework: "+strings.Join(continuity.Frameworks(), ", "))
	outputFlag(cmd, &f.output, "zip")
	return cmd
}

func (a *app) compliance(ctx context.Context, f complianceFlags) error {
	if f.framework == "" {
		return fmt.Errorf("--framework is required: one of %s", strings.Join(continuity.Frameworks(), ", "))
	}
	fw, err := continuity.LoadFramework(f.framework)
	if err != nil {
		return fmt.Errorf("--framework: %w", err)
	}
	if f.since == "" {
		return fmt.Errorf("--since is required: the start of the period, a date like 2026-01-01 or a duration like 365d")
	}
	now := time.Now()
	since, err := api.ParseSince(f.since, now)
	if err != nil {
		return fmt.Errorf("--since %q: %w", f.since, err)
	}
	if since.After(now) {
		return fmt.Errorf("--since %q: the period starts in the future", f.since)
	}
	history := now.Add(-api.DefaultHistoryWindow)
	if since.Before(history) {
		history = since
	}
	src, store, err := a.programme(ctx, f.programmeFlags, history, now)
	if err != nil {
		return err
	}
	if store == nil {
		return fmt.Errorf("no evidence store at %s: a compliance pack is made of its records (set evidence.dir or evidence.s3_bucket)", a.cfg.EvidenceDir())
	}
	in := &continuity.PackInput{Framework: fw, Sources: src, Since: since, Until: now}
	if in.Chain, err = verification(ctx, store); err != nil {
		return err
	}
	if in.Records, err = a.packRecords(ctx, store, since, now); err != nil {
		return err
	}
	var zip bytes.Buffer
	idx, err := continuity.WritePack(&zip, in)
	if err != nil {
		return err
	}
	gaps := 0
	for _, c := range idx.Clauses {
		gaps += len(c.Gaps)
	}
	verified := "verified"
	if !idx.Chain.Verified {
		verified = "DOES NOT VERIFY"
	}
	fmt.Fprintf(a.stderr, "%s: %d clauses, %d records of the period, %d gaps; evidence chain %s\n", fw.Name, len(idx.Clauses), idx.Chain.Records, gaps, verified)
	return a.writeOut(f.out, zip.Bytes())
}

// verification verifies the whole evidence chain.
func verification(ctx context.Context, store *evidence.Store) (continuity.Verification, error) {
	rep, err := store.Verify(ctx)
	if err != nil {
		return continuity.Verification{}, fmt.Errorf("verify the evidence chain: %w", err)
	}
	return continuity.Verification{Verified: rep.OK(), Bundles: rep.Bundles, HeadSeq: rep.HeadSeq, HeadHash: rep.HeadHash,
		Problems: append([]string{}, rep.Problems...), Stray: rep.Stray}, nil
}

// packFiles are the files of a record the pack includes, by mode; its manifest always.
func packFiles(mode string) []string {
	switch mode {
	case readiness.RecordMode:
		return []string{evidence.ReadinessFile}
	case improvements.RecordMode:
		return []string{evidence.ImprovementFile}
	}
	return []string{evidence.MarkdownFile, evidence.HTMLFile}
}

// packRecords lists the chain's records, with the files of those in the period. A file
// that cannot be read, or was changed since it was written, is left out with a warning
// (the chain's verification names it too).
func (a *app) packRecords(ctx context.Context, store *evidence.Store, since, until time.Time) ([]continuity.Record, error) {
	ms, err := store.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the evidence: %w", err)
	}
	out := make([]continuity.Record, 0, len(ms))
	for _, m := range ms {
		r := continuity.Record{Seq: m.Seq, ID: m.RunID, Runbook: m.Runbook, Service: m.Service, Mode: m.Mode, State: m.State,
			StartedAt: m.StartedAt, EndedAt: m.EndedAt, Hash: m.Hash}
		if w := m.EndedAt; (w.IsZero() || !w.Before(since)) && !m.StartedAt.After(until) {
			r.Files = map[string][]byte{}
			r.Files[evidence.ManifestFile], _ = json.MarshalIndent(m, "", "  ")
			for _, name := range packFiles(m.Mode) {
				if _, listed := m.Files[name]; !listed {
					continue
				}
				data, err := store.File(ctx, m, name)
				if err != nil {
					fmt.Fprintf(a.stderr, "warning: %v: left out of the pack\n", err)
					continue
				}
				r.Files[name] = data
			}
		}
		out = append(out, r)
	}
	return out, nil
}
