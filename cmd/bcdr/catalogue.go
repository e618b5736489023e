package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/runbooks"
)

// defaultCatalogue is the catalogue file the catalogue, scenario and coverage commands
// read when neither --catalogue nor the configuration names one.
const defaultCatalogue = "catalogue.yaml"

// catalogueHelp describes --catalogue.
const catalogueHelp = "the service catalogue file (default: config catalogue, else catalogue.yaml in the first drills.runbook_dirs folder that has one, else ./catalogue.yaml)"

// catalogueFlag adds --catalogue to a command and its subcommands.
func catalogueFlag(cmd *cobra.Command, p *string) {
	cmd.PersistentFlags().StringVar(p, "catalogue", "", catalogueHelp)
}

// cataloguePath is the catalogue a command reads: --catalogue, else the one the server's
// portfolio reads (config catalogue, or a runbook folder's catalogue.yaml), else
// ./catalogue.yaml. So bcdr coverage and the portfolio read the same catalogue.
func (a *app) cataloguePath(flag string) string {
	if flag != "" {
		return flag
	}
	if p := a.cfg.CataloguePath(); p != "" {
		return p
	}
	return defaultCatalogue
}

// catalogueLoader loads the runbooks a catalogue names (paths relative to the
// catalogue's folder, as its author wrote them), and the runbooks they nest, through
// the one runbook loader as bcdr run reads them: nested runbooks only from inside the
// named runbook's own folder. Validated with the binary's step kinds.
func catalogueLoader(dir string, reg *runbooks.Registry) catalogue.LoadFunc {
	return func(path string) (*runbooks.Runbook, error) {
		tree, err := loadRunbook(filepath.Join(dir, filepath.FromSlash(path)), reg)
		if err != nil {
			return nil, err
		}
		return tree.Root.Runbook, nil
	}
}

// checkCatalogue reads a catalogue (cataloguePath) and checks it with the runbooks it
// names.
func (a *app) checkCatalogue(path string) (*catalogue.Catalogue, catalogue.Runbooks, *runbooks.Registry, runbooks.Diagnostics, error) {
	path = a.cataloguePath(path)
	reg, err := registry(a.cfg)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("read catalogue: %w", err)
	}
	c, rbs, diags := catalogue.Check(path, src, catalogueLoader(filepath.Dir(path), reg))
	return c, rbs, reg, diags, nil
}

// openCatalogue is checkCatalogue for the commands that need a valid catalogue: its
// problems are the error, its warnings go to stderr.
func (a *app) openCatalogue(path string) (*catalogue.Catalogue, catalogue.Runbooks, *runbooks.Registry, error) {
	path = a.cataloguePath(path)
	c, rbs, reg, diags, err := a.checkCatalogue(path)
	if err != nil {
		return nil, nil, nil, err
	}
	if diags.HasErrors() {
		return nil, nil, nil, fmt.Errorf("catalogue %s is invalid (bcdr catalogue validate shows why):\n%w", path, diags)
	}
	for _, d := range diags {
		fmt.Fprintln(a.stderr, d.String())
	}
	return c, rbs, reg, nil
}

func newCatalogueCommand(a *app) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "catalogue",
		Short: "Check and list the service catalogue: tiers, targets, dependencies, runbooks",
		Long: `The service catalogue (YAML, apiVersion bcdr.io/v1, kind Catalogue) lists the business
services: owner and deputy, tier, business process, RTO/RPO targets per disruption
type (component, zone, region, data) and the maximum tolerable downtime (mtd),
dependencies, the runbooks that recover them, the contacts (people and groups and how to
reach them), and the disaster scenarios to plan for, each with its incident commander.
'bcdr scenario' plans and runs the recovery from a scenario; 'bcdr coverage' reports
which services are proven by drills; 'bcdr bcp' writes the business continuity plan.

runbooks/library/catalogue/driftwood-outfitters.yaml is a sample of 20 services.`,
		Args: cobra.NoArgs,
	}
	catalogueFlag(cmd, &path)
	cmd.AddCommand(newCatalogueValidateCommand(a, &path), newCatalogueServicesCommand(a, &path),
		newCatalogueImportCommand(a), newCatalogueSchemaCommand(a))
	return cmd
}

func newCatalogueValidateCommand(a *app, path *string) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "validate [FILE...]",
		Short: "Check catalogues and the runbooks they name; print every problem as file:line:col: message",
		Long: `validate checks each catalogue (--catalogue when no file is given) completely: unknown
fields, bad durations, unknown tiers, dependencies on unknown services, every dependency
cycle, scenarios; and, loading each runbook a service names, runbooks that do not load,
objectives looser than the service's targets, and runbook parameters that are unknown,
mistyped or missing. The exit status is 0 when every catalogue is valid, 1 otherwise.`,
		Example: `  bcdr catalogue validate runbooks/library/catalogue/driftwood-outfitters.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{a.cataloguePath(*path)}
			}
			return a.validateCatalogues(args, output)
		},
	}
	outputFlag(cmd, &output, "text", "json")
	return cmd
}

func (a *app) validateCatalogues(paths []string, output string) error {
	type result struct {
		fileCheck
		Services  int `json:"services"`
		Scenarios int `json:"scenarios"`
		Runbooks  int `json:"runbooks"`
	}
	var results []result
	for _, p := range paths {
		c, rbs, _, diags, err := a.checkCatalogue(p)
		if err != nil {
			diags = runbooks.Diagnostics{{File: p, Line: 1, Col: 1, Severity: runbooks.SeverityError, Message: err.Error()}}
		}
		r := result{fileCheck: newFileCheck(p, diags)}
		if c != nil {
			r.Services, r.Scenarios, r.Runbooks = len(c.Services), len(c.Scenarios), len(rbs)
		}
		results = append(results, r)
	}
	return writeFileChecks(a, output, results, func(r result) (fileCheck, []string) {
		if !r.Valid {
			return r.fileCheck, nil
		}
		return r.fileCheck, []string{fmt.Sprintf("%s: valid (%s, %s, %s)", r.File, nounCount(r.Services, "service"), nounCount(r.Runbooks, "runbook"), nounCount(r.Scenarios, "scenario"))}
	})
}

func newCatalogueServicesCommand(a *app, path *string) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "services",
		Short: "List the catalogue's services: tier, owner, targets, dependencies, runbooks",
		Long: `services lists each service with its effective targets (its own, completed by its
tier's). --output json prints the whole catalogue as parsed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, _, err := a.openCatalogue(*path)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSONIndent(a.stdout, c)
			}
			return writeServices(a.stdout, c)
		},
	}
	outputFlag(cmd, &output, "text", "json")
	return cmd
}

func writeServices(w io.Writer, c *catalogue.Catalogue) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tTIER\tOWNER\tPROCESS\tREGION RTO/RPO\tDEPENDS ON\tRUNBOOKS")
	for i := range c.Services {
		s := &c.Services[i]
		t := c.Target(s, catalogue.Region)
		var rbs []string
		for _, r := range s.Runbooks {
			ds := make([]string, len(r.Disruptions))
			for k, d := range r.Disruptions {
				ds[k] = string(d)
			}
			rbs = append(rbs, fmt.Sprintf("%s (%s)", strings.TrimSuffix(filepath.Base(r.Path), ".yaml"), strings.Join(ds, " ")))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s/%s\t%s\t%s\n", s.Name, s.Tier, s.Owner, orDash(s.BusinessProcess),
			durPtr(t.RTO), durPtr(t.RPO), orDash(strings.Join(s.DependsOn, ", ")), orDash(strings.Join(rbs, ", ")))
	}
	return tw.Flush()
}

func durPtr(d *runbooks.Duration) string {
	if d == nil {
		return "-"
	}
	return d.String()
}

func newCatalogueImportCommand(a *app) *cobra.Command {
	var name string
	var strict bool
	cmd := &cobra.Command{
		Use:   "import FILE_OR_FOLDER...",
		Short: "Turn a Backstage catalogue into a bcdr catalogue to complete (printed on stdout)",
		Long: `import reads a Backstage catalogue as it is kept: catalog-info.yaml files, folders of
them, and Location entities (spec.target/targets: relative paths and globs are followed,
at most 8 Locations deep and never outside the folder of the file or folder given; URLs
are reported, not fetched). It prints a catalogue: each Component and Resource becomes a
service with its owner, description, dependencies (its dependsOn, the dependencyOf of
others, its subcomponents), the title of its system as business process, its labels,
tags ("tag.NAME") and type as tags, and its tier from the bcdr.io/tier annotation (tier 3
otherwise; bcdr.io/business-process overrides the system). A namespace other than
"default" is kept: alternative/web becomes the service alternative.web. The three
default tier policies come with it.

What a catalogue cannot hold is reported on stderr as file:line:col: warning and left
out, so that the result validates: names Backstage itself refuses, an entity defined
twice, refs to entities the import did not read, and dependency cycles (the edge that
closes each is dropped). --strict makes them errors (exit 1). Add the runbooks and
scenarios, then 'bcdr catalogue validate'.`,
		Example: `  bcdr catalogue import catalog-info.yaml --name shop > catalogue.yaml
  bcdr catalogue import backstage/packages/catalog-model/examples/all.yaml --name examples
  bcdr catalogue import repos/ --strict`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var roots []catalogue.ImportRoot
			for _, arg := range args {
				info, err := os.Stat(arg)
				if err != nil {
					return fmt.Errorf("%s: %w (give a catalog-info.yaml or a folder of them)", arg, plainFileError(err))
				}
				dir, p := filepath.Dir(arg), filepath.Base(arg)
				if info.IsDir() {
					dir, p = arg, "."
				}
				root, err := os.OpenRoot(dir)
				if err != nil {
					return err
				}
				defer root.Close()
				roots = append(roots, catalogue.ImportRoot{FS: root.FS(), Label: filepath.ToSlash(filepath.Clean(dir)), Paths: []string{p}})
			}
			if name == "" {
				name = filepath.Base(mustAbs(roots[0].Label))
			}
			c, diags := catalogue.ImportBackstageFS(roots, catalogue.ImportOptions{Name: name, Strict: strict})
			for _, d := range diags {
				fmt.Fprintln(a.stderr, d.String())
			}
			if diags.HasErrors() {
				return exitError(1)
			}
			return catalogue.WriteYAML(a.stdout, c)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the catalogue's name (default: the folder of the first file)")
	cmd.Flags().BoolVar(&strict, "strict", false, "unresolved refs, cycles and invalid names are errors, not warnings")
	return cmd
}

// plainFileError is a file error without Go's "stat NAME:" prefix.
func plainFileError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func mustAbs(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func newCatalogueSchemaCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the catalogue format's JSON Schema (for editors and CI linters)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := a.stdout.Write(catalogue.Schema)
			return err
		},
	}
}

// nounCount returns "1 service" or "3 services".
func nounCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// portfolioCatalogue is what the server's portfolio reads (api.Options.Catalogue): the
// configured catalogue (config.CataloguePath), read again at each call so that an edit
// shows without a restart; nil when none is configured or found. bcdr server and dev
// refuse to start on a catalogue that does not validate (apiServer).
func (a *app) portfolioCatalogue() func() (*catalogue.Catalogue, catalogue.Runbooks, error) {
	path := a.cfg.CataloguePath()
	if path == "" {
		return nil
	}
	return func() (*catalogue.Catalogue, catalogue.Runbooks, error) {
		c, rbs, _, diags, err := a.checkCatalogue(path)
		if err == nil && diags.HasErrors() {
			err = fmt.Errorf("catalogue %s is invalid (bcdr catalogue validate shows why):\n%w", path, diags)
		}
		if err != nil {
			return nil, nil, err
		}
		return c, rbs, nil
	}
}
