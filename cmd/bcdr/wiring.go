package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/bcdr/bcdr/activities"
	awsact "github.com/bcdr/bcdr/activities/aws"
	"github.com/bcdr/bcdr/activities/notify"
	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/catalogue"
	"github.com/bcdr/bcdr/evidence"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/egress"
	"github.com/bcdr/bcdr/internal/identity"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// actions returns every step kind that runs as an activity, with its function; steps is
// the egress policy of the steps that call URLs a runbook gives (nil only where the
// actions are listed, never run).
func actions(cfg *config.Config, logger *slog.Logger, steps *egress.Policy) []activities.Action {
	aws := awsact.New(awsact.Config{Region: cfg.AWS.Region, Endpoint: cfg.AWS.Endpoint, AssumeRoleARN: cfg.AWS.RoleARN})
	return append(activities.Builtins(logger, steps), aws.Actions()...)
}

// stepEgress is the egress policy of a worker's steps: loopback allowed under bcdr dev
// (dev), refused under bcdr worker; bcdr's and the engine's own listeners (the
// configured ones and running, those known once started) refused always.
func stepEgress(cfg *config.Config, dev bool, running ...string) (*egress.Policy, error) {
	var ls []egress.Listener
	for _, addr := range running {
		ls = append(ls, egress.Listener{What: "a listener of bcdr dev (the engine, its Web UI or bcdr's HTTP server)", Address: addr})
	}
	p, err := egress.New(cfg.StepEgress(dev, ls...))
	if err != nil {
		return nil, fmt.Errorf("steps' egress policy: %w", err)
	}
	return p, nil
}

// registry returns the step kinds runbooks may use: the builtins and every action.
func registry(cfg *config.Config) (*runbooks.Registry, error) {
	var extra []runbooks.Kind
	builtin := map[string]bool{}
	for _, k := range runbooks.Builtins() {
		builtin[k.Name] = true
	}
	for _, a := range actions(cfg, slog.Default(), nil) {
		if !builtin[a.Kind.Name] {
			extra = append(extra, a.Kind)
		}
	}
	return runbooks.DefaultRegistry(extra...)
}

// newWorker returns a worker serving the interpreter workflow and every action on the
// configured task queue. Several workers on one queue share the work.
func newWorker(c client.Client, cfg *config.Config, logger *slog.Logger, steps *egress.Policy) worker.Worker {
	w := worker.New(c, cfg.Temporal.TaskQueue, worker.Options{
		// A runbook's parallel branches complete in bursts; more pollers keep their
		// results from queueing behind each other.
		MaxConcurrentActivityTaskPollers: 8,
		MaxConcurrentWorkflowTaskPollers: 4,
		// Steps' keep-alive heartbeats go out as sent, so that a lost worker's step is
		// retried elsewhere within seconds (see workflows.heartbeatTimeout).
		MaxHeartbeatThrottleInterval: activities.HeartbeatThrottle,
	})
	w.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: workflows.WorkflowName})
	activities.Register(w, actions(cfg, logger, steps)...)
	key := identityKey(cfg, logger)
	notifier(cfg, logger, key).Register(w)
	write, writeReadiness := evidenceWriter(cfg, logger)
	w.RegisterActivityWithOptions(write, activity.RegisterOptions{Name: workflows.EvidenceActivity})
	w.RegisterWorkflowWithOptions(workflows.Readiness, workflow.RegisterOptions{Name: workflows.ReadinessWorkflowName})
	w.RegisterActivityWithOptions(readinessChecks(cfg, logger, steps), activity.RegisterOptions{Name: workflows.ReadinessCheckActivity})
	w.RegisterActivityWithOptions(writeReadiness, activity.RegisterOptions{Name: workflows.ReadinessRecordActivity})
	v := &workflows.Verifier{Key: key, GroupsOf: cfg.GroupsOf}
	w.RegisterActivityWithOptions(v.Verify, activity.RegisterOptions{Name: workflows.VerifyActivity})
	return withSweep(w, c, cfg, logger)
}

// readinessChecks is the activity of scheduled readiness checks: bcdr check's checkers
// (permissions included) with the worker's AWS configuration, groups and steps' egress.
func readinessChecks(cfg *config.Config, logger *slog.Logger, steps *egress.Policy) func(context.Context, readiness.Request) (*readiness.Report, error) {
	reg, err := registry(cfg)
	if err != nil {
		logger.Error("scheduled readiness checks cannot run: the step kinds do not load", "error", err)
		return func(context.Context, readiness.Request) (*readiness.Report, error) {
			return nil, activities.NonRetryable(activities.ErrFailed, err)
		}
	}
	a := &readiness.Activity{Registry: reg, Options: checkOptions(cfg, steps, true, 0)}
	a.Options.Drills = func(ctx context.Context) ([]readiness.Drill, error) {
		store, err := openEvidence(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return evidence.Drills(ctx, store)
	}
	return a.Check
}

// identityKey reads the identity key (identity.key_file); without one, nil: a worker
// then refuses every decision and operator action, saying why, and a server or CLI sends
// them unsigned, to be refused.
func identityKey(cfg *config.Config, logger *slog.Logger) []byte {
	k, err := identity.LoadKey(cfg.IdentityKeyFile())
	if err != nil {
		logger.Warn("no identity key: decisions and operator actions will be refused until identity.key_file names the key bcdr server, the workers and direct CLIs share", "error", err)
		return nil
	}
	return k
}

// identity is who this CLI acts as, with the groups the configuration gives them.
func (a *app) identity() (workflows.Actor, error) {
	user := a.cfg.Identity.User
	if user == "" {
		return workflows.Actor{}, fmt.Errorf("who are you? set --as, BCDR_IDENTITY_USER or identity.user")
	}
	return workflows.Actor{Name: user, Groups: a.cfg.GroupsOf(user)}, nil
}

// notifier is the run-event activity: it routes events by the notify configuration, and
// by the labels of the runbooks the server knows; it signs roll calls' acknowledgement
// links with the identity key and gives a group's members a link each.
func notifier(cfg *config.Config, logger *slog.Logger, key []byte) *notify.Notifier {
	labels := func(string) map[string]string { return nil }
	if reg, err := registry(cfg); err == nil {
		labels = api.NewCatalog(reg, cfg.Drills.RunbookDirs...).Labels
	}
	members := func(group string) []string { return cfg.Groups[group] }
	return notify.New(cfg.Notify, notify.Options{Labels: labels, Logger: logger, AckKey: key, AckURL: cfg.HTTP.PublicURL,
		Members: members, Contacts: catalogueEmails(cfg)})
}

// catalogueEmails reads the catalogue's contacts' emails (config catalogue, or a runbook
// folder's catalogue.yaml) at each call, so that an edit reaches the next roll call.
func catalogueEmails(cfg *config.Config) func() (map[string]string, error) {
	return func() (map[string]string, error) {
		path := cfg.CataloguePath()
		if path == "" {
			return nil, nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read catalogue: %w", err)
		}
		c, diags := catalogue.Parse(path, src)
		if diags.HasErrors() {
			return nil, fmt.Errorf("catalogue %s is invalid (bcdr catalogue validate shows why): %w", path, diags)
		}
		return c.Emails(), nil
	}
}
