package awstest

import (
	"context"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// SDKConfig is an SDK configuration for region whose clients all call endpoint (moto,
// a fake, or a proxy in front of them), for a test to make its clients with the real
// NewFromConfig. opts are further load options (say config.WithRetryMaxAttempts).
func SDKConfig(t testing.TB, endpoint, region string, opts ...func(*config.LoadOptions) error) awssdk.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), append([]func(*config.LoadOptions) error{config.WithRegion(region)}, opts...)...)
	if err != nil {
		t.Fatalf("load the AWS SDK configuration: %v", err)
	}
	cfg.BaseEndpoint = awssdk.String(endpoint)
	return cfg
}
