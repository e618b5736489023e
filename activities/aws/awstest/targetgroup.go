package awstest

import (
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// TargetGroup creates, with cfg's clients, a VPC of the CIDR block cidr and in it the
// load balancer target group name (HTTP on port 80, targets by instance id), registers
// the instances ids with it on port 80, and returns the group's ARN.
func TargetGroup(t testing.TB, cfg awssdk.Config, name, cidr string, ids ...string) string {
	t.Helper()
	ctx := t.Context()
	lb := elbv2.NewFromConfig(cfg)
	vpc, err := ec2.NewFromConfig(cfg).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: awssdk.String(cidr)})
	if err != nil {
		t.Fatalf("create a VPC for target group %s: %v", name, err)
	}
	tg, err := lb.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
		Name: awssdk.String(name), Protocol: elbv2types.ProtocolEnumHttp, Port: awssdk.Int32(80),
		VpcId: vpc.Vpc.VpcId, TargetType: elbv2types.TargetTypeEnumInstance,
	})
	if err != nil {
		t.Fatalf("create target group %s: %v", name, err)
	}
	arn := awssdk.ToString(tg.TargetGroups[0].TargetGroupArn)
	targets := make([]elbv2types.TargetDescription, len(ids))
	for i, id := range ids {
		targets[i] = elbv2types.TargetDescription{Id: awssdk.String(id), Port: awssdk.Int32(80)}
	}
	if _, err := lb.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: awssdk.String(arn), Targets: targets}); err != nil {
		t.Fatalf("register targets with target group %s: %v", name, err)
	}
	return arn
}
