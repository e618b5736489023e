package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/drs"
	drstypes "github.com/aws/aws-sdk-go-v2/service/drs/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// tagRequestToken marks a DRS job with the step that started it: StartRecovery has no
// client token, so a retried step looks for a recent job with its token instead.
const tagRequestToken = "bcdr:request-token"

// ---- aws.drs.start_recovery

type startRecoveryInput struct {
	SourceServerIDs []string          `json:"source_server_ids"`
	IsDrill         bool              `json:"is_drill"`
	Tags            map[string]string `json:"tags,omitempty"`
	Wait            bool              `json:"wait"`
	Scope
}

var drsStartRecoverySpec = newSpec[startRecoveryInput](runbooks.Kind{
	Name: "aws.drs.start_recovery",
	Description: "Start an Elastic Disaster Recovery recovery job (a drill when is_drill, which must be given) for source servers. " +
		"The job is tagged with a token from the run and step, and a retried step adopts its job instead of starting another.",
	Inputs: []runbooks.Field{
		required(field("source_server_ids", runbooks.TypeList, "DRS source server ids (s-...)")),
		required(field("is_drill", runbooks.TypeBool, "launch drill instances (true) or recover for real (false)")),
		field("tags", runbooks.TypeMap, "tags for the job"),
		waitInput(false, "the job has completed and every server launched"),
	},
	Outputs: drsJobOutputs,
	// StartRecovery's dependent actions (DRS launches the recovery instances with the caller's permissions)
	IAMActions: []string{"drs:StartRecovery", "drs:DescribeJobs", "drs:TagResource", "drs:ListTagsForResource",
		"drs:CreateRecoveryInstanceForDrs", "ec2:AttachVolume", "ec2:AuthorizeSecurityGroupEgress",
		"ec2:AuthorizeSecurityGroupIngress", "ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion",
		"ec2:CreateSecurityGroup", "ec2:CreateSnapshot", "ec2:CreateTags", "ec2:CreateVolume",
		"ec2:DeleteLaunchTemplateVersions", "ec2:DeleteSnapshot", "ec2:DeleteVolume", "ec2:DescribeAccountAttributes",
		"ec2:DescribeAvailabilityZones", "ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeInstanceTypes",
		"ec2:DescribeLaunchTemplateVersions", "ec2:DescribeLaunchTemplates", "ec2:DescribeSecurityGroups",
		"ec2:DescribeSnapshots", "ec2:DescribeSubnets", "ec2:DescribeVolumes", "ec2:DetachVolume",
		"ec2:ModifyInstanceAttribute", "ec2:ModifyLaunchTemplate", "ec2:RevokeSecurityGroupEgress", "ec2:RunInstances",
		"ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances", "iam:PassRole"},
	SideEffects:     true,
	DefaultEstimate: estimate(20 * time.Minute),
})

var drsJobOutputs = []runbooks.Field{
	field("job_id", runbooks.TypeString, "DRS job id"),
	field("status", runbooks.TypeString, "PENDING, STARTED or COMPLETED"),
	field("recovery_instance_ids", runbooks.TypeList, "recovery instances launched"),
}

type recoveryStarter interface {
	StartRecovery(context.Context, *drs.StartRecoveryInput, ...func(*drs.Options)) (*drs.StartRecoveryOutput, error)
	jobDescriber
}

type jobDescriber interface {
	DescribeJobs(context.Context, *drs.DescribeJobsInput, ...func(*drs.Options)) (*drs.DescribeJobsOutput, error)
}

// DRSStartRecovery carries out aws.drs.start_recovery.
func (a *Actions) DRSStartRecovery(ctx context.Context, req activities.Request) (activities.Result, error) {
	return drsStartRecoverySpec.run(ctx, req, withClient(a.drsClient, func(ctx context.Context, req activities.Request, in startRecoveryInput, c *drs.Client) (activities.Result, error) {
		return a.startRecovery(ctx, c, req, in, time.Now())
	}))
}

func (in startRecoveryInput) validate() error {
	if len(in.SourceServerIDs) == 0 {
		return errors.New("source_server_ids is empty")
	}
	return nil
}

func (a *Actions) startRecovery(ctx context.Context, c recoveryStarter, req activities.Request, in startRecoveryInput, now time.Time) (activities.Result, error) {
	token := requestToken(req, "drs")
	what := fmt.Sprintf("start DRS recovery of %s", strings.Join(in.SourceServerIDs, ", "))
	job, err := findJobByToken(ctx, c, token, now)
	if err != nil {
		return nil, classify(err, "%s: look for a job this step started", what)
	}
	if job == nil {
		tags := map[string]string{tagRequestToken: token, tagRunID: req.RunID}
		for k, v := range in.Tags {
			tags[k] = v
		}
		servers := make([]drstypes.StartRecoveryRequestSourceServer, len(in.SourceServerIDs))
		for i, id := range in.SourceServerIDs {
			servers[i] = drstypes.StartRecoveryRequestSourceServer{SourceServerID: awssdk.String(id)}
		}
		logChange(ctx, "start DRS recovery", "source_servers", in.SourceServerIDs, "drill", in.IsDrill)
		out, err := c.StartRecovery(ctx, &drs.StartRecoveryInput{SourceServers: servers, IsDrill: awssdk.Bool(in.IsDrill), Tags: tags})
		if err != nil {
			return nil, classify(err, "%s", what)
		}
		job = out.Job
	}
	id := awssdk.ToString(job.JobID)
	if in.Wait {
		return a.waitJob(ctx, c, id)
	}
	return jobResult(job), nil
}

// findJobByToken returns the job of the last day tagged with token, or nil.
func findJobByToken(ctx context.Context, c jobDescriber, token string, now time.Time) (*drstypes.Job, error) {
	p := drs.NewDescribeJobsPaginator(c, &drs.DescribeJobsInput{Filters: &drstypes.DescribeJobsRequestFilters{
		FromDate: awssdk.String(now.Add(-24 * time.Hour).UTC().Format(time.RFC3339)),
	}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for i := range out.Items {
			if out.Items[i].Tags[tagRequestToken] == token {
				return &out.Items[i], nil
			}
		}
	}
	return nil, nil
}

func jobResult(job *drstypes.Job) activities.Result {
	ids := []any{}
	for _, s := range job.ParticipatingServers {
		if id := awssdk.ToString(s.RecoveryInstanceID); id != "" {
			ids = append(ids, id)
		}
	}
	return activities.Result{"job_id": awssdk.ToString(job.JobID), "status": string(job.Status), "recovery_instance_ids": ids}
}

// ---- aws.drs.wait_job

type waitJobInput struct {
	JobID string `json:"job_id"`
	Scope
}

var drsWaitJobSpec = newSpec[waitJobInput](runbooks.Kind{
	Name:            "aws.drs.wait_job",
	Description:     "Wait until an Elastic Disaster Recovery job has completed; a server whose launch failed fails the step.",
	Inputs:          []runbooks.Field{reqStr("job_id", "DRS job id from aws.drs.start_recovery")},
	Outputs:         drsJobOutputs,
	IAMActions:      []string{"drs:DescribeJobs"},
	DefaultEstimate: estimate(20 * time.Minute),
})

// DRSWaitJob carries out aws.drs.wait_job.
func (a *Actions) DRSWaitJob(ctx context.Context, req activities.Request) (activities.Result, error) {
	return drsWaitJobSpec.run(ctx, req, withClient(a.drsClient, func(ctx context.Context, req activities.Request, in waitJobInput, c *drs.Client) (activities.Result, error) {
		return a.waitJob(ctx, c, in.JobID)
	}))
}

func (a *Actions) waitJob(ctx context.Context, c jobDescriber, id string) (activities.Result, error) {
	var job *drstypes.Job
	_, err := a.poll(ctx, "DRS job "+id, func(ctx context.Context) (bool, string, error) {
		out, err := c.DescribeJobs(ctx, &drs.DescribeJobsInput{Filters: &drstypes.DescribeJobsRequestFilters{JobIDs: []string{id}}})
		if err != nil {
			return false, "", classify(err, "describe DRS job %s", id)
		}
		if len(out.Items) == 0 {
			return false, "", notFound("DRS job %s not found", id)
		}
		job = &out.Items[0]
		var failedServers []string
		launched := 0
		for _, s := range job.ParticipatingServers {
			switch s.LaunchStatus {
			case drstypes.LaunchStatusFailed, drstypes.LaunchStatusTerminated:
				failedServers = append(failedServers, fmt.Sprintf("%s %s", awssdk.ToString(s.SourceServerID), s.LaunchStatus))
			case drstypes.LaunchStatusLaunched:
				launched++
			}
		}
		state := fmt.Sprintf("%s, %d of %d launched", job.Status, launched, len(job.ParticipatingServers))
		if job.Status != drstypes.JobStatusCompleted {
			return false, state, nil
		}
		if len(failedServers) > 0 {
			return false, state, failed("DRS job %s completed, but launches failed: %s", id, strings.Join(failedServers, ", "))
		}
		return true, state, nil
	})
	if err != nil {
		return nil, err
	}
	return jobResult(job), nil
}
