package aws

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/drs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
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
	// the configured endpoint, or none: an AWS_ENDPOINT_URL in the worker's environment
	// does not redirect the steps' calls
	cfg.BaseEndpoint = a.endpoint()
	if s.RoleARN != "" {
		stsClient := sts.NewFromConfig(cfg)
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

// client returns the cached client of one service for a scope, creating it with the
// service's NewFromConfig (mk) and opts from the scope's configuration, which carries the
// configured endpoint.
func client[C, O any](ctx context.Context, a *Actions, service string, s Scope,
	mk func(awssdk.Config, ...func(*O)) C, opts ...func(*O)) (C, error) {
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
	made := mk(cfg, opts...)
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

// The service clients of the actions. The EC2, S3, CloudWatch, ARC and DocumentDB ones,
// which need options or a narrower type, are beside their actions.

func (a *Actions) appAutoscalingClient(ctx context.Context, s Scope) (*applicationautoscaling.Client, error) {
	return client(ctx, a, "application-autoscaling", s, applicationautoscaling.NewFromConfig)
}

func (a *Actions) autoscalingClient(ctx context.Context, s Scope) (*autoscaling.Client, error) {
	return client(ctx, a, "autoscaling", s, autoscaling.NewFromConfig)
}

func (a *Actions) backupClient(ctx context.Context, s Scope) (*backup.Client, error) {
	return client(ctx, a, "backup", s, backup.NewFromConfig)
}

func (a *Actions) drsClient(ctx context.Context, s Scope) (*drs.Client, error) {
	return client(ctx, a, "drs", s, drs.NewFromConfig)
}

func (a *Actions) dynamodbClient(ctx context.Context, s Scope) (*dynamodb.Client, error) {
	return client(ctx, a, "dynamodb", s, dynamodb.NewFromConfig)
}

func (a *Actions) ecsClient(ctx context.Context, s Scope) (*ecs.Client, error) {
	return client(ctx, a, "ecs", s, ecs.NewFromConfig)
}

func (a *Actions) eksClient(ctx context.Context, s Scope) (*eks.Client, error) {
	return client(ctx, a, "eks", s, eks.NewFromConfig)
}

func (a *Actions) elasticacheClient(ctx context.Context, s Scope) (*elasticache.Client, error) {
	return client(ctx, a, "elasticache", s, elasticache.NewFromConfig)
}

func (a *Actions) elbv2Client(ctx context.Context, s Scope) (*elbv2.Client, error) {
	return client(ctx, a, "elbv2", s, elbv2.NewFromConfig)
}

func (a *Actions) lambdaClient(ctx context.Context, s Scope) (*lambda.Client, error) {
	return client(ctx, a, "lambda", s, lambda.NewFromConfig)
}

func (a *Actions) rdsClient(ctx context.Context, s Scope) (*rds.Client, error) {
	return client(ctx, a, "rds", s, rds.NewFromConfig)
}

func (a *Actions) route53Client(ctx context.Context, s Scope) (*route53.Client, error) {
	return client(ctx, a, "route53", s, route53.NewFromConfig)
}

func (a *Actions) secretsClient(ctx context.Context, s Scope) (*secretsmanager.Client, error) {
	return client(ctx, a, "secretsmanager", s, secretsmanager.NewFromConfig)
}

func (a *Actions) quotasClient(ctx context.Context, s Scope) (*servicequotas.Client, error) {
	return client(ctx, a, "servicequotas", s, servicequotas.NewFromConfig)
}

func (a *Actions) ssmClient(ctx context.Context, s Scope) (*ssm.Client, error) {
	return client(ctx, a, "ssm", s, ssm.NewFromConfig)
}
