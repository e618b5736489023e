// Package awstest runs a moto server (a local emulation of AWS APIs) for tests that talk
// to AWS through the real aws-sdk-go-v2 clients with an endpoint override.
//
// moto is installed with `pip install 'moto[server]'`. When it is missing, StartMoto
// skips the test with a loud message on a developer's machine and fails it in CI
// (CI=true), so a CI run can never pass without having run the AWS tests.
//
// Where moto lacks an operation or answers it unlike AWS, a fake answers as the AWS API
// reference documents it (each cites its page): Quotas (Service Quotas'
// GetServiceQuota), Simulator (IAM's SimulatePrincipalPolicy), ARCCluster (Route 53 ARC's
// routing-control data plane) and RDS (Aurora global failover and switchover, a global
// database's member clusters, read replica promotion). Split puts them in front of moto,
// by the SigV4 service of each request. SDKConfig points a test's own clients at them.
package awstest
