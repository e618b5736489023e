package aws

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/bcdr/bcdr/activities"
)

// clientKey identifies a cached client: one per service, region and assumed role, and
// for an assumed role one per session (run and step, see sessionName).
type clientKey struct {
	service, region, role, externalID, session string
}

// maxSessionClients bounds the clients kept for assumed-role sessions: each step that
// assumes a role has its own, and a worker serves run after run.
const maxSessionClients = 256

// resolve fills a step's scope from the configuration: the default region and role.
func (a *Actions) resolve(s Scope) Scope {
	if s.Region == "" {
		s.Region = a.cfg.Region
	}
	if s.RoleARN == "" {
		s.RoleARN, s.ExternalID = a.cfg.AssumeRoleARN, a.cfg.ExternalID
	}
	return s
}

// awsConfig returns the SDK configuration for a scope: the standard credential chain,
// the scope's region, and the scope's role assumed through STS when it names one.
func (a *Actions) awsConfig(ctx context.Context, s Scope, session string) (awssdk.Config, error) {
	opts := []func(*config.LoadOptions) error{}
	if s.Region != "" {
		opts = append(opts, config.WithRegion(s.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return cfg, activities.NonRetryable(activities.ErrValidation,
			fmt.Errorf("no AWS region: give the step a region input or configure one"))
	}
	cfg.APIOptions = append(cfg.APIOptions, a.changeLog(session))
	if s.RoleARN != "" {
		stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = a.endpoint() })
		provider := stscreds.NewAssumeRoleProvider(stsClient, s.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = session
			if s.ExternalID != "" {
				o.ExternalID = awssdk.String(s.ExternalID)
			}
		})
		cfg.Credentials = awssdk.NewCredentialsCache(provider)
	}
	return cfg, nil
}

func (a *Actions) endpoint() *string {
	if a.cfg.Endpoint == "" {
		return nil
	}
	return awssdk.String(a.cfg.Endpoint)
}

// client returns the cached client of one service for a scope, creating it with mk.
func client[C any](ctx context.Context, a *Actions, service string, s Scope, mk func(awssdk.Config) C) (C, error) {
	s = a.resolve(s)
	key := clientKey{service: service, region: s.Region, role: s.RoleARN, externalID: s.ExternalID}
	if s.RoleARN != "" {
		st := stepOf(ctx)
		key.session = sessionName(st.run, st.step)
	}
	a.mu.Lock()
	c, ok := a.clients[key]
	a.mu.Unlock()
	if ok {
		return c.(C), nil
	}
	cfg, err := a.awsConfig(ctx, s, key.session)
	if err != nil {
		var zero C
		return zero, err
	}
	made := mk(cfg)
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[key]; ok {
		return c.(C), nil
	}
	if key.session != "" {
		a.dropSessionClients()
	}
	a.clients[key] = made
	return made, nil
}

// dropSessionClients forgets the assumed-role sessions' clients when there are
// maxSessionClients of them (a.mu held): they belong to steps mostly over, and a step
// that still runs makes its client again.
func (a *Actions) dropSessionClients() {
	n := 0
	for k := range a.clients {
		if k.session != "" {
			n++
		}
	}
	if n < maxSessionClients {
		return
	}
	for k := range a.clients {
		if k.session != "" {
			delete(a.clients, k)
		}
	}
}
