package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/bcdr/bcdr/activities/aws/iam"
	"github.com/bcdr/bcdr/runbooks"
)

// managedPolicyLimit is the most characters (without white space) an IAM managed policy
// may hold.
const managedPolicyLimit = 6144

func newIAMPolicyCommand(a *app) *cobra.Command {
	var params []string
	var o iam.Options
	cmd := &cobra.Command{
		Use:   "iam-policy RUNBOOK...",
		Short: "Print the least-privilege AWS IAM policy the runbooks need",
		Long: `iam-policy writes the IAM policy document (JSON) that lets a worker run the given
runbooks in every mode: the AWS actions of their steps, rollbacks, drill variants and
probes, on the resources the steps name. --param gives the parameters a runbook
needs to name its resources (a hosted zone, a cluster); what only a run can know
becomes a wildcard in that ARN segment, never a wildcard action. Actions AWS does not
authorize per resource get "*", limited to the steps' regions.

Steps that assume a role (with role_arn) add sts:AssumeRole on that role; --role ARN
prints the policy that role needs in its own account instead. With an S3 evidence
store (evidence.s3_bucket), the workers' policy lets them append bundles under its
prefix, and nothing more.`,
		Example: `  bcdr iam-policy runbooks/library/aws-region-failover-web.yaml --account 111122223333 \
    --param hosted_zone_id=Z0123456789ABCDEFGHIJ > bcdr-worker-policy.json
  bcdr iam-policy failover.yaml --role arn:aws:iam::444455556666:role/bcdr-recovery`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Params, err = parseParams(params); err != nil {
				return err
			}
			if o.Region == "" {
				o.Region = a.cfg.AWS.Region
			}
			if e := a.cfg.Evidence; e.S3Bucket != "" {
				o.Evidence = &iam.EvidenceStore{Bucket: e.S3Bucket, Prefix: e.S3Prefix, Retention: e.S3Retention.Std() > 0}
			}
			reg, err := registry(a.cfg)
			if err != nil {
				return err
			}
			var rbs []*runbooks.Runbook
			for _, path := range args {
				tree, err := loadRunbook(path, reg)
				if err != nil {
					return err
				}
				rbs = append(rbs, tree.Runbooks()...)
			}
			p, err := iam.ForRunbooks(rbs, reg, o)
			if err != nil {
				return err
			}
			doc, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				return err
			}
			if n := nonSpace(doc); n > managedPolicyLimit {
				fmt.Fprintf(a.stderr, "bcdr: warning: the policy has %d characters, more than a managed policy's %d: split the runbooks over two policies\n", n, managedPolicyLimit)
			}
			_, err = fmt.Fprintf(a.stdout, "%s\n", doc)
			return err
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&params, "param", "p", nil, "parameter as name=value (repeatable), for the runbooks that declare it")
	f.StringVar(&o.Account, "account", "", "AWS account id of the resources (default any)")
	f.StringVar(&o.Partition, "partition", "aws", "ARN partition: aws, aws-us-gov, aws-cn")
	f.StringVar(&o.Region, "region", "", "region of steps that name none (default aws.region, else any)")
	f.StringVar(&o.Role, "role", "", "write the policy of this role ARN, for the steps that assume it")
	return cmd
}

// parseParams reads --param name=value flags.
func parseParams(flags []string) (map[string]string, error) {
	given := map[string]string{}
	for _, p := range flags {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--param %q: want name=value", p)
		}
		given[k] = v
	}
	return given, nil
}

func nonSpace(b []byte) int {
	return len(bytes.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, b))
}
