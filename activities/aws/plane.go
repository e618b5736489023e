package aws

import (
	"strings"

	"github.com/bcdr/bcdr/runbooks"
)

// Where a kind's AWS calls land, worked out from the IAM actions it declares, so every kind
// (and every kind added later) states its plane and home without a second list to keep.
//
// Sources: AWS whitepaper "AWS Fault Isolation Boundaries", section "Global services"
// (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/global-services.html):
// the control planes of IAM, Organizations, Route 53 (public DNS management), and
// CloudFront are in us-east-1, while their data planes (authentication, DNS answers, health
// checks, content delivery) are spread worldwide; Route 53 ARC's cluster API (routing-control
// state) is a data plane served by five regional endpoints. Well-Architected REL11-BP04 asks
// recoveries to rely on data planes.

// globalControlPlanes are the services whose control plane lives in one region.
var globalControlPlanes = map[string]string{
	"route53":       "us-east-1",
	"iam":           "us-east-1",
	"organizations": "us-east-1",
	"cloudfront":    "us-east-1",
}

// dataPlaneActions are the data-plane operations kinds call; every other action is a
// control-plane operation in the step's region (the regional services' APIs: RDS, ECS,
// Auto Scaling, CloudWatch, ...).
var dataPlaneActions = map[string]bool{
	"s3:GetObject":          true,
	"s3:PutObject":          true,
	"s3:ListBucket":         true,
	"dynamodb:GetItem":      true,
	"dynamodb:PutItem":      true,
	"dynamodb:UpdateItem":   true,
	"dynamodb:Query":        true,
	"lambda:InvokeFunction": true,
	"ssm:GetParameter":      true,
	"kms:Decrypt":           true,
	"kms:GenerateDataKey":   true,
}

// permissionsOnly are actions a kind needs granted but never calls: the service the kind
// calls checks them (iam:PassRole is checked by SSM, Backup or DRS when handed a role), so
// they add no dependency on IAM's control plane.
var permissionsOnly = map[string]bool{"iam:PassRole": true}

// planeOf returns the plane and home of a kind that calls actions: the control plane of a
// global service when it calls one (that dependency is the one an outage of its home
// region breaks), else the step region's control plane when any action is a control-plane
// one, else the data plane (any region, for Route 53 ARC's cluster).
func planeOf(actions []string) (runbooks.Plane, string) {
	if len(actions) == 0 {
		return runbooks.PlaneNone, ""
	}
	plane, home := runbooks.PlaneData, ""
	arcOnly := true
	for _, a := range actions {
		service, _, _ := strings.Cut(a, ":")
		if service == "route53-recovery-cluster" || permissionsOnly[a] {
			continue
		}
		arcOnly = false
		if h, ok := globalControlPlanes[service]; ok {
			return runbooks.PlaneControl, h
		}
		if !dataPlaneActions[a] {
			plane = runbooks.PlaneControl
		}
	}
	if arcOnly {
		return runbooks.PlaneData, runbooks.HomeAnyRegion
	}
	return plane, home
}
