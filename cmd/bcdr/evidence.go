package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"text/tabwriter"

	awsv2 "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// evidenceStore opens the configured evidence store: an S3 bucket when
// evidence.s3_bucket is set, else the folder evidence.dir (default data_dir/evidence).
func (a *app) evidenceStore(ctx context.Context) (*evidence.Store, error) {
	return openEvidence(ctx, a.cfg)
}

func openEvidence(ctx context.Context, cfg *config.Config) (*evidence.Store, error) {
	s, err := openEvidenceStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if anchor := cfg.EvidenceAnchor(); anchor != "" {
		s.AnchorTo(anchor)
	}
	return s, nil
}

func openEvidenceStore(ctx context.Context, cfg *config.Config) (*evidence.Store, error) {
	e := cfg.Evidence
	if e.S3Bucket == "" {
		return evidence.NewFileStore(cfg.EvidenceDir())
	}
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.AWS.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.AWS.Region))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("evidence store: AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if ep := cfg.AWS.Endpoint; ep != "" {
			o.BaseEndpoint, o.UsePathStyle = awsv2.String(ep), true
		}
	})
	return evidence.NewS3Store(client, evidence.S3Options{
		Bucket: e.S3Bucket, Prefix: e.S3Prefix, Retention: e.S3Retention.Std(), Governance: e.S3Governance,
	})
}

func newEvidenceCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "Inspect and verify the evidence store (the hash chain of run bundles)",
		Long: `Every finished run (succeeded, failed or cancelled) leaves an evidence bundle: its
record as JSON, a report in Markdown and HTML, and JUnit XML. Bundles form a hash chain:
each manifest holds its files' SHA-256 and the previous bundle's hash. The store is the
folder evidence.dir (default data_dir/evidence) or the S3 bucket evidence.s3_bucket.
Each bundle's position and hash are also appended to an anchor file outside the store
(evidence.anchor, default data_dir/evidence.anchor for a folder store), so that removing
the newest bundles and rewriting HEAD is detected. A writer refuses to add a bundle to a
chain that does not verify.`,
	}
	var output string
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check every bundle, the chain and its anchor; exit 1 on any edit, addition or removal; list stray folders",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.evidenceStore(cmd.Context())
			if err != nil {
				return err
			}
			rep, err := s.Verify(cmd.Context())
			if err != nil {
				return err
			}
			if output == "json" {
				if err := json.NewEncoder(a.stdout).Encode(rep); err != nil {
					return err
				}
			} else {
				for _, p := range rep.Problems {
					fmt.Fprintln(a.stdout, "TAMPERED:", p)
				}
				for _, p := range rep.Stray {
					fmt.Fprintln(a.stdout, "STRAY:", p)
				}
				if rep.OK() {
					fmt.Fprintf(a.stdout, "%s: %d bundles, chain intact, head %d %s\n", s.Location(), rep.Bundles, rep.HeadSeq, rep.HeadHash)
				}
			}
			if !rep.OK() {
				return exitError(1)
			}
			return nil
		},
	}
	outputFlag(verify, &output, "text", "json")
	var listOutput string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the bundles in the chain, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.evidenceStore(cmd.Context())
			if err != nil {
				return err
			}
			ms, err := s.List(cmd.Context())
			if err != nil {
				return err
			}
			if listOutput == "json" {
				return json.NewEncoder(a.stdout).Encode(ms)
			}
			tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tRUN\tRUNBOOK\tMODE\tSTATE\tENDED\tHASH")
			for _, m := range ms {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Seq, m.RunID, m.Runbook, m.Mode, m.State, m.EndedAt.UTC().Format("2006-01-02 15:04:05"), runbooks.ShortDigest(m.Hash))
			}
			return tw.Flush()
		},
	}
	outputFlag(list, &listOutput, "text", "json")
	cmd.AddCommand(verify, list)
	return cmd
}

func newReportCommand(a *app) *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "report RUN",
		Short: "Print or write a run's report (Markdown, HTML, JSON record or JUnit XML)",
		Long: `report prints the report of a run from its evidence bundle, or, for a run that has
none yet (still running), from its live state. For a tabletop it is the after-action
report: timeline, injects, answers with the time to each decision, gaps and action items.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := a.report(cmd.Context(), args[0], format)
			if err != nil {
				return err
			}
			if out != "" {
				if err := os.WriteFile(out, data, 0o644); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, out)
				return nil
			}
			_, err = a.stdout.Write(data)
			return err
		},
	}
	choiceVar(cmd.Flags(), &format, "format", "f", "md, html, json (the record) or junit", "md", "html", "json", "junit")
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of printing")
	return cmd
}

// report returns a run's report in a format, from its bundle or its live state, through
// the run service: read from the evidence store here, or served by the bcdr server. The
// engine is reached only for a run that has no bundle yet.
func (a *app) report(ctx context.Context, runID, format string) ([]byte, error) {
	svc, done, err := a.runService(ctx, dialLazy)
	if err != nil {
		return nil, err
	}
	defer done()
	rep, err := svc.Report(ctx, runID, format)
	if err != nil {
		return nil, asFlag(err)
	}
	return rep.Data, nil
}

// evidenceWriter returns the activities that write runs' bundles and scheduled checks'
// readiness records to the configured store. When the store cannot be opened, each
// fails without retries, saying why: runs record that their evidence was not written.
func evidenceWriter(cfg *config.Config, logger *slog.Logger) (func(context.Context, workflows.Status) (workflows.EvidenceRef, error), func(context.Context, readiness.Record) (workflows.EvidenceRef, error)) {
	s, err := openEvidence(context.Background(), cfg)
	if err != nil {
		logger.Error("evidence store unavailable: runs will record that their evidence was not written", "error", err)
		return func(context.Context, workflows.Status) (workflows.EvidenceRef, error) {
				return workflows.EvidenceRef{}, activities.NonRetryable(activities.ErrFailed, err)
			}, func(context.Context, readiness.Record) (workflows.EvidenceRef, error) {
				return workflows.EvidenceRef{}, activities.NonRetryable(activities.ErrFailed, err)
			}
	}
	a := &evidence.Activity{Store: s}
	return a.Write, a.WriteReadiness
}
