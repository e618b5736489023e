package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/faultproxy"
	"github.com/bcdr/bcdr/readiness"
	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// checkCloud is moto behind the fakes of the operations moto lacks (Service Quotas,
// IAM's policy simulator), behind the request-logging proxy: bcdr's endpoint.
type checkCloud struct {
	moto   string
	proxy  *faultproxy.Proxy
	quotas *awstest.Quotas
	sim    *awstest.Simulator
}

func newCheckCloud(t *testing.T) *checkCloud {
	moto := awstest.StartMoto(t)
	c := &checkCloud{moto: moto, quotas: awstest.NewQuotas(map[string]float64{}), sim: awstest.NewSimulator(map[string][]string{})}
	split := awstest.Split(t, moto, map[string]http.Handler{"servicequotas": c.quotas, "iam": c.sim, "route53-recovery-cluster": arcCluster{}})
	p, err := faultproxy.Start(faultproxy.Options{Target: split})
	require.NoError(t, err)
	t.Cleanup(p.Close)
	c.proxy = p
	return c
}

func (c *checkCloud) cfg(t *testing.T, region string) awssdk.Config {
	return awstest.SDKConfig(t, c.moto, region)
}

// env is a bcdr environment whose AWS endpoint is the proxy.
func (c *checkCloud) env(t *testing.T) *env {
	e := newEnv(t)
	e.vars["BCDR_AWS_ENDPOINT"] = c.proxy.URL
	e.vars["BCDR_AWS_REGION"] = awstest.Region
	return e
}

// grantAll lets the identity bcdr runs as (moto's caller) do everything.
func (c *checkCloud) grantAll(t *testing.T) string {
	id, err := sts.NewFromConfig(c.cfg(t, awstest.Region)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	arn := awssdk.ToString(id.Arn)
	c.sim.Grant(arn, "* *")
	return arn
}

// controlPrefix is the ARN prefix of the routing controls arcCluster knows.
const controlPrefix = "arn:aws:route53-recovery-control::123456789012:controlpanel/p/routingcontrol/"

// arcCluster answers ARC's data plane (awsJson1_0) as
// https://docs.aws.amazon.com/routing-control/latest/APIReference/API_GetRoutingControlState.html
// documents: every routing control under controlPrefix is On, any other ARN is
// ResourceNotFoundException; moto has no ARC cluster.
type arcCluster struct{}

func (arcCluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct{ RoutingControlArn string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if op := r.Header.Get("X-Amz-Target"); !strings.HasSuffix(op, ".GetRoutingControlState") || !strings.HasPrefix(in.RoutingControlArn, controlPrefix) {
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "ResourceNotFoundException", "message": "no routing control " + in.RoutingControlArn + " (this fake only reads)"})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"RoutingControlArn": in.RoutingControlArn, "RoutingControlState": "On",
		"RoutingControlName": strings.TrimPrefix(in.RoutingControlArn, controlPrefix)})
}

// readOnly reports the calls of the proxy's log that are not reads.
func readOnly(log []faultproxy.Entry) []string {
	var writes []string
	for _, e := range log {
		op := e.Action
		if m, _, ok := strings.Cut(op, " "); ok && (m == http.MethodGet || m == http.MethodHead) {
			continue
		}
		for _, read := range []string{"Describe", "Get", "List", "Head", "SimulatePrincipalPolicy", "AssumeRole", "Query", "Scan", "BatchGet"} {
			if strings.HasPrefix(op, read) {
				op = ""
				break
			}
		}
		if op != "" {
			writes = append(writes, e.Service+" "+e.Action)
		}
	}
	return writes
}

type ecsFailover struct {
	cluster, service, targetGroup, zone, record string
}

// createECSFailover builds what ecs-service-region-failover.yaml acts on in its DR
// region: a Fargate service, its target group, and the service's DNS record.
func (c *checkCloud) createECSFailover(t *testing.T) ecsFailover {
	ctx := context.Background()
	dr := c.cfg(t, "us-west-2")
	f := ecsFailover{cluster: "api-dr", service: "api", zone: "", record: "api.shop.example.com"}
	e := ecs.NewFromConfig(dr)
	_, err := e.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String(f.cluster)})
	require.NoError(t, err)
	td, err := e.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: awssdk.String("api"), Cpu: awssdk.String("1024"), Memory: awssdk.String("2048"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, NetworkMode: ecstypes.NetworkModeAwsvpc,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: awssdk.String("api"), Image: awssdk.String("api:1")}},
	})
	require.NoError(t, err)
	_, err = e.CreateService(ctx, &ecs.CreateServiceInput{Cluster: awssdk.String(f.cluster), ServiceName: awssdk.String(f.service),
		LaunchType: ecstypes.LaunchTypeFargate, TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: awssdk.Int32(1)})
	require.NoError(t, err)
	_, err = applicationautoscaling.NewFromConfig(dr).RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: awssdk.String("service/" + f.cluster + "/" + f.service),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: awssdk.Int32(1), MaxCapacity: awssdk.Int32(2),
	})
	require.NoError(t, err)
	vpcs, err := ec2sdk.NewFromConfig(dr).DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{})
	require.NoError(t, err)
	require.NotEmpty(t, vpcs.Vpcs, "moto's default VPC")
	tg, err := elbv2.NewFromConfig(dr).CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: awssdk.String("api-dr"),
		Protocol: elbv2types.ProtocolEnumHttp, Port: awssdk.Int32(80), VpcId: vpcs.Vpcs[0].VpcId, TargetType: elbv2types.TargetTypeEnumIp})
	require.NoError(t, err)
	f.targetGroup = awssdk.ToString(tg.TargetGroups[0].TargetGroupArn)
	r53 := route53.NewFromConfig(c.cfg(t, awstest.Region))
	z, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: awssdk.String("shop.example.com"), CallerReference: awssdk.String("check")})
	require.NoError(t, err)
	f.zone = strings.TrimPrefix(awssdk.ToString(z.HostedZone.Id), "/hostedzone/")
	_, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: awssdk.String(f.zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: awssdk.String(f.record), Type: r53types.RRTypeCname, TTL: awssdk.Int64(30),
			ResourceRecords: []r53types.ResourceRecord{{Value: awssdk.String("api-primary.us-east-1.elb.amazonaws.com")}}}}}}})
	require.NoError(t, err)
	return f
}

// TestCheckLibraryRunbookAgainstMoto runs bcdr check on ecs-service-region-failover.yaml:
// ready while its resources exist, then not ready, naming the step and the resource,
// once the target group is deleted; and every call it made only read.
func TestCheckLibraryRunbookAgainstMoto(t *testing.T) {
	c := newCheckCloud(t)
	f := c.createECSFailover(t)
	principal := c.grantAll(t)
	c.quotas.Set("fargate/L-3032A538", 6)
	health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer health.Close()
	e := c.env(t)
	file := "../../runbooks/library/ecs-service-region-failover.yaml"
	// --no-evidence: no drill ever ran here, which check would report as a warning
	args := append([]string{"check", file, "--dev", "--no-evidence"}, c.params(t, file, map[string]string{
		"ecs_cluster": f.cluster, "ecs_service": f.service, "ecs_count": "4",
		"target_group_arn": f.targetGroup, "hosted_zone_id": f.zone, "record_name": f.record,
		"dr_endpoint": "api-dr.us-west-2.elb.amazonaws.com", "health_url": health.URL + "/healthz"})...)

	began := time.Now()
	out, errOut, code := e.cli(args...)
	took := time.Since(began)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	t.Logf("bcdr check took %s:\n%s", took, out)
	assert.Contains(t, out, "ecs-service-region-failover (../../runbooks/library/ecs-service-region-failover.yaml, live): READY")
	for _, want := range []string{
		`scale_range      target       ready`,
		`(ecs:service:DesiredCount) is registered: min 1, max 2`,
		`scale_dr         target       ready`,
		`scale_dr         capacity     ready`,
		`needs 4 vCPUs of the quota "Fargate On-Demand vCPU resource count" in us-west-2 (6;`,
		`scale_dr         permissions  ready   `,
		principal + " may call ecs:DescribeServices, ecs:UpdateService",
		`targets_healthy  target       ready`,
		`switch_traffic   target       ready`,
		`(dr_cell_control) is On; the step sets it On`,
		`skipped: when "${{ params.traffic_switch == \"dns\" }}" is false for these parameters`,
		`verify           probe        ready`,
	} {
		assert.Contains(t, out, want)
	}
	assert.Empty(t, readOnly(c.proxy.Log()), "a check only reads")

	_, err := elbv2.NewFromConfig(c.cfg(t, "us-west-2")).DeleteTargetGroup(context.Background(), &elbv2.DeleteTargetGroupInput{TargetGroupArn: awssdk.String(f.targetGroup)})
	require.NoError(t, err)
	out, _, code = e.cli(append(args, "--output", "json")...)
	assert.Equal(t, 1, code, out)
	var reps []readiness.Report
	require.NoError(t, json.Unmarshal([]byte(out), &reps), out)
	require.Len(t, reps, 1)
	assert.Equal(t, readiness.NotReady, reps[0].Result)
	var broken []readiness.Finding
	for _, fd := range reps[0].Findings {
		if fd.Result == readiness.NotReady {
			broken = append(broken, fd)
		}
	}
	require.Len(t, broken, 1, "%v", reps[0].Findings)
	assert.Equal(t, "targets_healthy", broken[0].Step)
	assert.Contains(t, broken[0].Reason, f.targetGroup)
	assert.Contains(t, broken[0].Reason, "TargetGroupNotFound")
	assert.Empty(t, readOnly(c.proxy.Log()), "a check only reads")
}

// TestCheckEveryLibraryRunbookOnlyReads runs the checks of every library runbook, live
// and drill, against moto through the request-logging proxy: whatever they find, every
// call is a read.
func TestCheckEveryLibraryRunbookOnlyReads(t *testing.T) {
	c := newCheckCloud(t)
	c.createECSFailover(t)
	c.grantAll(t)
	e := c.env(t)
	files, err := filepath.Glob("../../runbooks/library/*.yaml")
	require.NoError(t, err)
	checked := 0
	for _, file := range files {
		params := c.params(t, file, nil)
		for _, mode := range []string{"live", "drill"} {
			args := append([]string{"check", file, "--dev", "--mode", mode, "--output", "json"}, params...)
			out, errOut, code := e.cli(args...)
			require.Contains(t, []int{0, 1}, code, "%s %s: %s%s", file, mode, out, errOut)
			var reps []readiness.Report
			require.NoError(t, json.Unmarshal([]byte(out), &reps), out)
			checked += len(reps[0].Findings)
		}
	}
	assert.Greater(t, checked, 100, "findings over the library")
	assert.NotEmpty(t, c.proxy.Log(), "the checks called AWS")
	assert.Empty(t, readOnly(c.proxy.Log()), "a check only reads")
}

func mustRegistry(t *testing.T) *runbooks.Registry {
	reg, err := registry(&config.Config{})
	require.NoError(t, err)
	return reg
}

// params gives the known parameters, and each other required parameter without a
// default a value of its type: routing controls the ARC fake knows, its endpoint, and
// names of nothing for the rest.
func (c *checkCloud) params(t *testing.T, file string, known map[string]string) []string {
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	rb, diags := runbooks.Parse(file, src, mustRegistry(t))
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	var out []string
	for k, v := range known {
		out = append(out, "-p", k+"="+v)
	}
	for _, p := range rb.Parameters {
		if _, ok := known[p.Name]; ok || !p.Required || p.Default != nil {
			continue
		}
		v := "bcdr-check-" + strings.ReplaceAll(p.Name, "_", "-")
		switch {
		case p.Name == "arc_cluster_endpoints":
			v = c.proxy.URL
		case strings.HasSuffix(p.Name, "_control"):
			v = controlPrefix + p.Name
		case p.Type != runbooks.ParamString:
			v = "1"
		case len(p.Allowed) > 0:
			v = fmt.Sprint(p.Allowed[0])
		case strings.HasSuffix(p.Name, "_arn"):
			v = "arn:aws:iam::123456789012:role/" + v
		case strings.HasSuffix(p.Name, "_url"):
			v = "http://127.0.0.1:1/" + v
		case strings.HasSuffix(p.Name, "zone_id"):
			v = "ZNOSUCHZONE0000000000"
		}
		out = append(out, "-p", p.Name+"="+v)
	}
	return out
}

// TestCheckLargestLibraryRunbook times bcdr check on the library's largest runbook,
// aws-region-failover-web.yaml, against the storefront the drill test builds in moto:
// none of its AWS targets is missing, and the checks only read.
func TestCheckLargestLibraryRunbook(t *testing.T) {
	c := newCheckCloud(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	setup := newAWSClients(t, c.moto).createStorefront(ctx, t)
	c.grantAll(t)
	c.quotas.Set("ec2/L-1216C47A", 64)
	c.quotas.Set("fargate/L-3032A538", 64)
	e := c.env(t)
	params := map[string]string{
		"hosted_zone_id": setup.zoneID, "record_name": storefront.record, "drill_record_name": storefront.drillRecord,
		"dr_alb_dns": storefront.drLB, "dr_alb_zone_id": storefront.drLBZone,
		"global_cluster": storefront.global, "dr_cluster_arn": setup.drClusterARN, "dr_writer_instance": storefront.drWriter,
		"asg_name": storefront.asg, "asg_capacity": "2", "ecs_cluster": storefront.ecsCluster,
		"ecs_service": storefront.ecsService, "ecs_count": "3",
	}
	args := append([]string{"check", regionFailoverRunbook, "--output", "json"}, c.params(t, regionFailoverRunbook, params)...)
	began := time.Now()
	out, errOut, code := e.cli(args...)
	took := time.Since(began)
	require.Contains(t, []int{0, 1}, code, "%s%s", out, errOut)
	var reps []readiness.Report
	require.NoError(t, json.Unmarshal([]byte(out), &reps), out)
	t.Logf("bcdr check %s: %s, %d findings, in %s", regionFailoverRunbook, reps[0].Result, len(reps[0].Findings), took)
	rb, err := parseFile(regionFailoverRunbook, mustRegistry(t))
	require.NoError(t, err)
	for _, f := range reps[0].Findings {
		t.Logf("  %-22s %-12s %-12s %s", f.Step, f.Check, f.Result, f.Reason)
		// the AWS steps' targets, roles and quotas; the public names of the storefront
		// resolve only through the drill test's proxy, and moto has no primary alarm
		st := rb.Step(f.Step)
		if st != nil && strings.HasPrefix(st.Uses, "aws.") && f.Check != "probe" {
			assert.NotEqual(t, readiness.NotReady, f.Result, "%s %s: %s", f.Step, f.Check, f.Reason)
		}
	}
	assert.Empty(t, readOnly(c.proxy.Log()), "a check only reads")
}

// TestCheckUsageErrors: a usage error exits 2 and says what is wrong and where.
func TestCheckUsageErrors(t *testing.T) {
	e := newEnv(t)
	demo := "../../runbooks/library/demo-failover.yaml"
	bad := filepath.Join(e.dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: bad}\nsteps:\n  - id: a\n    uses: no.such.kind\n"), 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check"}, "check: give one or more runbook files"},
		{[]string{"check", demo, "--mode", "tabletop"}, `--mode "tabletop": must be live or drill`},
		{[]string{"check", demo, "--output", "yaml"}, `--output "yaml": must be one of text, json`},
		{[]string{"check", demo, "--bogus"}, "unknown flag: --bogus"},
		{[]string{"check", demo, "-p", "nope=1"}, "--param nope: no runbook given declares it"},
		{[]string{"check", demo, "-p", "novalue"}, `--param "novalue": want name=value`},
		{[]string{"check", bad}, "bad.yaml:6:11: "},
		{[]string{"check", filepath.Join(e.dir, "missing.yaml")}, "missing.yaml: the runbook file does not exist; check the path"},
	} {
		out, errOut, code := e.cli(tc.args...)
		assert.Equal(t, 2, code, "%v: %s%s", tc.args, out, errOut)
		assert.Contains(t, errOut, tc.want, "%v", tc.args)
		assert.NotContains(t, errOut, "*", "no Go type names")
	}
}

// TestCheckDemoRunbook checks the bundled demo's runbook without AWS: the approvers'
// group has members (alice and bob, in the test configuration), the router's URL
// resolves; nothing is not ready.
func TestCheckDemoRunbook(t *testing.T) {
	e := newEnv(t)
	out, errOut, code := e.cli("check", "../../runbooks/library/demo-failover.yaml", "--dev", "--no-permissions")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Regexp(t, `approve_failover\s+approvers\s+ready\s+\S+\s+2 people can approve, quorum 1`, out)
	assert.Regexp(t, `failover\s+target\s+ready\s+\S+\s+host "127.0.0.1" resolves \(127.0.0.1\)`, out)
	assert.NotContains(t, out, "not ready")
}

// TestCheckSaysWhetherADrillProvedThisVersion: a live check reads the evidence store; a
// passed drill of the same digest, authorized for the runbook's service, proves the
// version (the proof rule); an edit makes it unproven and the finding names the last
// proven version.
func TestCheckSaysWhetherADrillProvedThisVersion(t *testing.T) {
	e := newEnv(t)
	file, rb, store := writeFailover(t, e)
	ended := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	_, err := store.Append(context.Background(), workflows.Status{RunID: "forged", Runbook: "failover", Version: "1.0.0", Digest: rb.Source.Digest,
		Service: "web", Mode: workflows.ModeDrill, State: workflows.RunSucceeded, StartedAt: ended.Add(-2 * time.Minute), EndedAt: ended.Add(-time.Minute)})
	require.NoError(t, err)
	out, errOut, code := e.cli("check", file, "--no-permissions")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Contains(t, out, "was never proven by a drill; no drill proved any version of runbook failover", "a drill nobody was authorized to start for the service proves nothing")

	_, err = store.Append(context.Background(), workflows.Status{RunID: "drill-1", Runbook: "failover", Version: "1.0.0", Digest: rb.Source.Digest,
		Service: "web", Authorized: []string{"web"}, Mode: workflows.ModeDrill, State: workflows.RunSucceeded, StartedAt: ended.Add(-time.Minute), EndedAt: ended})
	require.NoError(t, err)

	out, errOut, code = e.cli("check", file, "--no-permissions")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Regexp(t, `\(runbook\)\s+proven\s+ready\s+\S+\s+this version \(sha256:\w+\) was proven by drill drill-1 on 2026-11-02`, out)
	// the worker's scheduled check states the same proof: one readiness.Check for both
	scheduled := readinessChecks(&config.Config{DataDir: filepath.Join(e.dir, "data")}, slog.New(slog.DiscardHandler), nil)
	rep, err := scheduled(context.Background(), readiness.Request{Runbook: *rb})
	require.NoError(t, err)
	require.NotEmpty(t, rep.Findings)
	last := rep.Findings[len(rep.Findings)-1]
	assert.Equal(t, "proven", last.Check)
	assert.Contains(t, last.Reason, "was proven by drill drill-1 on 2026-11-02")

	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(failoverV1, "1.0.0", "1.1.0", 1)), 0o600))
	out, _, code = e.cli("check", file, "--no-permissions")
	assert.Equal(t, 0, code, "unproven is a warning")
	assert.Contains(t, out, "failover ("+file+", live): WARNING")
	assert.Contains(t, out, "was never proven by a drill; last proven version 1.0.0 (sha256:")
	assert.Contains(t, out, ") on 2026-11-02 (drill drill-1)")

	out, _, _ = e.cli("check", file, "--no-permissions", "--mode", "drill")
	assert.NotContains(t, out, "proven", "a drill needs no proof")
}
