package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

func newScenarioCommand(a *app) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "scenario",
		Short: "Plan and run the recovery from a disaster scenario of the service catalogue",
		Long: `A scenario of the catalogue ("region us-east-1 lost", "orders database corrupted",
"ransomware on the file shares") hits the services it selects; a service that depends
on an affected one is affected too. Its recovery is a generated runbook that runs each
affected service's runbooks for the disruption as child runs: dependencies first,
independent services in parallel, tier 1 first among those ready.`,
		Args: cobra.NoArgs,
	}
	catalogueFlag(cmd, &path)
	cmd.AddCommand(newScenarioListCommand(a, &path), newScenarioPlanCommand(a, &path), newScenarioRunCommand(a, &path))
	return cmd
}

func newScenarioListCommand(a *app, path *string) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the catalogue's scenarios with what they affect and the expected recovery time",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, rbs, reg, err := a.openCatalogue(*path)
			if err != nil {
				return err
			}
			type row struct {
				Name       string               `json:"name"`
				Title      string               `json:"title,omitempty"`
				Disruption catalogue.Disruption `json:"disruption"`
				Affected   int                  `json:"affected"`
				Steps      int                  `json:"steps"`
				Expected   runbooks.Duration    `json:"expected"`
				Misses     []string             `json:"misses"`
			}
			rows := []row{}
			for _, sc := range c.Scenarios {
				p, err := catalogue.PlanScenario(c, sc.Name, rbs, reg)
				if err != nil {
					return err
				}
				rows = append(rows, row{sc.Name, sc.Title, sc.Disruption, len(p.Affected), len(p.Runbook.Steps), p.Plan.ExpectedDuration, append([]string{}, p.Misses()...)})
			}
			if output == "json" {
				return writeJSONIndent(a.stdout, rows)
			}
			tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCENARIO\tDISRUPTION\tAFFECTED\tSTEPS\tEXPECTED\tMISSES RTO\tTITLE")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\t%s\n", r.Name, r.Disruption, r.Affected, r.Steps, r.Expected, len(r.Misses), orDash(r.Title))
			}
			return tw.Flush()
		},
	}
	outputFlag(cmd, &output, "text", "json")
	return cmd
}

func newScenarioPlanCommand(a *app, path *string) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "plan NAME",
		Short: "Show a scenario's recovery: order by layer, critical path, and whether each service fits its RTO",
		Long: `plan needs no engine and changes nothing. It lists the affected services, the
recovery in layers (a service's dependencies are in earlier layers; each starts as soon
as its own are back), each service's expected finish from its runbooks' expected
durations against its RTO for the disruption, the critical path, and the gaps (a hit
service without a runbook gets a manual step). --output mermaid or dot draws the
generated runbook's DAG; json gives the plan and the generated runbook.`,
		Example: `  bcdr scenario plan us-east-1-lost --catalogue runbooks/library/catalogue/driftwood-outfitters.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, _, err := a.planScenario(*path, args[0])
			if err != nil {
				return err
			}
			switch output {
			case "json":
				return writeJSONIndent(a.stdout, p)
			case "mermaid":
				return p.Plan.WriteMermaid(a.stdout)
			case "dot":
				return p.Plan.WriteDot(a.stdout)
			}
			return p.WriteText(a.stdout)
		},
	}
	outputFlag(cmd, &output, "text", "json", "mermaid", "dot")
	return cmd
}

func (a *app) planScenario(path, name string) (*catalogue.ScenarioPlan, *runbooks.Registry, error) {
	c, rbs, reg, err := a.openCatalogue(path)
	if err != nil {
		return nil, nil, err
	}
	p, err := catalogue.PlanScenario(c, name, rbs, reg)
	return p, reg, err
}

type scenarioRunFlags struct {
	mode        string
	wait        bool
	hold        time.Duration
	outageStart string
	output      string
}

func newScenarioRunCommand(a *app, path *string) *cobra.Command {
	var f scenarioRunFlags
	cmd := &cobra.Command{
		Use:   "run NAME",
		Short: "Start the recovery from a scenario on the engine: the services' runbooks as child runs",
		Long: `run generates the scenario's recovery runbook (see 'bcdr scenario plan') and starts it
like 'bcdr run' does, with every child runbook carried in the run, so a later edit of a
file never changes a running recovery. Each child run is a run of the service's runbook
with the service set, so it counts in 'bcdr coverage'. --mode drill runs the drill
variants, tabletop touches nothing; --wait follows the run to its end.

Through the bcdr server (server.url) the server plans the scenario from its own
catalogue (config catalogue) and checks the caller's role on every affected service;
--catalogue is for starting directly on temporal.address.`,
		Example: `  bcdr scenario run us-east-1-lost --mode drill --wait --catalogue catalogue.yaml
  bcdr scenario run orders-db-corrupted --mode live --outage-start 2026-11-22T03:12:00Z`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runScenario(cmd.Context(), *path, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.mode, "mode", "drill", "live, drill or tabletop")
	fl.BoolVar(&f.wait, "wait", false, "follow the run to its end and print its timeline")
	fl.Var((*runbooks.Duration)(&f.hold), "hold-on-failure", "keep a run whose step failed open this long for a retry or skip, e.g. 30m, 1d")
	fl.StringVar(&f.outageStart, "outage-start", "", "when the outage began (RFC 3339); starts the RTO clock")
	outputFlag(cmd, &f.output, "text", "json")
	return cmd
}

func (a *app) runScenario(ctx context.Context, path, name string, f scenarioRunFlags) error {
	if _, ok := workflows.ParseMode(f.mode); !ok {
		return fmt.Errorf("--mode %q: must be live, drill or tabletop", f.mode)
	}
	if path != "" {
		if a.remote() {
			return fmt.Errorf("--catalogue: through the bcdr server (server.url) a scenario is planned from the server's catalogue (its config catalogue); leave --catalogue out, or unset server.url to plan from %s here", path)
		}
		a.cfg.Catalogue = path // the run service plans from the configured catalogue (scenarioRunbooks)
	}
	req := api.StartRequest{Scenario: name, Mode: f.mode}
	if err := a.startTimes(&req, f.hold, f.outageStart); err != nil {
		return err
	}
	return a.withRuns(ctx, func(svc api.Runs) error {
		ref, err := svc.Start(ctx, req)
		var e *api.Error
		if errors.As(err, &e) && e.Field == "scenario" {
			return errors.New(e.Message) // names the scenario already; there is no --scenario flag
		}
		if err != nil {
			return asFlag(err)
		}
		a.warnUnproven(ref.Unproven)
		return a.follow(ctx, svc, ref.RunID, f.wait, f.output)
	})
}

// scenarioRunbooks is the run service's scenario planner (api.Options.Scenario) over the
// configured catalogue (cataloguePath): a scenario's generated recovery runbook, with
// every runbook it runs (and those they nest).
func (a *app) scenarioRunbooks(name string) (*runbooks.Runbook, map[string]runbooks.Runbook, error) {
	p, reg, err := a.planScenario("", name)
	if err != nil {
		return nil, nil, err
	}
	if len(p.Runbook.Steps) == 0 {
		return nil, nil, fmt.Errorf("scenario %s affects no service that has a step to run", name)
	}
	nested, err := scenarioNested(p.Nested, reg)
	if err != nil {
		return nil, nil, err
	}
	return p.Runbook, nested, nil
}

// scenarioNested returns the scenario's child runbooks with the runbooks they nest, each
// child's tree read by the one runbook loader from the child's folder. A child whose
// file changed since the scenario was planned, or two different runbooks under one
// path, are refused.
func scenarioNested(children map[string]runbooks.Runbook, reg *runbooks.Registry) (map[string]runbooks.Runbook, error) {
	out := make(map[string]runbooks.Runbook, len(children))
	for _, key := range slices.Sorted(maps.Keys(children)) {
		child := children[key]
		tree, err := loadRunbook(child.Source.File, reg)
		if err != nil {
			return nil, err
		}
		if d := tree.Root.Runbook.Source.Digest; d != child.Source.Digest {
			return nil, fmt.Errorf("runbook %s changed while the scenario was planned; run it again", child.Source.File)
		}
		if err := tree.MergeNested(out, key); err != nil {
			return nil, err
		}
		out[key] = child // as the scenario planned it (with the service set)
	}
	return out, nil
}
