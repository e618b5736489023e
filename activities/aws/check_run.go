package aws

import (
	"context"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/drs"
	drstypes "github.com/aws/aws-sdk-go-v2/service/drs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/bcdr/bcdr/readiness"
)

// checkLambda: the function (and qualifier) exists and is Active.
func (a *Actions) checkLambda(ctx context.Context, t readiness.Target, in invokeInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.lambdaClient, "function_name", "qualifier")
	if skip != nil {
		return skip
	}
	q := &lambda.GetFunctionConfigurationInput{FunctionName: awssdk.String(in.FunctionName)}
	if in.Qualifier != "" {
		q.Qualifier = awssdk.String(in.Qualifier)
	}
	out, err := c.GetFunctionConfiguration(ctx, q)
	if err != nil {
		return one(fromErr("target", classify(err, "read Lambda function %q", in.FunctionName)))
	}
	if out.State != "" && out.State != "Active" {
		return one(notReady("target", "Lambda function %q is %s, not Active: %s", in.FunctionName, out.State, awssdk.ToString(out.StateReason)))
	}
	return one(ready("target", "Lambda function %q exists (%s)", in.FunctionName, orDefault(string(out.State), "Active")))
}

// checkAutomation: the SSM document (and version) exists and is Active.
func (a *Actions) checkAutomation(ctx context.Context, t readiness.Target, in startAutomationInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.ssmClient, "document_name", "document_version")
	if skip != nil {
		return skip
	}
	q := &ssm.DescribeDocumentInput{Name: awssdk.String(in.DocumentName)}
	if in.DocumentVersion != "" {
		q.DocumentVersion = awssdk.String(in.DocumentVersion)
	}
	out, err := c.DescribeDocument(ctx, q)
	if err != nil {
		if errorCode(err) == "InvalidDocument" || errorCode(err) == "InvalidDocumentVersion" {
			return one(notReady("target", "SSM document %q (version %s) not found", in.DocumentName, orDefault(in.DocumentVersion, "default")))
		}
		return one(fromErr("target", classify(err, "describe SSM document %q", in.DocumentName)))
	}
	d := out.Document
	if d.Status != "Active" {
		return one(notReady("target", "SSM document %q is %s, not Active", in.DocumentName, d.Status))
	}
	if d.DocumentType != "Automation" {
		return one(notReady("target", "SSM document %q is a %s document; start_automation runs Automation documents", in.DocumentName, d.DocumentType))
	}
	return one(ready("target", "SSM Automation document %q exists (version %s)", in.DocumentName, awssdk.ToString(d.DocumentVersion)))
}

// checkSourceServers: every source server exists and replicates (not disconnected or
// stalled).
func (a *Actions) checkSourceServers(ctx context.Context, t readiness.Target, in startRecoveryInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.drsClient, "source_server_ids")
	if skip != nil {
		return skip
	}
	found := map[string]drstypes.SourceServer{}
	p := drs.NewDescribeSourceServersPaginator(c, &drs.DescribeSourceServersInput{
		Filters: &drstypes.DescribeSourceServersRequestFilters{SourceServerIDs: in.SourceServerIDs}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return one(fromErr("target", classify(err, "describe DRS source servers %s", strings.Join(in.SourceServerIDs, ", "))))
		}
		for _, s := range out.Items {
			found[awssdk.ToString(s.SourceServerID)] = s
		}
	}
	var out []readiness.Finding
	for _, id := range in.SourceServerIDs {
		s, ok := found[id]
		if !ok {
			out = append(out, notReady("target", "DRS source server %q not found", id))
			continue
		}
		if s.DataReplicationInfo != nil {
			switch st := s.DataReplicationInfo.DataReplicationState; st {
			case drstypes.DataReplicationStateDisconnected, drstypes.DataReplicationStateStalled,
				drstypes.DataReplicationStatePaused, drstypes.DataReplicationStateStopped:
				out = append(out, notReady("target", "DRS source server %q replication is %s", id, st))
			}
		}
	}
	if len(out) == 0 {
		out = append(out, ready("target", "DRS source servers exist and replicate: %s", strings.Join(in.SourceServerIDs, ", ")))
	}
	return out
}

func (a *Actions) checkDRSJob(ctx context.Context, t readiness.Target, in waitJobInput) []readiness.Finding {
	c, skip := targetClient(ctx, t, in.Scope, a.drsClient, "job_id")
	if skip != nil {
		return skip
	}
	out, err := c.DescribeJobs(ctx, &drs.DescribeJobsInput{Filters: &drstypes.DescribeJobsRequestFilters{JobIDs: []string{in.JobID}}})
	if err != nil {
		return one(fromErr("target", classify(err, "describe DRS job %q", in.JobID)))
	}
	if len(out.Items) == 0 {
		return one(notReady("target", "DRS job %q not found", in.JobID))
	}
	return one(ready("target", "DRS job %q is %s", in.JobID, out.Items[0].Status))
}
