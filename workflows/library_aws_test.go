package workflows

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/runbooks"
)

// sessionsCloud is the service dynamodb-global-table-switch.yaml switches, as the test
// builds it in moto: the table and the API's ECS service in both regions, the drill copy
// of the API in the secondary region, and the API's name in Route 53.
type sessionsCloud struct {
	ddb     map[string]*dynamodb.Client // by region
	ecs     map[string]*ecs.Client
	r53     *route53.Client
	aas     *applicationautoscaling.Client // in the secondary region
	zoneID  string
	primary string // the primary API load balancer, the API record's value
}

const (
	sessionsPrimary   = "us-east-1"
	sessionsSecondary = "us-west-2"
)

func newSessionsCloud(ctx context.Context, t *testing.T, endpoint string) *sessionsCloud {
	c := &sessionsCloud{ddb: map[string]*dynamodb.Client{}, ecs: map[string]*ecs.Client{},
		primary: "sessions-primary.us-east-1.elb.amazonaws.com"}
	for _, region := range []string{sessionsPrimary, sessionsSecondary} {
		cfg := awstest.SDKConfig(t, endpoint, region)
		c.ddb[region], c.ecs[region] = dynamodb.NewFromConfig(cfg), ecs.NewFromConfig(cfg)
		if region == sessionsPrimary {
			c.r53 = route53.NewFromConfig(cfg)
		}
		_, err := c.ddb[region].CreateTable(ctx, awstest.KeyTable("sessions"))
		require.NoError(t, err)
		_, err = c.ecs[region].CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String("sessions")})
		require.NoError(t, err)
		td, err := c.ecs[region].RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
			Family: awssdk.String("sessions-api"),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{
				Name: awssdk.String("api"), Image: awssdk.String("sessions-api:1"), Memory: awssdk.Int32(256),
			}},
		})
		require.NoError(t, err)
		services := map[string]int32{"sessions-api": 2}
		if region == sessionsSecondary {
			services = map[string]int32{"sessions-api": 1, "sessions-api-drill": 0}
		}
		for name, count := range services {
			_, err = c.ecs[region].CreateService(ctx, &ecs.CreateServiceInput{
				Cluster: awssdk.String("sessions"), ServiceName: awssdk.String(name),
				TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: awssdk.Int32(count),
			})
			require.NoError(t, err)
			// moto runs a service's tasks when its count is updated, not when it is created
			_, err = c.ecs[region].UpdateService(ctx, &ecs.UpdateServiceInput{
				Cluster: awssdk.String("sessions"), Service: awssdk.String(name), DesiredCount: awssdk.Int32(count),
			})
			require.NoError(t, err)
		}
	}
	// the secondary API scales with Application Auto Scaling, within its standby's range
	cfg := awstest.SDKConfig(t, endpoint, sessionsSecondary)
	c.aas = applicationautoscaling.NewFromConfig(cfg)
	_, err := c.aas.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: awssdk.String("service/sessions/sessions-api"),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: awssdk.Int32(1), MaxCapacity: awssdk.Int32(2),
	})
	require.NoError(t, err)
	c.zoneID = hostedZone(ctx, t, c.r53, "example.com", r53types.Change{Action: r53types.ChangeActionCreate,
		ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: awssdk.String("sessions.example.com."), Type: r53types.RRTypeCname, TTL: awssdk.Int64(60),
			ResourceRecords: []r53types.ResourceRecord{{Value: awssdk.String(c.primary)}},
		}})
	require.NoError(t, err)
	return c
}

// replicate plays the global table's replication, which moto does not do: it copies
// the primary's items to the secondary until ctx ends.
func (c *sessionsCloud) replicate(ctx context.Context) {
	for ctx.Err() == nil {
		out, err := c.ddb[sessionsPrimary].Scan(ctx, &dynamodb.ScanInput{TableName: awssdk.String("sessions")})
		if err == nil {
			for _, item := range out.Items {
				_, _ = c.ddb[sessionsSecondary].PutItem(ctx, &dynamodb.PutItemInput{TableName: awssdk.String("sessions"), Item: item})
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *sessionsCloud) desiredCount(ctx context.Context, t *testing.T, region, service string) int32 {
	out, err := c.ecs[region].DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster: awssdk.String("sessions"), Services: []string{service},
	})
	require.NoError(t, err)
	require.Len(t, out.Services, 1)
	return out.Services[0].DesiredCount
}

// cnames are the zone's CNAME records, name to value.
func (c *sessionsCloud) cnames(ctx context.Context, t *testing.T) map[string]string {
	out, err := c.r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: awssdk.String(c.zoneID)})
	require.NoError(t, err)
	records := map[string]string{}
	for _, rs := range out.ResourceRecordSets {
		if rs.Type == r53types.RRTypeCname {
			records[awssdk.ToString(rs.Name)] = awssdk.ToString(rs.ResourceRecords[0].Value)
		}
	}
	return records
}

// web stands in for the HTTP side of a run (http.check and notify): it answers every
// health check from the region whose load balancer the test says the name reaches,
// and keeps the messages.
type web struct {
	mu       sync.Mutex
	checked  []string
	messages []string
}

func (w *web) register(h *harness) {
	byName := map[string]runbooks.Kind{}
	for _, k := range runbooks.Builtins() {
		byName[k.Name] = k
	}
	activities.Register(h.env,
		activities.Action{Kind: byName[runbooks.KindHTTPCheck], Fn: func(_ context.Context, req activities.Request) (activities.Result, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			url, _ := req.With["url"].(string)
			w.checked = append(w.checked, url)
			region := sessionsPrimary
			if strings.Contains(url, "drill.") {
				region = sessionsSecondary
			}
			return activities.Result{"status": 200, "latency_ms": 3.0, "body": `{"region":"` + region + `"}`}, nil
		}},
		activities.Action{Kind: byName[runbooks.KindNotify], Fn: func(_ context.Context, req activities.Request) (activities.Result, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			msg, _ := req.With["message"].(string)
			w.messages = append(w.messages, msg)
			return activities.Result{}, nil
		}},
	)
}

// TestDynamoDBSwitchDrillMovesNothingInProduction runs the library's DynamoDB global
// table switch as a drill with the real AWS actions against moto: the canary replicates,
// the drill copy of the API scales up and back, a drill name points at the secondary API
// and is removed; the primary writers, the real secondary API and the API's name stay
// as they were, the report says what was simulated, and the run's RPO is measured from
// the canary.
func TestDynamoDBSwitchDrillMovesNothingInProduction(t *testing.T) {
	endpoint := awstest.StartMoto(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cloud := newSessionsCloud(ctx, t, endpoint)
	go cloud.replicate(ctx)

	h, kinds := awsHarness(t, endpoint)
	var w web
	w.register(h)
	rb := loadLibrary(t, "dynamodb-global-table-switch.yaml", kinds)
	params, err := runbooks.ResolveParams(rb, map[string]string{
		"primary_region": sessionsPrimary, "secondary_region": sessionsSecondary, "ecs_count": "3",
		"hosted_zone_id": cloud.zoneID, "secondary_api_dns": "sessions-dr.us-west-2.elb.amazonaws.com",
		// a drill reads no routing control here: the drill checks the writers, and moves a drill name
		"arc_cluster_endpoints":  "https://host-a.route53-recovery-cluster.us-west-2.amazonaws.com/v1",
		"primary_api_control":    "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/use1",
		"secondary_api_control":  "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/usw2",
		"primary_writes_control": "arn:aws:route53-recovery-control::123456789012:controlpanel/cp/routingcontrol/writes",
	})
	require.NoError(t, err)

	st, err := h.run(t, *rb, func(in *Input) { in.Mode, in.Params = ModeDrill, params })
	require.NoError(t, err, "%s", st.Error)
	assert.Equal(t, RunSucceeded, st.State)
	assert.Empty(t, st.Leftovers)

	assert.Equal(t, StepSkipped, st.Step("approve").Status, "nothing to approve in a drill")
	for _, id := range []string{"stop_primary_writers", "scale_secondary", "secondary_stable", "switch_traffic", "verify"} {
		s := st.Step(id)
		assert.Equal(t, StepSucceeded, s.Status, "%s: %s", id, s.Error)
		assert.True(t, s.Drill, "%s ran its drill variant", id)
	}
	assert.EqualValues(t, 2, st.Step("stop_primary_writers").Outputs["running_count"], "the writers were checked, not stopped")
	assert.EqualValues(t, 0, st.Step("scale_secondary").Outputs["previous_desired_count"])
	assert.EqualValues(t, 3, st.Step("secondary_stable").Outputs["running_count"], "the drill copy ran the full count")
	assert.Equal(t, true, st.Step("canary_replicated").Outputs["found"])
	assert.Empty(t, st.RPOError)
	assert.Equal(t, st.Step("canary_replicated").Outputs["written_at"], st.RPOMarkerAt.Format(time.RFC3339Nano),
		"the RPO is measured from the canary read back in the secondary region")
	assert.Zero(t, st.RPOActual, "the canary was written after the clock started: nothing before it was lost")
	for _, id := range []string{"scale_secondary", "switch_traffic"} {
		require.NotNil(t, st.Step(id).Cleanup, id)
		assert.Empty(t, st.Step(id).Cleanup.Error, id)
	}

	assert.EqualValues(t, 2, cloud.desiredCount(ctx, t, sessionsPrimary, "sessions-api"), "the primary writers kept running")
	assert.EqualValues(t, 1, cloud.desiredCount(ctx, t, sessionsSecondary, "sessions-api"), "the real secondary API was not scaled")
	assert.EqualValues(t, 0, cloud.desiredCount(ctx, t, sessionsSecondary, "sessions-api-drill"), "the drill copy is back at 0")
	min, max := cloud.scalableRange(ctx, t)
	assert.Equal(t, [2]int32{1, 2}, [2]int32{min, max}, "the real secondary API's auto scaling range was not touched")
	assert.Equal(t, map[string]string{"sessions.example.com.": cloud.primary}, cloud.cnames(ctx, t),
		"the API's name still points at the primary; the drill name is gone")

	w.mu.Lock()
	defer w.mu.Unlock()
	assert.Contains(t, w.checked, "https://drill.sessions.example.com/healthz", "verify went through the drill name")
	assert.Contains(t, w.checked, "https://sessions.example.com/healthz", "the steady-state probe watched production")
	require.Len(t, w.messages, 1)
	assert.Contains(t, w.messages[0], "Drill: sessions writers stayed in us-east-1; nothing in production moved.")
	assert.Contains(t, w.messages[0], "sessions-api-drill ran 3 tasks in us-west-2")
	assert.Contains(t, w.messages[0], "Canary replication lag: ")
	assert.NotContains(t, w.messages[0], "not measured")
}

// scalableRange is the secondary API's Application Auto Scaling range.
func (c *sessionsCloud) scalableRange(ctx context.Context, t *testing.T) (int32, int32) {
	out, err := c.aas.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{"service/sessions/sessions-api"}})
	require.NoError(t, err)
	require.Len(t, out.ScalableTargets, 1)
	return awssdk.ToInt32(out.ScalableTargets[0].MinCapacity), awssdk.ToInt32(out.ScalableTargets[0].MaxCapacity)
}
