package aws

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/bcdr/bcdr/readiness"
)

// ---- ECS

// checkECSDesiredCount: the cluster and service exist and are active, the service's
// task definition exists, and (Fargate) the tasks fit the region's vCPU quota.
func (a *Actions) checkECSDesiredCount(ctx context.Context, t readiness.Target, in setDesiredCountInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.ecsClient, "cluster", "service")
	if skip != nil {
		return skip
	}
	svc, f := ecsService(ctx, c, in.Cluster, in.Service)
	if svc == nil {
		return one(f)
	}
	td, err := c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition})
	if err != nil {
		return one(fromErr("target", classify(err, "describe task definition %q of ECS service %q", awssdk.ToString(svc.TaskDefinition), in.Service)))
	}
	def := td.TaskDefinition
	out := []readiness.Finding{f}
	if def.Status != ecstypes.TaskDefinitionStatusActive {
		out = append(out, warn("target", "task definition %q of ECS service %q is %s", awssdk.ToString(svc.TaskDefinition), in.Service, def.Status))
	}
	if t.IsUnknown("desired_count") || !fargate(svc) {
		return out // EC2 capacity comes from the cluster's instances, not from a quota bcdr reads
	}
	cpu, err := strconv.ParseFloat(awssdk.ToString(def.Cpu), 64)
	if err != nil || cpu <= 0 {
		return append(out, warn("capacity", "task definition %q gives no task CPU: cannot size the scale-up", awssdk.ToString(svc.TaskDefinition)))
	}
	need := float64(in.DesiredCount) * cpu / 1024
	return append(out, a.compareQuota(ctx, in.Scope, fargateVCPU,
		need, fmt.Sprintf("ECS service %q at %d tasks of %s vCPU", in.Service, in.DesiredCount, num(cpu/1024))))
}

func (a *Actions) checkECSWaitStable(ctx context.Context, t readiness.Target, in waitStableInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.ecsClient, "cluster", "service")
	if skip != nil {
		return skip
	}
	_, f := ecsService(ctx, c, in.Cluster, in.Service)
	return one(f)
}

// ecsService reads an active cluster's active service; nil and the finding that says
// why when it cannot.
func ecsService(ctx context.Context, c *ecs.Client, cluster, service string) (*ecstypes.Service, readiness.Finding) {
	cl, err := c.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{cluster}})
	if err != nil {
		return nil, fromErr("target", classify(err, "describe ECS cluster %q", cluster))
	}
	if len(cl.Clusters) == 0 || awssdk.ToString(cl.Clusters[0].Status) == "INACTIVE" {
		return nil, notReady("target", "ECS cluster %q not found", cluster)
	}
	if st := awssdk.ToString(cl.Clusters[0].Status); st != "ACTIVE" {
		return nil, notReady("target", "ECS cluster %q is %s, not ACTIVE", cluster, st)
	}
	svc, err := describeService(ctx, c, cluster, service)
	if err != nil {
		return nil, fromErr("target", err)
	}
	if st := awssdk.ToString(svc.Status); st != "ACTIVE" {
		return nil, notReady("target", "ECS service %q in cluster %q is %s, not ACTIVE", service, cluster, st)
	}
	return svc, ready("target", "ECS service %q in cluster %q is ACTIVE: %d of %d tasks running",
		service, cluster, svc.RunningCount, svc.DesiredCount)
}

func fargate(s *ecstypes.Service) bool {
	if s.LaunchType == ecstypes.LaunchTypeFargate {
		return true
	}
	for _, p := range s.CapacityProviderStrategy {
		if strings.HasPrefix(awssdk.ToString(p.CapacityProvider), "FARGATE") {
			return true
		}
	}
	return false
}

// ---- Auto Scaling

// checkASGCapacity: the group and its launch template exist, its max size (or the
// step's max) allows the desired capacity, and the instances fit the region's
// On-Demand vCPU quota.
func (a *Actions) checkASGCapacity(ctx context.Context, t readiness.Target, in setCapacityInput) []readiness.Finding {
	g, skip := a.groupToCheck(ctx, t, in.Scope, in.GroupName)
	if skip != nil {
		return skip
	}
	out := []readiness.Finding{ready("target", "Auto Scaling group %q exists: desired %d, min %d, max %d",
		in.GroupName, awssdk.ToInt32(g.DesiredCapacity), awssdk.ToInt32(g.MinSize), awssdk.ToInt32(g.MaxSize))}
	lt := g.LaunchTemplate
	if lt == nil && g.MixedInstancesPolicy != nil && g.MixedInstancesPolicy.LaunchTemplate != nil {
		lt = g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification
	}
	instanceType := ""
	if lt != nil {
		var f readiness.Finding
		instanceType, f = a.launchTemplate(ctx, in.Scope, awssdk.ToString(lt.LaunchTemplateId), awssdk.ToString(lt.LaunchTemplateName), awssdk.ToString(lt.Version))
		out = append(out, f)
	}
	if in.Desired == nil || t.IsUnknown("desired") {
		return out
	}
	desired := *in.Desired
	max := awssdk.ToInt32(g.MaxSize)
	if in.Max != nil {
		max = *in.Max
	}
	if desired > max {
		out = append(out, notReady("target", "desired %d is more than the max size %d of Auto Scaling group %q: AWS would refuse it; raise the max (the step's max input)",
			desired, max, in.GroupName))
	}
	if instanceType == "" {
		return out
	}
	return append(out, a.instanceQuota(ctx, in.Scope, instanceType, desired, fmt.Sprintf("Auto Scaling group %q", in.GroupName)))
}

// groupToCheck begins a check of a step on the Auto Scaling group name: the group, or the
// one finding that says why the check cannot read it.
func (a *Actions) groupToCheck(ctx context.Context, t readiness.Target, s Scope, name string) (*astypes.AutoScalingGroup, []readiness.Finding) {
	c, skip := targetClient(ctx, t, s, a.autoscalingClient, "group")
	if skip != nil {
		return nil, skip
	}
	g, err := describeGroup(ctx, c, name)
	if err != nil {
		return nil, one(fromErr("target", err))
	}
	return g, nil
}

// instanceQuota compares count On-Demand instances of a type with the region's vCPU quota
// for its family.
func (a *Actions) instanceQuota(ctx context.Context, s Scope, instanceType string, count int32, what string) readiness.Finding {
	q, ok := ec2Quota(instanceType)
	if !ok {
		return warn("capacity", "no On-Demand quota known to bcdr for instance type %s", instanceType)
	}
	vcpus, err := a.instanceVCPUs(ctx, s, instanceType)
	if err != nil {
		return fromErr("capacity", err)
	}
	return a.compareQuota(ctx, s, q, float64(count*vcpus), fmt.Sprintf("%s at %d × %s", what, count, instanceType))
}

// ---- EKS

// checkEKSNodegroup: the node group exists and is ACTIVE, the sizes asked are valid
// against its max (or the step's), and its nodes fit the region's On-Demand vCPU quota.
func (a *Actions) checkEKSNodegroup(ctx context.Context, t readiness.Target, in scaleNodegroupInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.eksClient, "cluster", "nodegroup")
	if skip != nil {
		return skip
	}
	ng, err := describeNodegroup(ctx, c, in.Cluster, in.Nodegroup)
	if err != nil {
		return one(fromErr("target", err))
	}
	now := nodegroupSize(ng)
	what := fmt.Sprintf("EKS node group %q of cluster %q", in.Nodegroup, in.Cluster)
	if ng.Status != ekstypes.NodegroupStatusActive {
		return one(notReady("target", "%s is %s, not ACTIVE: AWS refuses to change its size now%s", what, ng.Status, healthIssues(ng)))
	}
	out := []readiness.Finding{ready("target", "%s is ACTIVE: desired %d, min %d, max %d", what, now.Desired, now.Min, now.Max)}
	if t.IsUnknown("desired") || t.IsUnknown("min") || t.IsUnknown("max") {
		return out
	}
	want, err := now.with(in.sizes, "scale "+what)
	if err != nil {
		return append(out, notReady("target", "%s: raise the max (the step's max input)", message(err)))
	}
	if len(ng.InstanceTypes) == 0 || ng.CapacityType == ekstypes.CapacityTypesSpot {
		return out // Spot capacity has its own quota, and no instance type means a launch template bcdr does not read
	}
	return append(out, a.instanceQuota(ctx, in.Scope, ng.InstanceTypes[0], want.Desired, what))
}

// launchTemplate checks that a launch template (and the version the group uses) exists
// and returns its instance type.
func (a *Actions) launchTemplate(ctx context.Context, s Scope, id, name, version string) (string, readiness.Finding) {
	c, err := a.ec2Client(ctx, s)
	if err != nil {
		return "", cannot("target", "%v", err)
	}
	if version == "" {
		version = "$Default"
	}
	in := &ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{version}}
	what := id
	if id != "" {
		in.LaunchTemplateId = awssdk.String(id)
	} else {
		in.LaunchTemplateName, what = awssdk.String(name), name
	}
	out, err := c.DescribeLaunchTemplateVersions(ctx, in)
	if err != nil {
		return "", fromErr("target", classify(err, "describe launch template %q version %s", what, version))
	}
	if len(out.LaunchTemplateVersions) == 0 {
		return "", notReady("target", "launch template %q has no version %s", what, version)
	}
	v := out.LaunchTemplateVersions[0]
	it := ""
	if v.LaunchTemplateData != nil {
		it = string(v.LaunchTemplateData.InstanceType)
	}
	return it, ready("target", "launch template %q version %d exists (%s)", what, awssdk.ToInt64(v.VersionNumber), orNone(it))
}

func (a *Actions) instanceVCPUs(ctx context.Context, s Scope, instanceType string) (int32, error) {
	c, err := a.ec2Client(ctx, s)
	if err != nil {
		return 0, err
	}
	out, err := c.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{ec2types.InstanceType(instanceType)}})
	if err != nil {
		return 0, classify(err, "describe instance type %s", instanceType)
	}
	if len(out.InstanceTypes) == 0 || out.InstanceTypes[0].VCpuInfo == nil {
		return 0, notFound("instance type %s not found", instanceType)
	}
	return awssdk.ToInt32(out.InstanceTypes[0].VCpuInfo.DefaultVCpus), nil
}

func orNone(s string) string {
	if s == "" {
		return "no instance type"
	}
	return s
}

func (a *Actions) checkASGWaitHealthy(ctx context.Context, t readiness.Target, in waitHealthyInput) []readiness.Finding {
	g, skip := a.groupToCheck(ctx, t, in.Scope, in.GroupName)
	if skip != nil {
		return skip
	}
	return one(ready("target", "Auto Scaling group %q exists: %d healthy InService now", in.GroupName, healthyInService(g)))
}

// ---- EC2

func (a *Actions) checkEC2Start(ctx context.Context, t readiness.Target, in instancesInput) []readiness.Finding {
	return a.checkInstances(ctx, t, in.Scope, in.InstanceIDs, "terminated", "shutting-down")
}

func (a *Actions) checkEC2Stop(ctx context.Context, t readiness.Target, in stopInstancesInput) []readiness.Finding {
	return a.checkInstances(ctx, t, in.Scope, in.InstanceIDs, "terminated", "shutting-down")
}

// checkInstances: every instance exists and is in none of the bad states.
func (a *Actions) checkInstances(ctx context.Context, t readiness.Target, s Scope, ids []string, bad ...string) []readiness.Finding {
	c, skip := targetClient(ctx, t, s, a.ec2Client, "instance_ids")
	if skip != nil {
		return skip
	}
	states, err := instanceStates(ctx, c, ids)
	if err != nil {
		return one(fromErr("target", err))
	}
	var out []readiness.Finding
	var summary []string
	for _, id := range ids {
		summary = append(summary, id+" "+states[id])
		for _, b := range bad {
			if states[id] == b {
				out = append(out, notReady("target", "EC2 instance %q is %s", id, b))
			}
		}
	}
	if len(out) == 0 {
		out = append(out, ready("target", "EC2 instances exist: %s", strings.Join(summary, ", ")))
	}
	return out
}

// ---- Elastic Load Balancing

func (a *Actions) checkTargetGroup(ctx context.Context, t readiness.Target, in waitHealthyTargetsInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.elbv2Client, "target_group_arn")
	if skip != nil {
		return skip
	}
	th, err := readTargetHealth(ctx, c, in.TargetGroupARN)
	if err != nil {
		return one(fromErr("target", err))
	}
	return one(ready("target", "target group %q exists: %d of %d targets healthy now", in.TargetGroupARN, th.healthy, len(th.targets)))
}

// checkScalableTarget: the scalable target is registered in Application Auto Scaling,
// and the range the step asks for is one AWS accepts (0 <= min <= max).
func (a *Actions) checkScalableTarget(ctx context.Context, t readiness.Target, in scalableTargetInput) []readiness.Finding {
	if n, ok := runTime(t, "resource_id", "service_namespace", "scalable_dimension"); ok {
		return one(later("target", n))
	}
	if in.Namespace == "" {
		in.Namespace = "ecs"
	}
	if in.Dimension == "" {
		in.Dimension = "ecs:service:DesiredCount"
	}
	c, err := a.appAutoscalingClient(ctx, in.Scope)
	if err != nil {
		return one(cannot("target", "%v", err))
	}
	st, err := describeScalableTarget(ctx, c, in)
	if err != nil {
		return one(fromErr("target", err))
	}
	what := fmt.Sprintf("scalable target %q (%s)", in.ResourceID, in.Dimension)
	if st == nil {
		return one(notReady("target", "%s is not registered in Application Auto Scaling (%s): register it, or leave the step out for a resource without auto scaling",
			what, in.Namespace))
	}
	now := rangeOf(st)
	out := []readiness.Finding{ready("target", "%s is registered: min %d, max %d", what, now.Min, now.Max)}
	if t.IsUnknown("min") || t.IsUnknown("max") || t.IsUnknown("only_raise") {
		return out
	}
	if _, err := now.with(in, "set "+what); err != nil {
		return append(out, notReady("target", "%s: AWS would refuse the range", message(err)))
	}
	return out
}
