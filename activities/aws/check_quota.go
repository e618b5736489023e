package aws

import (
	"context"
	"fmt"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"

	"github.com/bcdr/bcdr/readiness"
)

// Capacity checks compare what a scale-up needs with the Service Quotas of the region
// it scales in (GetServiceQuota, the applied value: "Retrieves the applied quota value
// for the specified account-level or resource-level quota",
// https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html).
// The quotas count everything the account runs in the region, and Service Quotas does not
// say how much of them is in use, so a check finds a scale-up larger than the whole
// quota (not ready), and names the figures either way.

// quota is one Service Quotas quota.
type quota struct{ service, code, name string }

// The quotas bcdr compares scale-ups with. EC2's On-Demand quotas count vCPUs per
// instance family group ("Amazon EC2 service quotas", On-Demand Instance quotas,
// https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html);
// Fargate's count the vCPUs of running tasks ("Amazon ECS endpoints and quotas",
// https://docs.aws.amazon.com/general/latest/gr/ecs-service.html).
var (
	fargateVCPU = quota{"fargate", "L-3032A538", "Fargate On-Demand vCPU resource count"}
	ec2Standard = quota{"ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances"}
	ec2Families = map[string]quota{
		"f":   {"ec2", "L-74FC7D96", "Running On-Demand F instances"},
		"g":   {"ec2", "L-DB2E81BA", "Running On-Demand G and VT instances"},
		"vt":  {"ec2", "L-DB2E81BA", "Running On-Demand G and VT instances"},
		"inf": {"ec2", "L-1945791B", "Running On-Demand Inf instances"},
		"p":   {"ec2", "L-417A185B", "Running On-Demand P instances"},
		"x":   {"ec2", "L-7295265B", "Running On-Demand X instances"},
	}
)

// ec2Quota is the On-Demand quota an instance type counts against, by the letters its
// family starts with (m5.large -> m, inf2.xlarge -> inf, vt1.3xlarge -> vt); false for
// families bcdr does not map (trn, dl, hpc, mac, u-...).
func ec2Quota(instanceType string) (quota, bool) {
	family, _, _ := strings.Cut(instanceType, ".")
	letters := family
	if i := strings.IndexAny(family, "0123456789-"); i >= 0 {
		letters = family[:i]
	}
	if q, ok := ec2Families[letters]; ok {
		return q, true
	}
	if letters != "" && strings.ContainsRune("acdhimrtz", rune(letters[0])) && letters != "hpc" && letters != "dl" {
		return ec2Standard, true
	}
	return quota{}, false
}

// compareQuota is the capacity finding of a scale-up that needs `need` of q in the
// step's region.
func (a *Actions) compareQuota(ctx context.Context, s Scope, q quota, need float64, what string) readiness.Finding {
	c, err := a.quotasClient(ctx, s)
	if err != nil {
		return cannot("capacity", "%v", err)
	}
	region := a.resolve(s).Region
	out, err := c.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: awssdk.String(q.service), QuotaCode: awssdk.String(q.code)})
	if err != nil {
		return fromErr("capacity", classify(err, "read the quota %q (%s %s) in %s", q.name, q.service, q.code, region))
	}
	if out.Quota == nil || out.Quota.Value == nil {
		return cannot("capacity", "Service Quotas gave no value for %q in %s", q.name, region)
	}
	limit := *out.Quota.Value
	if need > limit {
		return notReady("capacity", "%s needs %s vCPUs but the quota %q in %s is %s: request an increase before the recovery",
			what, num(need), q.name, region, num(limit))
	}
	return ready("capacity", "%s needs %s vCPUs of the quota %q in %s (%s; other workloads count too)",
		what, num(need), q.name, region, num(limit))
}

func num(f float64) string { return fmt.Sprintf("%g", f) }
