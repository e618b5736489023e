package aws

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bcdr/bcdr/runbooks"
)

// TestKindsDeclareTheirPlane checks the plane and home every AWS kind declares, for the
// kinds whose answer the evacuation check depends on, and that no AWS kind is left
// without one.
func TestKindsDeclareTheirPlane(t *testing.T) {
	type where struct {
		plane runbooks.Plane
		home  string
	}
	want := map[string]where{
		"aws.route53.upsert_record":       {runbooks.PlaneControl, "us-east-1"},
		"aws.route53.wait_insync":         {runbooks.PlaneControl, "us-east-1"},
		"aws.route53.health_check_status": {runbooks.PlaneControl, "us-east-1"},
		"aws.arc.get_routing_control":     {runbooks.PlaneData, runbooks.HomeAnyRegion},
		"aws.arc.set_routing_controls":    {runbooks.PlaneData, runbooks.HomeAnyRegion},
		"aws.ecs.set_desired_count":       {runbooks.PlaneControl, ""},
		"aws.rds.failover_global_cluster": {runbooks.PlaneControl, ""},
		"aws.s3.get_marker":               {runbooks.PlaneData, ""},
		"aws.dynamodb.put_marker":         {runbooks.PlaneData, ""},
		"aws.lambda.invoke":               {runbooks.PlaneData, ""},
		// iam:PassRole is a permission SSM checks, not a call to IAM's control plane
		"aws.ssm.start_automation": {runbooks.PlaneControl, ""},
	}
	seen := 0
	for _, a := range New(Config{}).Actions() {
		k := a.Kind
		assert.NotEqual(t, runbooks.PlaneNone, k.Plane, "%s declares no plane", k.Name)
		if w, ok := want[k.Name]; ok {
			seen++
			assert.Equal(t, w, where{k.Plane, k.Home}, k.Name)
		}
	}
	assert.Equal(t, len(want), seen, "every kind in the table exists")
}

func TestPlaneOfActions(t *testing.T) {
	for _, tc := range []struct {
		actions []string
		plane   runbooks.Plane
		home    string
	}{
		{nil, runbooks.PlaneNone, ""},
		{[]string{"iam:CreateRole"}, runbooks.PlaneControl, "us-east-1"},
		{[]string{"organizations:ListAccounts"}, runbooks.PlaneControl, "us-east-1"},
		{[]string{"cloudfront:UpdateDistribution"}, runbooks.PlaneControl, "us-east-1"},
		{[]string{"s3:GetObject", "route53:GetChange"}, runbooks.PlaneControl, "us-east-1"},
		{[]string{"s3:GetObject", "rds:DescribeDBInstances"}, runbooks.PlaneControl, ""},
		{[]string{"backup:StartRestoreJob", "iam:PassRole"}, runbooks.PlaneControl, ""},
		{[]string{"dynamodb:GetItem"}, runbooks.PlaneData, ""},
	} {
		plane, home := planeOf(tc.actions)
		assert.Equal(t, tc.plane, plane, "%v", tc.actions)
		assert.Equal(t, tc.home, home, "%v", tc.actions)
	}
}
