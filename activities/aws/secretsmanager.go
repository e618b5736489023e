package aws

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.secretsmanager.promote_replica

type promoteSecretInput struct {
	SecretID string `json:"secret_id"`
	Scope
}

var secretsPromoteReplicaSpec = newSpec[promoteSecretInput](runbooks.Kind{
	Name: "aws.secretsmanager.promote_replica",
	Description: "Promote a Secrets Manager replica secret to a standalone primary in the step's region (the DR region), with " +
		"StopReplicationToReplica called from that region, so that applications recovered there keep reading and rotating " +
		"their secret with the primary's region gone. A secret that is already standalone in the region is success. Drill: " +
		"read the replica instead (the drill variant of a live promotion cannot be undone by AWS).",
	Inputs: []runbooks.Field{
		reqStr("secret_id", "the secret's name, or the replica's ARN (the primary's ARN with the region changed)"),
	},
	Outputs: []runbooks.Field{
		field("arn", runbooks.TypeString, "ARN of the secret in the step's region"),
		field("promoted", runbooks.TypeBool, "false when it was already standalone"),
		field("previous_primary_region", runbooks.TypeString, "the primary's region before"),
	},
	IAMActions:      []string{"secretsmanager:DescribeSecret", "secretsmanager:StopReplicationToReplica"},
	SideEffects:     true,
	DefaultEstimate: estimate(time.Minute),
})

type secretDescriber interface {
	DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

type secretPromoter interface {
	secretDescriber
	StopReplicationToReplica(context.Context, *secretsmanager.StopReplicationToReplicaInput, ...func(*secretsmanager.Options)) (*secretsmanager.StopReplicationToReplicaOutput, error)
}

// SecretsManagerPromoteReplica carries out aws.secretsmanager.promote_replica.
func (a *Actions) SecretsManagerPromoteReplica(ctx context.Context, req activities.Request) (activities.Result, error) {
	return secretsPromoteReplicaSpec.run(ctx, req, withClient(a.secretsClient, func(ctx context.Context, req activities.Request, in promoteSecretInput, c *secretsmanager.Client) (activities.Result, error) {
		in.Scope = a.resolve(in.Scope) // the region the client acts in: the step names it in its calls and messages
		return a.promoteSecret(ctx, c, in)
	}))
}

// describeSecret reads a secret (or its replica) in the client's region.
func describeSecret(ctx context.Context, c secretDescriber, id string) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: awssdk.String(id)})
	if err != nil {
		return nil, classify(err, "describe secret %q", id)
	}
	return out, nil
}

func (a *Actions) promoteSecret(ctx context.Context, c secretPromoter, in promoteSecretInput) (activities.Result, error) {
	what := fmt.Sprintf("promote the replica of secret %q in %s", in.SecretID, in.Region)
	s, err := describeSecret(ctx, c, in.SecretID)
	if err != nil {
		return nil, err
	}
	// DescribeSecret's PrimaryRegion is the region of the secret's primary
	// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html).
	previous := firstAttempt(ctx, awssdk.ToString(s.PrimaryRegion))
	if p := awssdk.ToString(s.PrimaryRegion); p == "" || p == in.Region {
		return activities.Result{"arn": awssdk.ToString(s.ARN), "promoted": false, "previous_primary_region": previous}, nil
	}
	logChange(ctx, "promote Secrets Manager replica", "secret", in.SecretID, "region", in.Region, "primary", previous)
	out, err := c.StopReplicationToReplica(ctx, &secretsmanager.StopReplicationToReplicaInput{SecretId: awssdk.String(in.SecretID)})
	if err != nil {
		return nil, classify(err, "%s", what)
	}
	return activities.Result{"arn": awssdk.ToString(out.ARN), "promoted": true, "previous_primary_region": previous}, nil
}

// checkSecretReplica: the secret has a replica in the step's region, and its primary
// reports that replica in sync (ReplicationStatus, read in the primary's region while it
// is there to read).
func (a *Actions) checkSecretReplica(ctx context.Context, t readiness.Target, in promoteSecretInput) []readiness.Finding {
	in.Scope = a.resolve(in.Scope)
	c, skip := targetClient(ctx, t, in.Scope, a.secretsClient, "secret_id")
	if skip != nil {
		return skip
	}
	s, err := describeSecret(ctx, c, in.SecretID)
	if err != nil {
		return one(fromErr("target", err))
	}
	primary := awssdk.ToString(s.PrimaryRegion)
	if primary == "" || primary == in.Region {
		return one(warn("target", "secret %q is already a standalone primary in %s: there is no replica to promote", in.SecretID, in.Region))
	}
	ps := in.Scope
	ps.Region = primary
	pc, err := a.secretsClient(ctx, ps)
	if err != nil {
		return one(cannot("target", "%v", err))
	}
	p, err := describeSecret(ctx, pc, in.SecretID)
	if err != nil {
		return one(warn("target", "secret %q has a replica in %s; its primary in %s could not be read: %s", in.SecretID, in.Region, primary, message(err)))
	}
	for _, r := range p.ReplicationStatus {
		if awssdk.ToString(r.Region) != in.Region {
			continue
		}
		switch r.Status {
		case smtypes.StatusTypeInSync:
			return one(ready("target", "secret %q has a replica in %s, in sync with its primary in %s", in.SecretID, in.Region, primary))
		case smtypes.StatusTypeFailed:
			return one(notReady("target", "the replica of secret %q in %s failed to replicate: %s", in.SecretID, in.Region, awssdk.ToString(r.StatusMessage)))
		default:
			return one(warn("target", "the replica of secret %q in %s is %s", in.SecretID, in.Region, r.Status))
		}
	}
	return one(warn("target", "secret %q has a replica in %s that its primary in %s does not list", in.SecretID, in.Region, primary))
}
