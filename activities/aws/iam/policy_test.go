package iam_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/iam"
	"github.com/bcdr/bcdr/internal/librarytest"
	"github.com/bcdr/bcdr/runbooks"
)

// policyOf is the policy of one runbook, which ForRunbooks must accept.
func policyOf(t *testing.T, reg *runbooks.Registry, rb *runbooks.Runbook, opts iam.Options) *iam.Policy {
	t.Helper()
	p, err := iam.ForRunbooks([]*runbooks.Runbook{rb}, reg, opts)
	require.NoError(t, err)
	return p
}

func load(t *testing.T, reg *runbooks.Registry, path string) *runbooks.Runbook {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	rb, diags := runbooks.Parse(path, src, reg)
	require.False(t, diags.HasErrors(), "%v", diags)
	return rb
}

func parse(t *testing.T, reg *runbooks.Registry, src string) *runbooks.Runbook {
	t.Helper()
	rb, diags := runbooks.Parse("test.yaml", []byte(src), reg)
	require.False(t, diags.HasErrors(), "%v", diags)
	return rb
}

// statementsFor returns the statements that allow action.
func statementsFor(p *iam.Policy, action string) []iam.Statement {
	var out []iam.Statement
	for _, s := range p.Statement {
		for _, a := range s.Action {
			if a == action {
				out = append(out, s)
			}
		}
	}
	return out
}

func resourcesOf(p *iam.Policy, action string) []string {
	var out []string
	for _, s := range statementsFor(p, action) {
		out = append(out, s.Resource...)
	}
	return out
}

func TestRegionFailoverNarrowsToNamedResources(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := load(t, reg, "../../../runbooks/library/aws-region-failover-web.yaml")
	p := policyOf(t, reg, rb, iam.Options{
		Account: "111122223333",
		Params: map[string]string{
			"hosted_zone_id": "Z0123456789ABCDEFGHIJ", "dr_alb_dns": "dr-alb.us-west-2.elb.amazonaws.com",
			"dr_alb_zone_id": "Z1H1FL5HABSF5", "dr_cluster_arn": "arn:aws:rds:us-west-2:111122223333:cluster:storefront-dr",
		},
	})
	assert.Equal(t, "2012-10-17", p.Version)

	assert.Equal(t, []string{"arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"}, resourcesOf(p, "route53:ChangeResourceRecordSets"))
	assert.Equal(t, []string{"arn:aws:route53:::change/*"}, resourcesOf(p, "route53:GetChange"))
	assert.Equal(t, []string{"arn:aws:autoscaling:us-west-2:111122223333:autoScalingGroup:*:autoScalingGroupName/storefront-dr-web"},
		resourcesOf(p, "autoscaling:UpdateAutoScalingGroup"))
	assert.Equal(t, []string{"arn:aws:ecs:us-west-2:111122223333:service/storefront-dr/storefront-api"}, resourcesOf(p, "ecs:UpdateService"))
	assert.Equal(t, []string{"arn:aws:rds:us-west-2:111122223333:cluster:storefront-dr"}, resourcesOf(p, "rds:DescribeDBClusters"),
		"db_writable waits for the DR cluster's writer")
	assert.ElementsMatch(t, []string{
		"arn:aws:cloudwatch:us-west-2:111122223333:alarm:storefront-primary-region-health",
		"arn:aws:cloudwatch:us-west-2:111122223333:alarm:storefront-dr-aurora-replication-lag",
	}, resourcesOf(p, "cloudwatch:DescribeAlarms"), "the steady-state probe's alarm too")

	// The failover names the global cluster and the DR cluster; the rollback switches back
	// to the cluster the run records, which only the run knows, in whatever region it is
	// (the rollback calls RDS in the DR region, the old primary is elsewhere).
	assert.ElementsMatch(t, []string{
		"arn:aws:rds::111122223333:global-cluster:storefront-global",
		"arn:aws:rds:us-west-2:111122223333:cluster:storefront-dr",
	}, resourcesOf(p, "rds:FailoverGlobalCluster"))
	assert.ElementsMatch(t, []string{
		"arn:aws:rds::111122223333:global-cluster:storefront-global",
		"arn:aws:rds:*:111122223333:cluster:*",
	}, resourcesOf(p, "rds:SwitchoverGlobalCluster"))

	// DescribeAutoScalingGroups has no resource-level permissions: "*" in the DR region only.
	st := statementsFor(p, "autoscaling:DescribeAutoScalingGroups")
	require.Len(t, st, 1)
	assert.Equal(t, []string{"*"}, st[0].Resource)
	assert.Equal(t, iam.Condition{"StringEquals": {"aws:RequestedRegion": {"us-west-2"}}}, st[0].Condition)

	assert.Empty(t, statementsFor(p, "sts:AssumeRole"), "no step assumes a role")
	assertValid(t, p)
}

func TestUnknownValuesBecomeWildcardSegments(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := load(t, reg, "../../../runbooks/library/aws-region-failover-web.yaml")
	p := policyOf(t, reg, rb, iam.Options{})
	assert.Equal(t, []string{"arn:aws:route53:::hostedzone/*"}, resourcesOf(p, "route53:ChangeResourceRecordSets"),
		"the hosted zone is a required parameter not given")
	assert.Contains(t, resourcesOf(p, "rds:FailoverGlobalCluster"), "arn:aws:rds:*:*:cluster:*")
	assert.Contains(t, resourcesOf(p, "ecs:UpdateService"), "arn:aws:ecs:us-west-2:*:service/storefront-dr/storefront-api",
		"defaults still narrow")
	assertValid(t, p)
}

func TestStepsWithRoleNeedAssumeRoleAndTheRoleItsActions(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := parse(t, reg, `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: cross-account}
parameters:
  - {name: zone, type: string, required: true}
steps:
  - id: local
    uses: aws.dynamodb.replica_status
    with: {region: eu-west-1, table: orders}
  - id: remote
    uses: aws.route53.upsert_record
    with:
      role_arn: arn:aws:iam::444455556666:role/bcdr-target
      external_id: bcdr-prod
      hosted_zone_id: ${{ params.zone }}
      name: api.example.com
      type: CNAME
      values: [dr.example.com]
`)
	worker := policyOf(t, reg, rb, iam.Options{Params: map[string]string{"zone": "ZONE1"}})
	assert.Equal(t, []string{"arn:aws:iam::444455556666:role/bcdr-target"}, resourcesOf(worker, "sts:AssumeRole"))
	assert.Equal(t, []string{"arn:aws:dynamodb:eu-west-1:*:table/orders"}, resourcesOf(worker, "dynamodb:DescribeTable"))
	assert.Empty(t, statementsFor(worker, "route53:ChangeResourceRecordSets"), "the role does that, not the worker")

	role := policyOf(t, reg, rb, iam.Options{Params: map[string]string{"zone": "ZONE1"}, Role: "arn:aws:iam::444455556666:role/bcdr-target"})
	assert.Equal(t, []string{"arn:aws:route53:::hostedzone/ZONE1"}, resourcesOf(role, "route53:ChangeResourceRecordSets"))
	assert.Empty(t, statementsFor(role, "dynamodb:DescribeTable"))
	assert.Empty(t, statementsFor(role, "sts:AssumeRole"))
	assertValid(t, worker)
	assertValid(t, role)

	_, err := iam.ForRunbooks([]*runbooks.Runbook{rb}, reg, iam.Options{Role: "bcdr-target"})
	assert.ErrorContains(t, err, "not an IAM role ARN")
}

func TestParameterNoRunbookDeclaresIsAnError(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := load(t, reg, "../../../runbooks/library/aws-region-failover-web.yaml")
	_, err := iam.ForRunbooks([]*runbooks.Runbook{rb}, reg, iam.Options{Params: map[string]string{"hosted_zone": "Z1"}})
	assert.ErrorContains(t, err, `parameter "hosted_zone": no runbook given declares it`)
}

func TestPassRoleIsLimitedToTheService(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := load(t, reg, "../../../runbooks/library/restore-from-backup-test.yaml")
	p := policyOf(t, reg, rb, iam.Options{Account: "111122223333"})
	st := statementsFor(p, "iam:PassRole")
	require.Len(t, st, 1)
	assert.Equal(t, iam.Condition{"StringEquals": {"iam:PassedToService": {"backup.amazonaws.com"}}}, st[0].Condition)
	assertValid(t, p)
}

// TestEveryKindActionHasARule makes a new step kind's IAM action a decision: narrowed to
// resources, or "*" because AWS allows nothing narrower.
func TestEveryKindActionHasARule(t *testing.T) {
	for _, k := range librarytest.Registry(t).Kinds() {
		for _, a := range k.IAMActions {
			assert.True(t, iam.HasRule(a), "kind %s: IAM action %s has no rule in iam/resources.go", k.Name, a)
		}
	}
}

func TestLibraryPolicies(t *testing.T) {
	reg := librarytest.Registry(t)
	files, err := filepath.Glob("../../../runbooks/library/*.yaml")
	require.NoError(t, err)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			assertValid(t, policyOf(t, reg, load(t, reg, f), iam.Options{}))
		})
	}
}

// assertValid checks the policy as JSON: the IAM policy grammar bcdr writes, and no
// wildcard in any action.
func assertValid(t *testing.T, p *iam.Policy) {
	t.Helper()
	doc, err := json.Marshal(p)
	require.NoError(t, err)
	var raw struct {
		Version   string
		Statement []map[string]any
	}
	require.NoError(t, json.Unmarshal(doc, &raw))
	assert.Equal(t, "2012-10-17", raw.Version)
	sids := map[string]bool{}
	for _, st := range raw.Statement {
		assert.Equal(t, "Allow", st["Effect"])
		sid, _ := st["Sid"].(string)
		assert.Regexp(t, `^[A-Za-z0-9]+$`, sid)
		assert.False(t, sids[sid], "Sid %s is unique", sid)
		sids[sid] = true
		actions, _ := st["Action"].([]any)
		require.NotEmpty(t, actions)
		for _, a := range actions {
			s, _ := a.(string)
			assert.Regexp(t, `^[a-z0-9-]+:[A-Za-z0-9]+$`, s)
			assert.NotContains(t, s, "*")
		}
		resources, _ := st["Resource"].([]any)
		require.NotEmpty(t, resources)
		for _, r := range resources {
			s, _ := r.(string)
			assert.True(t, s == "*" || strings.HasPrefix(s, "arn:aws:"), "resource %q", s)
		}
	}
}

func TestEvidenceStoreStatements(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := parse(t, reg, "apiVersion: bcdr.io/v1\nkind: Runbook\nmetadata: {name: none}\nsteps:\n  - {id: a, uses: noop}\n")
	p := policyOf(t, reg, rb, iam.Options{
		Evidence: &iam.EvidenceStore{Bucket: "acme-evidence", Prefix: "bcdr/evidence", Retention: true},
	})
	assert.Equal(t, []string{"arn:aws:s3:::acme-evidence/bcdr/evidence/*"}, resourcesOf(p, "s3:PutObject"))
	assert.Equal(t, []string{"arn:aws:s3:::acme-evidence/bcdr/evidence/*"}, resourcesOf(p, "s3:PutObjectRetention"))
	st := statementsFor(p, "s3:ListBucket")
	require.Len(t, st, 1)
	assert.Equal(t, iam.Condition{"StringLike": {"s3:prefix": {"bcdr/evidence/*"}}}, st[0].Condition)
	assert.Empty(t, statementsFor(p, "s3:DeleteObject"))
	assertValid(t, p)
}

// TestMarkersCanTellAMissingKeyFromADeniedOne: without s3:ListBucket, S3 answers a marker
// that has not arrived yet with 403 (non-retryable) instead of 404, so the replication
// check would fail on its first poll under its own policy (GetObject, "Permissions":
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
func TestMarkersCanTellAMissingKeyFromADeniedOne(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := load(t, reg, "../../../runbooks/library/s3-replication-verification.yaml")
	p := policyOf(t, reg, rb, iam.Options{Account: "111122223333",
		Params: map[string]string{"source_bucket": "docs-primary", "destination_bucket": "docs-dr"}})
	assert.Subset(t, resourcesOf(p, "s3:ListBucket"), []string{"arn:aws:s3:::docs-primary", "arn:aws:s3:::docs-dr"})
	// an SSE-KMS bucket: the key only through S3, in the bucket's region
	for _, st := range statementsFor(p, "kms:Decrypt") {
		assert.Contains(t, st.Condition["StringEquals"]["kms:ViaService"][0], "s3.")
	}
	require.NotEmpty(t, statementsFor(p, "kms:GenerateDataKey"), "put_marker writes to SSE-KMS buckets")
	assertValid(t, p)
}

// TestAutomationRoleIsPassedToSSMOnly: StartAutomationExecution with an
// AutomationAssumeRole needs iam:PassRole on that role ("Configure your Automation role",
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-setup-iam.html).
func TestAutomationRoleIsPassedToSSMOnly(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := parse(t, reg, `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: automation}
parameters:
  - {name: automation_role, type: string, default: "arn:aws:iam::111122223333:role/bcdr-automation"}
steps:
  - id: restart
    uses: aws.ssm.start_automation
    with:
      region: eu-west-1
      document_name: Restart-App
      parameters: {AutomationAssumeRole: "${{ params.automation_role }}", InstanceId: i-1}
  - id: unknown_role
    uses: aws.ssm.start_automation
    with: {region: eu-west-1, document_name: AWS-RestartEC2Instance}
`)
	p := policyOf(t, reg, rb, iam.Options{Account: "111122223333"})
	st := statementsFor(p, "iam:PassRole")
	require.Len(t, st, 1)
	assert.ElementsMatch(t, []string{"arn:aws:iam::111122223333:role/bcdr-automation", "arn:aws:iam::111122223333:role/*"}, st[0].Resource)
	assert.Equal(t, iam.Condition{"StringEquals": {"iam:PassedToService": {"ssm.amazonaws.com"}}}, st[0].Condition)
	assertValid(t, p)
}

// TestEncryptedRestoreMayCreateAGrantThroughRDSOnly: restoring an encrypted snapshot needs
// kms:CreateGrant and kms:DescribeKey on its key ("Authorizing use of a customer managed
// key", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html),
// and the policy allows them only through RDS.
func TestEncryptedRestoreMayCreateAGrantThroughRDSOnly(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := load(t, reg, "../../../runbooks/library/rds-restore-from-snapshot.yaml")
	p := policyOf(t, reg, rb, iam.Options{Account: "111122223333"})
	for _, action := range []string{"kms:CreateGrant", "kms:DescribeKey"} {
		st := statementsFor(p, action)
		require.Len(t, st, 1, action)
		assert.Equal(t, []string{"arn:aws:kms:us-east-1:111122223333:key/*"}, st[0].Resource)
		assert.Equal(t, iam.Condition{"StringEquals": {"kms:ViaService": {"rds.us-east-1.amazonaws.com"}}}, st[0].Condition)
	}
	assertValid(t, p)
}
