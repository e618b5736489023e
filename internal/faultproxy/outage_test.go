package faultproxy

import (
	"context"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// TestOutageTakesARegionAndItsControlPlanesDown: with us-east-1 down, a call signed for
// us-east-1 and a call to Route 53 (its control plane lives there, whatever region the
// client names) get no answer after the hold; a call to us-west-2 goes through; the
// outage ends with SetOutage("").
func TestOutageTakesARegionAndItsControlPlanesDown(t *testing.T) {
	p := start(t, motoURL, nil)
	p.SetOutage("us-east-1")
	ctx := context.Background()
	client := func(region string) awssdk.Config {
		return awstest.SDKConfig(t, p.URL, region, awsconfig.WithRetryMaxAttempts(1))
	}
	east, west := dynamodb.NewFromConfig(client("us-east-1")), dynamodb.NewFromConfig(client("us-west-2"))
	r53 := route53.NewFromConfig(client("eu-west-1"))

	began := time.Now()
	_, err := east.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.Error(t, err)
	code, status := apiError(err)
	assert.Empty(t, code, "no answer, so no AWS error: %v", err)
	assert.Zero(t, status)
	assert.GreaterOrEqual(t, time.Since(began), 100*time.Millisecond, "held, not refused")

	_, err = r53.ListHostedZones(ctx, &route53.ListHostedZonesInput{})
	require.Error(t, err, "Route 53's control plane is in us-east-1")

	_, err = west.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err, "us-west-2 answers")
	assert.Equal(t, 2, p.Counts()[Outage])

	p.SetOutage("")
	_, err = east.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err, "the region is back")

	var faulted []string
	for _, e := range p.Log() {
		if e.Fault == Outage {
			faulted = append(faulted, e.Service+" "+e.Action)
		}
	}
	assert.Equal(t, []string{"dynamodb ListTables", "route53 GET /2013-04-01/hostedzone"}, faulted)
}
