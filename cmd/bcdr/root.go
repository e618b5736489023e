package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bcdr/bcdr/internal/config"
)

// app holds what every command shares: the streams, the environment and, once the
// command line is parsed, the effective configuration.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	environ        []string

	cfgFile string
	cfg     *config.Config
	obs     observability // metrics and tracing, see telemetry.go
}

// NewRootCommand builds the bcdr command tree.
func NewRootCommand(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "bcdr",
		Short: "Business continuity and disaster recovery runbooks, run as durable Temporal workflows",
		Long: `bcdr runs disaster-recovery runbooks, failover drills and tabletop exercises as
Temporal workflows: steps run in parallel where they can, retry, survive crashes, wait
for approvals, and leave a complete record.

Start everything on this machine with 'bcdr dev', or run the bundled demo with 'bcdr demo'.

Configuration comes from flags, then BCDR_* environment variables (BCDR_TEMPORAL_ADDRESS
for temporal.address), then the config file (--config, default bcdr.yaml in the working
folder or $XDG_CONFIG_HOME/bcdr), then defaults. 'bcdr config' prints the result.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.obs.service = cmd.Name()
			return a.loadConfig(cmd)
		},
		PersistentPostRunE: func(*cobra.Command, []string) error { return a.stopTelemetry() },
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(flagError)
	pf := root.PersistentFlags()
	pf.StringVar(&a.cfgFile, "config", "", "config file (default bcdr.yaml in the working folder or the user's config home)")
	pf.String("data-dir", "", "data folder for the embedded engine and evidence (config data_dir)")
	pf.String("address", "", "Temporal frontend host:port (config temporal.address)")
	pf.String("namespace", "", "Temporal namespace (config temporal.namespace)")
	pf.String("as", "", "who you act as when approving or operating runs (config identity.user)")
	pf.String("log-level", "", "debug, info, warn or error (config log.level)")

	root.AddCommand(
		newDevCommand(a), newWorkerCommand(a), newServerCommand(a), newDemoCommand(a),
		newWatchCommand(a), newScheduleCommand(a), newTokenCommand(a),
		newRunCommand(a), newStatusCommand(a),
		newDecisionCommand(a, "approve"), newDecisionCommand(a, "decline"), newDecisionCommand(a, "complete"),
		newControlCommand(a, "pause"), newControlCommand(a, "resume"), newControlCommand(a, "skip"),
		newControlCommand(a, "retry"), newControlCommand(a, "cancel"),
		newRunsCommand(a), newReportCommand(a), newEvidenceCommand(a),
		newAdvanceCommand(a), newFindingCommand(a), newImprovementsCommand(a),
		newValidateCommand(a), newPlanCommand(a), newDocCommand(a), newKindsCommand(a),
		newCatalogueCommand(a), newScenarioCommand(a), newCoverageCommand(a), newBCPCommand(a), newComplianceCommand(a),
		newConfigCommand(a), newVersionCommand(a), newIAMPolicyCommand(a), newCheckCommand(a), newImportCommand(a),
	)
	return root
}

// flagKeys maps global flag names onto configuration keys.
var flagKeys = map[string]string{
	"address": "temporal.address", "namespace": "temporal.namespace", "as": "identity.user",
	"log-level": "log.level", "ui-port": "dev.ui_port", "port": "dev.frontend_port",
	"ip": "dev.ip", "http": "http.address", "retention": "dev.retention", "task-queue": "temporal.task_queue",
	"metrics": "metrics.address",
}

func (a *app) loadConfig(cmd *cobra.Command) error {
	file := a.cfgFile
	if file == "" {
		file = a.getenv("BCDR_CONFIG")
	}
	cfg, err := config.Load(config.Source{
		File: file, Flags: cmd.Flags(), FlagKeys: flagKeys, Getenv: a.getenv, Environ: a.environ,
	})
	if err != nil {
		return err
	}
	a.cfg = cfg
	return nil
}

// logger returns bcdr's own logger at the configured level.
func (a *app) logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(a.cfg.Log.Level)))
	opts := &slog.HandlerOptions{Level: level}
	if a.cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}

// writeJSONIndent writes v as JSON indented by two spaces: what --output json prints.
func writeJSONIndent(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// outputFlag adds --output (-o) with the given choices, the first the default.
func outputFlag(cmd *cobra.Command, p *string, choices ...string) {
	outputVar(cmd.Flags(), p, choices...)
}

// outputVar adds --output (-o) to a flag set (a command's persistent flags, for one
// --output shared by its subcommands).
func outputVar(fs *pflag.FlagSet, p *string, choices ...string) {
	choiceVar(fs, p, "output", "o", "output format: "+strings.Join(choices, ", "), choices...)
}

// choiceVar adds a flag that takes one of choices, the first the default. Another value
// is refused when the command line is parsed (flagError says which values it takes), so
// the choices are written once, where the flag is declared, and no command can forget
// to check them.
func choiceVar(fs *pflag.FlagSet, p *string, name, shorthand, usage string, choices ...string) {
	*p = choices[0]
	fs.VarP(&choiceValue{p: p, name: name, choices: choices}, name, shorthand, usage)
}

// choiceValue is the pflag.Value of a choiceVar flag.
type choiceValue struct {
	p       *string
	name    string
	choices []string
}

func (v *choiceValue) String() string { return *v.p }

// Type is "string" so that --help shows the default as it does for a string flag.
func (v *choiceValue) Type() string { return "string" }

func (v *choiceValue) Set(s string) error {
	if !slices.Contains(v.choices, s) {
		return fmt.Errorf("--%s %q: must be one of %s", v.name, s, strings.Join(v.choices, ", "))
	}
	*v.p = s
	return nil
}
